/** OpenAPI schemas of the anchor endpoints. */
import { namedSchema, oa } from '../../common/openapi/schema.js';
import type { AnchorProof, AnchorRun, AnchorView } from './anchor-service.js';

export const ANCHOR_SCHEMA = namedSchema(
  'ChainAnchor',
  oa.object<AnchorView>({
    sequence: oa.integer({ minimum: 1, description: '1, 2, …: the place in the audit-anchors stream' }),
    root: oa.string({ description: 'Merkle root (sha256 hex) over every stream head, leaves sorted by stream id' }),
    streams: oa.integer({ minimum: 0, description: 'Streams (leaves) anchored' }),
    changed: oa.integer({ minimum: 0, description: 'Heads that moved since the previous anchor' }),
    coversPosition: oa.string({ description: 'Position of the newest event this anchor covers' }),
    previousRoot: oa.nullable(oa.string()),
    trigger: oa.enum(['schedule', 'request']),
    at: oa.dateTime('When the anchor was taken'),
    position: oa.string({ description: 'Global position of the anchor event' }),
    recordedAt: oa.dateTime(),
    hash: oa.nullable(oa.string({ description: "The anchor event's own chain hash (anchors chain to each other)" })),
  }),
);

const PROOF_SCHEMA = namedSchema(
  'ChainAnchorProof',
  oa.object<AnchorProof>({
    sequence: oa.integer({ minimum: 1 }),
    root: oa.string(),
    leaf: oa.object<AnchorProof['leaf']>({
      streamId: oa.string(),
      revision: oa.integer({ minimum: 0, description: 'The anchored head revision' }),
      headHash: oa.nullable(oa.string({ description: 'The chain hash of the event at that revision' })),
      hash: oa.string({ description: 'sha256(0x00 ‖ {"headHash","revision","streamId"} as JSON)' }),
    }),
    path: oa.array(
      oa.object<AnchorProof['path'][number]>({
        side: oa.enum(['left', 'right'], 'Where the sibling sits: the parent is sha256(0x01 ‖ left ‖ right) over the raw digests'),
        hash: oa.string(),
      }),
      { description: 'Sibling hashes from the leaf up to the root' },
    ),
    verified: oa.boolean('The path leads from the leaf to the root'),
    rootMatches: oa.boolean('The tree rebuilt from the stored heads has the root the anchor recorded'),
  }),
);

export const ANCHOR_LIST_SCHEMA = namedSchema(
  'ChainAnchorList',
  oa.object<{ items: AnchorView[]; nextCursor: string | null; proof: AnchorProof | null }>(
    {
      items: oa.array(ANCHOR_SCHEMA, { description: 'Newest first' }),
      nextCursor: oa.nullable(oa.string({ description: 'Pass as ?cursor= for older anchors; null on the last page' })),
      proof: oa.nullable(PROOF_SCHEMA),
    },
    { optional: ['proof'] },
  ),
);

export const ANCHOR_RUN_SCHEMA = namedSchema(
  'ChainAnchorRun',
  oa.object<AnchorRun>(
    {
      written: oa.boolean('An anchor was appended'),
      skipped: oa.enum(['unchanged', 'busy'], 'Why not: no head moved since the last anchor, or another instance is writing one'),
      anchor: oa.nullable(ANCHOR_SCHEMA),
    },
    { optional: ['skipped'] },
  ),
);
