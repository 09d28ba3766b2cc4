/** OpenAPI schemas of the downstream feed: the public envelope, its pages and the catalogue. */
import { namedSchema, oa } from '../common/openapi/schema.js';
import { ACTOR_SCHEMA } from '../common/openapi/shared-schemas.js';
import type { PublishedCatalog, PublishedEventType } from './catalog/published-catalog.js';
import type { FeedListPage } from './feed.controller.js';
import type { PublicEvent, PublicEventMetadata } from './public-event.js';

export const PUBLIC_EVENT_SCHEMA = namedSchema(
  'PublicEvent',
  oa.object<PublicEvent>(
    {
      id: oa.string({ format: 'uuid', description: 'Event id: dedupe on it' }),
      type: oa.string({ description: 'Event type (GET /events/catalog)' }),
      schemaVersion: oa.integer({ minimum: 1, description: 'Version of data\'s schema (always the current one: older events are upgraded)' }),
      streamId: oa.string({ example: 'customer-42' }),
      revision: oa.integer({ minimum: 0, description: 'Position within its stream' }),
      position: oa.string({ description: 'Global position: opaque; pass it back as after / Last-Event-ID' }),
      recordedAt: oa.dateTime(),
      data: oa.map(oa.any(), 'The event\'s data as the catalogue describes it, secrets left out'),
      metadata: oa.object<PublicEventMetadata>(
        {
          actor: ACTOR_SCHEMA,
          correlationId: oa.string(),
          causationId: oa.string(),
          occurredAt: oa.dateTime(),
        },
        { optional: ['actor', 'correlationId', 'causationId', 'occurredAt'] },
      ),
    },
    { description: 'The public envelope of an event' },
  ),
);

export const FEED_PAGE_SCHEMA = namedSchema(
  'FeedPage',
  oa.object<FeedListPage>({
    items: oa.array(PUBLIC_EVENT_SCHEMA, { description: 'Oldest first' }),
    nextCursor: oa.nullable(
      oa.string({ description: 'Position of the last event read (also one filtered out): ask again with cursor=nextCursor; null only while the store is empty' }),
    ),
    events: { ...oa.array(PUBLIC_EVENT_SCHEMA), deprecated: true, description: 'The same as items (kept for one release)' },
    lastPosition: { ...oa.nullable(oa.string()), deprecated: true, description: 'The same as nextCursor (kept for one release)' },
  }),
);

export const EVENT_CATALOG_SCHEMA = namedSchema(
  'EventCatalog',
  oa.object<PublishedCatalog>({
    envelope: oa.map(oa.any(), 'JSON Schema of the envelope every event comes in'),
    events: oa.array(
      oa.object<PublishedEventType>({
        type: oa.string(),
        version: oa.integer({ minimum: 1 }),
        stream: oa.string({ example: 'customer-<id>' }),
        description: oa.string(),
        schema: oa.map(oa.any(), 'JSON Schema (2020-12) of data'),
        history: oa.array(oa.object<{ version: number; change: string }>({ version: oa.integer(), change: oa.string() })),
        omitted: oa.array(oa.string(), { description: 'Secret fields of the stored event the feed leaves out' }),
      }),
    ),
  }),
);

export const EVENT_STREAM_SCHEMA = oa.string({
  description: 'Server-Sent Events: `id: <position>`, `event: <type>`, `data: <PublicEvent as JSON>`; lines starting with `:` are heartbeats',
  example: 'id: 0000000000000012:0000\nevent: CustomerCreated\ndata: {"id":"…","type":"CustomerCreated",…}\n\n',
});

export const STREAM_TICKET_SCHEMA = namedSchema(
  'StreamTicket',
  oa.object<{ ticket: string; expiresAt: string; streamUrl: string }>({
    ticket: oa.string({ description: 'Single-use; valid for 30 s' }),
    expiresAt: oa.dateTime(),
    streamUrl: oa.string({ example: '/api/v1/events/stream?ticket=…', description: 'Relative to the server; add &types= / &after= as needed' }),
  }),
);
