/** OpenAPI schemas of the auditors' reads of a customer's stream. */
import { namedSchema, oa } from '../../common/openapi/schema.js';
import type { CustomerAuditExport, CustomerChainVerification, CustomerEventsPage, StreamEventView } from '../application/customer-history.js';
import { CUSTOMER_SCHEMA } from './customer.openapi.js';

export const STREAM_EVENT_SCHEMA = namedSchema(
  'StreamEvent',
  oa.object<StreamEventView>({
    id: oa.string({ format: 'uuid' }),
    type: oa.string(),
    schemaVersion: oa.integer({ minimum: 1, description: 'The version the event was written with (not upgraded)' }),
    revision: oa.integer({ minimum: 0 }),
    position: oa.string(),
    recordedAt: oa.dateTime(),
    data: oa.map(oa.any(), 'As stored; the PIN redacted, the password only ever sealed'),
    metadata: oa.map(oa.any(), 'actor, ip, userAgent, correlationId, causationId, chain {hash, prev}'),
  }),
);

export const CUSTOMER_EVENTS_SCHEMA = namedSchema(
  'CustomerEvents',
  oa.object<CustomerEventsPage & { items: unknown; nextCursor: string | null }>({
    items: oa.array(STREAM_EVENT_SCHEMA, { description: 'In stream order' }),
    nextCursor: oa.nullable(oa.string({ description: 'Pass as ?cursor= for the next page; null at the end' })),
    customerId: oa.integer(),
    revision: oa.integer({ description: 'Revision of the last event of the stream' }),
    events: { ...oa.array(STREAM_EVENT_SCHEMA), deprecated: true, description: 'The same as items (kept for one release)' },
    nextRevision: { ...oa.nullable(oa.integer()), deprecated: true, description: 'nextCursor as a number (kept for one release)' },
  }),
);

export const CUSTOMER_STATE_SCHEMA = namedSchema(
  'CustomerAsOf',
  oa.allOf(CUSTOMER_SCHEMA, oa.object<{ asOf: string }>({ asOf: oa.dateTime('The time asked for, or the time of the last event folded in') })),
);

export const CHAIN_VERIFICATION_SCHEMA = namedSchema(
  'ChainVerification',
  oa.object<CustomerChainVerification>(
    {
      customerId: oa.integer(),
      verified: oa.boolean('True when every chained event matches its hash and its predecessor, and the stream reaches the head its last anchor recorded'),
      events: oa.integer({ minimum: 0 }),
      chained: oa.integer({ minimum: 0 }),
      unchained: oa.integer({ minimum: 0, description: 'Events older than the chain: reported, not failed' }),
      headHash: oa.nullable(oa.string()),
      firstBrokenRevision: oa.integer(),
      reason: oa.string({ description: 'Why the chain breaks at firstBrokenRevision' }),
      reasonCode: oa.enum(
        ['hash_mismatch', 'prev_mismatch', 'chain_missing', 'revision_gap', 'head_behind_anchor', 'anchored_head_changed'],
        'head_behind_anchor: the stream ends before its anchored head (a cut-off tail); anchored_head_changed: the event at the anchored head changed',
      ),
      anchor: oa.object<NonNullable<CustomerChainVerification['anchor']>>(
        {
          sequence: oa.integer({ minimum: 1, description: 'The newest anchor (GET /audit/anchors)' }),
          anchoredAt: oa.dateTime(),
          root: oa.string(),
          revision: oa.integer({ minimum: 0, description: 'The head revision it recorded for this stream' }),
          headHash: oa.nullable(oa.string()),
        },
        { description: 'The head the newest anchor recorded for this stream; absent before the stream is first anchored' },
      ),
    },
    { optional: ['firstBrokenRevision', 'reason', 'reasonCode', 'anchor'] },
  ),
);

export const AUDIT_EXPORT_SCHEMA = namedSchema(
  'AuditExport',
  oa.object<CustomerAuditExport>({
    customerId: oa.integer(),
    streamId: oa.string(),
    exportedAt: oa.dateTime(),
    verification: CHAIN_VERIFICATION_SCHEMA,
    events: oa.array(STREAM_EVENT_SCHEMA),
  }),
);

export const AUDIT_EXPORT_NDJSON_SCHEMA = oa.string({ description: 'format=ndjson: the export without events as the first line, then one StreamEvent per line' });
