/** The JSON Schema of the anchors' event (stream audit-anchors), schema version 1. */
import { js, type EventCatalogEntry } from '../../domain-kernel/json-schema.js';

const hex = js.string({ pattern: '^[0-9a-f]{64}$' });

export const AUDIT_EVENT_CATALOG: readonly EventCatalogEntry[] = [
  {
    type: 'ChainHeadsAnchored',
    version: 1,
    stream: 'audit-anchors',
    description:
      "A checkpoint of every stream's hash-chain head: the Merkle root over the heads (leaves sorted by stream id). " +
      'Keep the roots: a stream that later ends before its anchored head, or whose head changed, is reported by audit/verify. ' +
      'Proofs of one stream: GET /api/v1/audit/anchors?streamId=.',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'ChainHeadsAnchored',
      ...js.object({
        sequence: js.integer({ minimum: 1 }),
        root: hex,
        streams: js.integer({ minimum: 0 }),
        changed: js.integer({ minimum: 0 }),
        coversPosition: js.string(),
        previousRoot: js.nullable(hex),
        trigger: js.enum(['schedule', 'request']),
        at: js.dateTime(),
      }),
    },
  },
];
