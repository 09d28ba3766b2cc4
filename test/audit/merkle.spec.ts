import { EMPTY_ROOT, leafHash, merkleProof, merkleRoot, nodeHash, verifyMerkleProof } from '../../src/audit/merkle.js';
import { checkAgainstAnchor } from '../../src/audit/anchor-check.js';

const leaves = (count: number) =>
  Array.from({ length: count }, (_, index) => leafHash({ streamId: `customer-${String(index).padStart(3, '0')}`, revision: index, headHash: index % 3 ? `h${index}` : null }));

describe('Merkle tree over stream heads', () => {
  it('roots: none, one, two and an odd level carried up', () => {
    expect(merkleRoot([])).toBe(EMPTY_ROOT);
    const [a, b, c] = leaves(3);
    expect(merkleRoot([a])).toBe(a);
    expect(merkleRoot([a, b])).toBe(nodeHash(a, b));
    expect(merkleRoot([a, b, c])).toBe(nodeHash(nodeHash(a, b), c));
  });

  it('every leaf of trees of 1..40 leaves has a proof that checks, and only against its own root and leaf', () => {
    for (let count = 1; count <= 40; count++) {
      const hashes = leaves(count);
      const root = merkleRoot(hashes);
      for (let index = 0; index < count; index++) {
        const proof = merkleProof(hashes, index);
        expect(verifyMerkleProof(hashes[index], proof, root)).toBe(true);
        if (count > 1) expect(verifyMerkleProof(hashes[(index + 1) % count], proof, root)).toBe(false);
      }
    }
  });

  it('a changed head changes the root; a leaf is never a node', () => {
    const hashes = leaves(8);
    const changed = [...hashes];
    changed[5] = leafHash({ streamId: 'customer-005', revision: 4, headHash: 'h5' });
    expect(merkleRoot(changed)).not.toBe(merkleRoot(hashes));
    expect(leafHash({ streamId: 'x', revision: 0, headHash: null })).not.toBe(nodeHash(hashes[0], hashes[1]));
  });
});

describe('a stream against its anchored head', () => {
  const stream = [0, 1, 2].map((revision) => ({ revision, metadata: { chain: { prev: revision ? `h${revision - 1}` : null, hash: `h${revision}` } } }));

  it('holds when the stream reaches the anchored head with its hash, also after later events', () => {
    expect(checkAgainstAnchor(stream, { revision: 2, headHash: 'h2' })).toBeNull();
    expect(checkAgainstAnchor(stream, { revision: 1, headHash: 'h1' })).toBeNull();
  });

  it('a cut-off tail: the stream ends before the anchored head', () => {
    expect(checkAgainstAnchor(stream.slice(0, 1), { revision: 2, headHash: 'h2' })).toEqual({ finding: 'head_behind_anchor', firstBrokenRevision: 1 });
  });

  it('a replaced head: the event there has another hash', () => {
    expect(checkAgainstAnchor(stream, { revision: 2, headHash: 'other' })).toEqual({ finding: 'anchored_head_changed', firstBrokenRevision: 2 });
  });
});
