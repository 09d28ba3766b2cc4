import { canonicalJson, chainHash, chainOf, headOf, linkEvents, verifyChain } from '../../src/audit/hash-chain.js';

type Stored = { streamId: string; revision: number; type: string; schemaVersion: number; data: Record<string, unknown>; metadata: Record<string, unknown> };

const STREAM = 'customer-7';

/** Appends as runCommand does: linked after the current head, at the next revisions. */
function append(stream: Stored[], ...events: { type: string; data: Record<string, unknown>; metadata?: Record<string, unknown> }[]): Stored[] {
  const linked = linkEvents(STREAM, stream.length, headOf(stream[stream.length - 1]), events);
  return [
    ...stream,
    ...linked.map((event, index) => ({ streamId: STREAM, revision: stream.length + index, type: event.type, schemaVersion: 1, data: event.data, metadata: event.metadata ?? {} })),
  ];
}

/** A jsonb round trip: keys come back in another order. */
function reordered<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reordered) as T;
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).reverse().map(([key, item]) => [key, reordered(item)])) as T;
}

describe('canonical JSON', () => {
  it('sorts keys at every depth, keeps array order, drops undefined like JSON.stringify', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }, undefined], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"z":1},null]},"b":1}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'));
    expect(canonicalJson(new Date('2024-01-02T03:04:05.000Z'))).toBe('"2024-01-02T03:04:05.000Z"');
  });
});

describe('hash chain', () => {
  const actor = { id: 'a1', name: 'Ann', role: 'super_admin' };
  const build = () =>
    append(
      append([], { type: 'CustomerCreated', data: { customerId: 7, login: 'ann', voip: { pinCiphertext: 'v1.x' } }, metadata: { actor, ip: '10.0.0.1' } }),
      { type: 'CustomerMainInfoChanged', data: { changes: [{ field: 'fullName', from: 'A', to: 'B' }] }, metadata: { actor } },
      { type: 'CustomerCommentAdded', data: { commentId: 'c1', text: 'hi' }, metadata: { actor, correlationId: 'k' } },
    );

  it('links each event to the previous one; the first has prev null', () => {
    const stream = build();
    const links = stream.map((event) => chainOf(event.metadata)!);
    expect(links[0].prev).toBeNull();
    expect(links[1].prev).toBe(links[0].hash);
    expect(links[2].prev).toBe(links[1].hash);
    expect(links.every((link) => /^[0-9a-f]{64}$/.test(link.hash))).toBe(true);
    expect(chainHash(stream[1], links[0].hash)).toBe(links[1].hash);
  });

  it('verifies an untouched stream, also after a key-reordering round trip', () => {
    const stream = build();
    const expected = { verified: true, events: 3, chained: 3, unchained: 0, headHash: chainOf(stream[2].metadata)!.hash };
    expect(verifyChain(stream)).toEqual(expected);
    expect(verifyChain(reordered(stream))).toEqual(expected);
    expect(verifyChain([])).toEqual({ verified: true, events: 0, chained: 0, unchained: 0, headHash: null });
  });

  it('finds a changed data value, a changed metadata value, type or schema version at its revision', () => {
    const changedData = build();
    changedData[1] = { ...changedData[1], data: { changes: [{ field: 'fullName', from: 'A', to: 'C' }] } };
    expect(verifyChain(changedData)).toMatchObject({ verified: false, firstBrokenRevision: 1, reason: 'hash_mismatch' });

    const changedActor = build();
    changedActor[2] = { ...changedActor[2], metadata: { ...changedActor[2].metadata, actor: { ...actor, id: 'a2' } } };
    expect(verifyChain(changedActor)).toMatchObject({ verified: false, firstBrokenRevision: 2, reason: 'hash_mismatch' });

    const changedType = build();
    changedType[0] = { ...changedType[0], type: 'CustomerDeleted' };
    expect(verifyChain(changedType)).toMatchObject({ verified: false, firstBrokenRevision: 0 });

    const changedVersion = build();
    changedVersion[0] = { ...changedVersion[0], schemaVersion: 2 };
    expect(verifyChain(changedVersion)).toMatchObject({ verified: false, firstBrokenRevision: 0 });
  });

  it('a rehashed changed event still breaks the next link', () => {
    const stream = build();
    const data = { changes: [{ field: 'fullName', from: 'A', to: 'C' }] };
    const prev = chainOf(stream[1].metadata)!.prev;
    const hash = chainHash({ ...stream[1], data }, prev);
    stream[1] = { ...stream[1], data, metadata: { ...stream[1].metadata, chain: { prev, hash } } };
    expect(verifyChain(stream)).toMatchObject({ verified: false, firstBrokenRevision: 2, reason: 'prev_mismatch' });
  });

  it('finds a removed event, and a removed link after the chain started', () => {
    const stream = build();
    const removed = [stream[0], { ...stream[2], revision: 1 }];
    expect(verifyChain(removed)).toMatchObject({ verified: false, firstBrokenRevision: 1 });
    expect(verifyChain([stream[0], stream[2]])).toMatchObject({ verified: false, firstBrokenRevision: 2, reason: 'revision_gap' });

    const unlinked = build();
    const { chain: _chain, ...metadata } = unlinked[2].metadata;
    unlinked[2] = { ...unlinked[2], metadata };
    expect(verifyChain(unlinked)).toMatchObject({ verified: false, firstBrokenRevision: 2, reason: 'chain_missing' });
  });

  it('counts events older than the chain as unchained, and chains from there with prev null', () => {
    const legacy: Stored[] = [
      { streamId: STREAM, revision: 0, type: 'CustomerCreated', schemaVersion: 1, data: { customerId: 7 }, metadata: { actor } },
      { streamId: STREAM, revision: 1, type: 'CustomerCommentAdded', schemaVersion: 1, data: { commentId: 'c' }, metadata: {} },
    ];
    const stream = append(legacy, { type: 'CustomerNoteAdded', data: { noteId: 'n' }, metadata: { actor } });
    expect(chainOf(stream[2].metadata)!.prev).toBeNull();
    expect(verifyChain(stream)).toEqual({ verified: true, events: 3, chained: 1, unchained: 2, headHash: chainOf(stream[2].metadata)!.hash });
  });

  it('ignores a chain key passed in by the caller and hashes without it', () => {
    const [event] = linkEvents(STREAM, 0, null, [{ type: 'X', data: {}, metadata: { chain: { prev: 'forged', hash: 'forged' }, ip: '1' } }]);
    expect(event.metadata).toEqual({ ip: '1', chain: { prev: null, hash: chainHash({ streamId: STREAM, revision: 0, type: 'X', schemaVersion: 1, data: {}, metadata: { ip: '1' } }, null) } });
  });
});
