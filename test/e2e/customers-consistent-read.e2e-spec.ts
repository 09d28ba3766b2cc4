/**
 * GET /customers/{id}?consistent=true answers the stream's current head (folded from the event
 * store), so its ETag is the revision an If-Match needs now: 30 admins editing one customer with
 * If-Match, each re-reading consistently after a 412, all get their change in, and none is lost.
 */
import { createCustomer, seedReferenceData, startHarness, type Harness, type Reference } from './customers-e2e-support.js';

describe('consistent read of a customer', () => {
  let h: Harness;
  let reference: Reference;
  beforeAll(async () => {
    h = await startHarness();
    reference = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers the stream's head right after a write, with the same document the read model reaches", async () => {
    const customer = await createCustomer(h, reference);
    const written = await h.patch(`/customers/${customer.id}`, { city: 'Head Town' }).expect(200);
    const head = await h.get(`/customers/${customer.id}?consistent=true`).expect(200);
    expect(head.headers.etag).toBe(`"${written.body.revision}"`);
    expect(head.body.revision).toBe(written.body.revision);
    expect(head.body.city).toBe('Head Town');
    const projected = await h.get(`/customers/${customer.id}?minPosition=${encodeURIComponent(written.body.position)}`).expect(200);
    expect(head.body).toEqual(projected.body);
  });

  it('keeps the read rules: 404 for an unknown or deleted customer, secrets never in the answer', async () => {
    await h.get('/customers/987654?consistent=true').expect(404);
    const customer = await createCustomer(h, reference);
    const head = await h.get(`/customers/${customer.id}?consistent=true`).expect(200);
    expect(JSON.stringify(head.body)).not.toMatch(/passwordCiphertext"\s*:\s*"[^"]/);
    await h.get(`/customers/${customer.id}?consistent=nope`).expect(422);
  });

  it('30 admins retrying after 412 with a consistent re-read all win; every accepted change is in the stream and the read model', async () => {
    const customer = await createCustomer(h, reference);
    const writers = 30;
    const maxAttempts = 300; // bounded: each attempt either wins or lost to a change that did win
    const outcomes = await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        let conflicts = 0;
        for (let attempt = 1; attempt <= maxAttempts; attempt++) {
          const read = await h.get(`/customers/${customer.id}?consistent=true`);
          expect(read.status).toBe(200);
          const answer = await h.patch(`/customers/${customer.id}`, { street: `Writer ${writer}` }, { 'If-Match': read.headers.etag });
          if (answer.status === 200) return { writer, won: true, conflicts, revision: answer.body.revision as number, position: answer.body.position as string };
          expect([409, 412]).toContain(answer.status);
          if (answer.status === 412) expect(answer.body.currentRevision).toBeGreaterThan(Number(JSON.parse(read.headers.etag)));
          conflicts++;
        }
        return { writer, won: false, conflicts, revision: -1, position: '' };
      }),
    );
    expect(outcomes.filter((outcome) => outcome.won)).toHaveLength(writers);
    // Each accepted change is one event at the revision its answer named; nothing else was appended.
    const events = (await h.store.readStream(`customer-${customer.id}`)).filter((event) => event.type === 'CustomerAddressChanged');
    expect(events).toHaveLength(writers);
    expect(new Set(events.map((event) => event.revision))).toEqual(new Set(outcomes.map((outcome) => outcome.revision)));
    const last = outcomes.reduce((a, b) => (a.revision > b.revision ? a : b));
    const projected = await h.get(`/customers/${customer.id}?minPosition=${encodeURIComponent(last.position)}`).expect(200);
    const head = await h.get(`/customers/${customer.id}?consistent=true`).expect(200);
    expect(projected.body.street).toBe(`Writer ${last.writer}`);
    expect(projected.body).toEqual(head.body);
  });
});
