import { createHash } from 'node:crypto';

/**
 * The Merkle tree over streams' chain heads that an anchor records (see anchors/anchor-service.ts).
 *
 * - Leaves: one per stream, in stream id order (UTF-16 code unit order, as `Array.prototype.sort`),
 *   `sha256(0x00 ‖ canonical {"headHash":…,"revision":…,"streamId":…})`.
 * - Inner nodes: `sha256(0x01 ‖ left ‖ right)` over the raw 32-byte digests (RFC 6962's domain
 *   separation, so a leaf can never pass for a node). A level with an odd count carries its last
 *   node up unchanged.
 * - The root of no leaf is the sha256 of nothing.
 * - A proof is the sibling hashes from the leaf up, each with its side; `verifyMerkleProof` folds them.
 */
export interface MerkleLeaf {
  streamId: string;
  revision: number;
  /** The chain hash of the stream's last event (null for a stream older than the chain). */
  headHash: string | null;
}

export interface MerkleProofStep {
  /** Where the sibling sits: the node is hashed as left ‖ right. */
  side: 'left' | 'right';
  hash: string;
}

export function leafHash(leaf: MerkleLeaf): string {
  const canonical = JSON.stringify({ headHash: leaf.headHash, revision: leaf.revision, streamId: leaf.streamId });
  return createHash('sha256').update(Buffer.from([0])).update(canonical, 'utf8').digest('hex');
}

export function nodeHash(left: string, right: string): string {
  return createHash('sha256').update(Buffer.from([1])).update(Buffer.from(left, 'hex')).update(Buffer.from(right, 'hex')).digest('hex');
}

export const EMPTY_ROOT = createHash('sha256').digest('hex');

/** Compares stream ids the way the tree orders its leaves. */
export function compareStreamIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The root over leaf hashes already in leaf order. */
export function merkleRoot(leafHashes: readonly string[]): string {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  let level = leafHashes;
  while (level.length > 1) level = nextLevel(level);
  return level[0];
}

/** The proof of the leaf at `index` (0-based, in leaf order). */
export function merkleProof(leafHashes: readonly string[], index: number): MerkleProofStep[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) throw new RangeError(`No leaf at ${index}`);
  const steps: MerkleProofStep[] = [];
  let level = leafHashes;
  let position = index;
  while (level.length > 1) {
    const sibling = position % 2 === 0 ? position + 1 : position - 1;
    if (sibling < level.length) steps.push({ side: position % 2 === 0 ? 'right' : 'left', hash: level[sibling] });
    level = nextLevel(level);
    position = Math.floor(position / 2);
  }
  return steps;
}

/** Whether `proof` leads from `leaf` (a leaf hash) to `root`. */
export function verifyMerkleProof(leaf: string, proof: readonly MerkleProofStep[], root: string): boolean {
  let hash = leaf;
  for (const step of proof) hash = step.side === 'left' ? nodeHash(step.hash, hash) : nodeHash(hash, step.hash);
  return hash === root;
}

function nextLevel(level: readonly string[]): string[] {
  const next: string[] = [];
  for (let index = 0; index < level.length; index += 2) next.push(index + 1 < level.length ? nodeHash(level[index], level[index + 1]) : level[index]);
  return next;
}
