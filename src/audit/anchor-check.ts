import { chainOf } from './hash-chain.js';

/** A stream's head as the last anchor recorded it. */
export interface AnchoredHead {
  streamId: string;
  revision: number;
  headHash: string | null;
  /** The last anchor (the newest in the anchors' stream), which covers this head. */
  sequence: number;
  anchoredAt: string;
  root: string;
}

export type AnchorFinding = 'head_behind_anchor' | 'anchored_head_changed';

export const ANCHOR_FINDINGS: Readonly<Record<AnchorFinding, string>> = {
  head_behind_anchor: 'the stream ends before the head its last anchor recorded (events at its end were removed)',
  anchored_head_changed: 'the event at the anchored head no longer has the hash the anchor recorded (it was changed or replaced)',
};

/**
 * The stored stream compared with its anchored head: its last revision must be at least the
 * anchored one, and the event at the anchored revision must carry the anchored hash. Null: it holds.
 */
export function checkAgainstAnchor(
  events: ReadonlyArray<{ revision: number; metadata: Record<string, unknown> | undefined }>,
  anchored: Pick<AnchoredHead, 'revision' | 'headHash'>,
): { finding: AnchorFinding; firstBrokenRevision: number } | null {
  const last = events[events.length - 1];
  if (!last || last.revision < anchored.revision) return { finding: 'head_behind_anchor', firstBrokenRevision: last ? last.revision + 1 : 0 };
  const atHead = events.find((event) => event.revision === anchored.revision);
  const hash = atHead ? (chainOf(atHead.metadata)?.hash ?? null) : undefined;
  if (hash !== anchored.headHash) return { finding: 'anchored_head_changed', firstBrokenRevision: anchored.revision };
  return null;
}
