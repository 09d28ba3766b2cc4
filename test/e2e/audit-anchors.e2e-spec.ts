/**
 * Anchors of the hash chains: a cut-off tail is found. After an anchor, a stream whose last events
 * are deleted in SQL fails verify (head_behind_anchor) while an untouched one verifies; the proof
 * GET /audit/anchors answers checks against the anchor's root with the Merkle functions.
 */
import { sql } from 'kysely';
import { leafHash, verifyMerkleProof } from '../../src/audit/merkle.js';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { createCustomer, customerStream, seedReferenceData, startHarness, streamEvents, uniqueLogin, type Harness, type Reference } from './customers-e2e-support.js';

describe('audit: anchors of the hash chains', () => {
  let h: Harness;
  let ref: Reference;
  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function editedCustomer(): Promise<number> {
    const customer = await createCustomer(h, ref, { login: uniqueLogin('anchor') });
    await h.patch(`/customers/${customer.id}`, { fullName: 'Anchored Jane' }).expect(200);
    const comment = await h.post(`/customers/${customer.id}/comments`, { text: 'anchored' }).expect(201);
    // Seen by the read models, so shown by the store: an anchor covers what the store shows, and on a
    // PostgreSQL server shared with other test files a commit shows only once older transactions end.
    await h.get(`/customers/${customer.id}?minPosition=${comment.body.position}`).expect(200);
    return customer.id as number;
  }

  it('anchors every head, once; a second run with nothing new writes nothing', async () => {
    const id = await editedCustomer();
    const first = await h.post('/audit/anchors').expect(200);
    expect(first.body).toMatchObject({ written: true, anchor: { sequence: expect.any(Number), root: expect.stringMatching(/^[0-9a-f]{64}$/), trigger: 'request' } });
    // Reference data streams and the customer: every stream with events, the anchors' own excepted.
    expect(first.body.anchor.streams).toBeGreaterThanOrEqual(3);
    const again = await h.post('/audit/anchors').expect(200);
    expect(again.body).toMatchObject({ written: false, skipped: 'unchanged', anchor: { sequence: first.body.anchor.sequence } });

    const listed = await h.get('/audit/anchors').expect(200);
    expect(listed.body.items[0]).toEqual(first.body.anchor);
    const verify = await h.get(`/customers/${id}/audit/verify`).expect(200);
    expect(verify.body).toMatchObject({ verified: true, anchor: { sequence: first.body.anchor.sequence, revision: 2, root: first.body.anchor.root } });
  });

  it('a stream cut in SQL is reported after an anchor; an untouched one verifies; the proof checks', async () => {
    const cut = await editedCustomer();
    const untouched = await editedCustomer();
    const anchored = await h.post('/audit/anchors').expect(200);
    expect(anchored.body.written).toBe(true);
    const stored = await streamEvents(h.store, customerStream(cut));
    expect(stored).toHaveLength(3);

    // Before the cut: the proof of the stream's head leads to the anchor's root.
    const listed = await h.get(`/audit/anchors?streamId=${customerStream(cut)}`).expect(200);
    const proof = listed.body.proof;
    expect(proof).toMatchObject({ sequence: anchored.body.anchor.sequence, root: anchored.body.anchor.root, verified: true, rootMatches: true });
    expect(proof.leaf).toMatchObject({ streamId: customerStream(cut), revision: 2, headHash: (stored[2].metadata.chain as { hash: string }).hash });
    expect(proof.leaf.hash).toBe(leafHash(proof.leaf));
    expect(verifyMerkleProof(proof.leaf.hash, proof.path, anchored.body.anchor.root)).toBe(true);
    expect(verifyMerkleProof(leafHash({ ...proof.leaf, revision: 1 }), proof.path, anchored.body.anchor.root)).toBe(false);

    // The tail cut off in SQL: the shorter chain is still a valid chain …
    const database = h.testApp.app.get<Database>(DATABASE);
    const deleted = await sql`DELETE FROM es_events WHERE stream_id = ${customerStream(cut)} AND revision >= 1`.execute(database.db);
    expect(Number(deleted.numAffectedRows)).toBe(2);
    // … but it ends before its anchored head.
    const verify = await h.get(`/customers/${cut}/audit/verify`).expect(200);
    expect(verify.body).toMatchObject({ customerId: cut, verified: false, events: 1, chained: 1, firstBrokenRevision: 1, reasonCode: 'head_behind_anchor', anchor: { revision: 2 } });
    expect(typeof verify.body.reason).toBe('string');
    const exported = await h.get(`/customers/${cut}/audit/export`).expect(200);
    expect(exported.body.verification).toMatchObject({ verified: false, reasonCode: 'head_behind_anchor' });

    const fine = await h.get(`/customers/${untouched}/audit/verify`).expect(200);
    expect(fine.body).toMatchObject({ customerId: untouched, verified: true, events: 3, anchor: { revision: 2, sequence: anchored.body.anchor.sequence } });
    // A later anchor keeps the cut stream's anchored head (the read model never saw a head move back).
    await createCustomer(h, ref, { login: uniqueLogin('anchor') });
    const later = await h.post('/audit/anchors').expect(200);
    expect(later.body.anchor.sequence).toBe(anchored.body.anchor.sequence + 1);
    expect((await h.get(`/customers/${cut}/audit/verify`).expect(200)).body).toMatchObject({ verified: false, reasonCode: 'head_behind_anchor', anchor: { sequence: later.body.anchor.sequence, revision: 2 } });
  });

  it('pages the anchors newest first and refuses a proof of a stream in no anchor', async () => {
    const page = await h.get('/audit/anchors?limit=1').expect(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const older = await h.get(`/audit/anchors?limit=1&cursor=${page.body.nextCursor}`).expect(200);
    expect(older.body.items[0].sequence).toBe(page.body.items[0].sequence - 1);
    const missing = await h.get('/audit/anchors?streamId=customer-999999').expect(404);
    expect(missing.body.rule).toBe('audit.anchor_not_found');
    await h.get('/audit/anchors?limit=0').expect(422);
  });
});
