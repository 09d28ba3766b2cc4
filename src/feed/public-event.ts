/**
 * The public envelope of the feed (JSON pages and SSE): what downstream consumers see of a stored
 * event. Data is upgraded to the type's current schema version and stripped of secrets; metadata
 * keeps who and the correlation ids, never the client's address or user agent.
 */
import type { Actor, RecordedEvent } from '../event-store/event-store.port.js';
import type { JsonSchema } from '../domain-kernel/index.js';
import type { UpcasterRegistry } from './upcasting/upcaster-registry.js';
import { isFreeFormKey, isSecretKey, redactSecrets } from '../crypto/redaction.js';

export { isSecretKey };

export interface PublicEventMetadata {
  actor?: Actor;
  correlationId?: string;
  causationId?: string;
  occurredAt?: string;
}

export interface PublicEvent {
  /** Event id (UUID): consumers dedupe on it. */
  id: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  revision: number;
  /** Global position: opaque, sortable as a string; pass it back as `after` / Last-Event-ID. */
  position: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: PublicEventMetadata;
}

/** A copy of `value` without secret keys (the one redaction, dropping: the published schemas omit them). */
export function withoutSecrets<T>(value: T): T {
  return redactSecrets(value, { drop: true });
}

/** Dotted paths of the secret properties a JSON Schema declares (what the feed leaves out). */
export function secretPathsOf(schema: JsonSchema, prefix = ''): string[] {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties || typeof properties !== 'object') return [];
  return Object.entries(properties).flatMap(([name, sub]) => {
    if (isSecretKey(name)) return [`${prefix}${name}`];
    if (isFreeFormKey(name) || !sub || typeof sub !== 'object') return [];
    return secretPathsOf(sub, `${prefix}${name}.`);
  });
}

/** The same for a JSON Schema: secret properties leave `properties` and `required`, at any depth. */
export function schemaWithoutSecrets(schema: JsonSchema): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'properties' && item && typeof item === 'object') {
        copy.properties = Object.fromEntries(
          Object.entries(item as Record<string, unknown>)
            .filter(([name]) => !isSecretKey(name))
            .map(([name, sub]) => [name, isFreeFormKey(name) ? sub : walk(sub)]),
        );
      } else if (key === 'required' && Array.isArray(item)) {
        copy.required = item.filter((name) => typeof name !== 'string' || !isSecretKey(name));
      } else {
        copy[key] = walk(item);
      }
    }
    return copy;
  };
  return walk(schema) as JsonSchema;
}

function publicMetadata(metadata: RecordedEvent['metadata']): PublicEventMetadata {
  const result: PublicEventMetadata = {};
  const actor = metadata?.actor;
  if (actor && typeof actor === 'object') result.actor = { id: String(actor.id ?? ''), name: String(actor.name ?? ''), role: String(actor.role ?? '') };
  for (const key of ['correlationId', 'causationId', 'occurredAt'] as const) {
    const value = metadata?.[key];
    if (typeof value === 'string') result[key] = value;
  }
  return result;
}

export function toPublicEvent(event: RecordedEvent, registry: UpcasterRegistry): PublicEvent {
  const { schemaVersion, data } = registry.upcast(event.type, event.schemaVersion, event.data);
  return {
    id: event.id,
    type: event.type,
    schemaVersion,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position,
    recordedAt: event.recordedAt.toISOString(),
    data: withoutSecrets(data),
    metadata: publicMetadata(event.metadata),
  };
}

/** JSON Schema of the envelope itself, published with the catalogue. */
export const PUBLIC_EVENT_ENVELOPE_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Event envelope',
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid', description: 'Unique event id; consumers dedupe on it.' },
    type: { type: 'string', description: 'Event type, one of the catalogue.' },
    schemaVersion: { type: 'integer', minimum: 1, description: 'Version of `data`; the catalogue has its JSON Schema.' },
    streamId: { type: 'string', description: 'The stream, e.g. customer-42; order within a stream is never changed.' },
    revision: { type: 'integer', minimum: 0, description: 'Position of the event within its stream (0-based).' },
    position: { type: 'string', description: 'Global position: opaque, compare as strings; resume after it.' },
    recordedAt: { type: 'string', format: 'date-time', description: 'When the store recorded it (ISO-8601, UTC).' },
    data: { type: 'object', description: 'The event itself, as the JSON Schema of its type and version describes.' },
    metadata: {
      type: 'object',
      description: 'Who and why: actor {id, name, role}, correlationId, causationId, occurredAt.',
      properties: {
        actor: {
          type: 'object',
          properties: { id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } },
          required: ['id', 'name', 'role'],
        },
        correlationId: { type: 'string' },
        causationId: { type: 'string' },
        occurredAt: { type: 'string', format: 'date-time' },
      },
    },
  },
  required: ['id', 'type', 'schemaVersion', 'streamId', 'revision', 'position', 'recordedAt', 'data', 'metadata'],
};
