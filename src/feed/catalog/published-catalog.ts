/**
 * The published event catalogue: every event type the feed delivers, its current schema version,
 * the JSON Schema of its data as consumers receive it (upgraded, without secrets) and its version
 * history. Served at GET /api/v1/events/catalog and written to docs/event-catalog.md from the same
 * source (`npm run catalog:write`).
 */
import { AUDIT_EVENT_CATALOG } from '../../audit/anchors/anchor.event-catalog.js';
import { EVENT_CATALOG } from '../../customers/domain/index.js';
import type { EventCatalogEntry, JsonSchema } from '../../domain-kernel/index.js';
import { PUBLIC_EVENT_ENVELOPE_SCHEMA, schemaWithoutSecrets, secretPathsOf } from '../public-event.js';
import { MONEY_AS_DECIMAL_STRINGS } from '../upcasting/money-as-decimal-strings.js';
import { UpcasterRegistry, type SchemaRevision, type VersionHistoryEntry } from '../upcasting/upcaster-registry.js';

/** Every incompatible change of an event's shape, oldest first. Add new ones here (with a spec). */
export const SCHEMA_REVISIONS: readonly SchemaRevision[] = [...MONEY_AS_DECIMAL_STRINGS];

/** What the feed publishes: the domain's events and the anchors of the hash chains. */
export const PUBLISHED_EVENT_CATALOG: readonly EventCatalogEntry[] = [...EVENT_CATALOG, ...AUDIT_EVENT_CATALOG];

export interface PublishedEventType {
  type: string;
  version: number;
  /** The stream (category) it is appended to, e.g. customer-<id>. */
  stream: string;
  description: string;
  schema: JsonSchema;
  history: VersionHistoryEntry[];
  /** Secret fields of the stored event that the feed leaves out (dotted paths). */
  omitted: string[];
}

export interface PublishedCatalog {
  /** JSON Schema of the envelope every event comes in. */
  envelope: JsonSchema;
  events: PublishedEventType[];
}

export function buildRegistry(catalog: readonly EventCatalogEntry[] = PUBLISHED_EVENT_CATALOG, revisions: readonly SchemaRevision[] = SCHEMA_REVISIONS): UpcasterRegistry {
  return new UpcasterRegistry(Object.fromEntries(catalog.map((entry) => [entry.type, entry.version])), revisions);
}

export function buildPublishedCatalog(catalog: readonly EventCatalogEntry[] = PUBLISHED_EVENT_CATALOG, registry = buildRegistry(catalog)): PublishedCatalog {
  return {
    envelope: PUBLIC_EVENT_ENVELOPE_SCHEMA,
    events: catalog.map((entry) => {
      const schema = registry.currentSchema(entry.type, entry.schema);
      return {
        type: entry.type,
        version: registry.currentVersion(entry.type) ?? entry.version,
        stream: entry.stream,
        description: entry.description,
        schema: schemaWithoutSecrets(schema),
        history: registry.history(entry.type),
        omitted: secretPathsOf(schema),
      };
    }),
  };
}

export const FEED_REGISTRY = buildRegistry();
export const PUBLISHED_CATALOG = buildPublishedCatalog(PUBLISHED_EVENT_CATALOG, FEED_REGISTRY);
export const PUBLISHED_TYPES: ReadonlySet<string> = new Set(PUBLISHED_CATALOG.events.map((entry) => entry.type));
