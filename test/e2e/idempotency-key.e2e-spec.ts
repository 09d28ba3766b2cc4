/**
 * Idempotency-Key on POST: a client that timed out and retries gets the first answer and writes
 * nothing again; another body under the same key is refused; concurrent duplicates run once; keys
 * are per admin; a refusal does not bind the key; expired keys and dead holders free it.
 */
import { sql } from 'kysely';
import request from 'supertest';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { IDEMPOTENCY_STORE } from '../../src/idempotency/idempotency.interceptor.js';
import type { IdempotencyStore } from '../../src/idempotency/idempotency-store.js';
import { API, createCustomer, expectNothingWritten, expectProblem, seedReferenceData, startHarness, type Harness, type Reference } from './customers-e2e-support.js';

describe('Idempotency-Key', () => {
  let h: Harness;
  let reference: Reference;
  let database: Database;
  let keyCounter = 0;
  const newKey = () => `key-${Date.now().toString(36)}-${++keyCounter}`;

  beforeAll(async () => {
    h = await startHarness();
    reference = await seedReferenceData(h);
    database = h.testApp.app.get<Database>(DATABASE);
  });
  afterAll(async () => {
    await h?.close();
  });

  const customerBody = (fullName = 'Retry Doe') => ({ fullName, partnerId: reference.partnerId, locationId: reference.locationId });

  it('a retried create customer answers the first answer (status, body, Location, ETag) and writes one customer', async () => {
    const key = newKey();
    const before = await h.eventCount();
    const first = await h.post('/customers', customerBody(), { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const written = (await h.eventCount()) - before;
    expect(written).toBeGreaterThan(0);
    const second = await expectNothingWritten(h, `customer-${first.body.id}`, () => h.post('/customers', customerBody(), { 'Idempotency-Key': key }));
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // Key order in the body does not make it another request.
    const reordered = await h.post('/customers', { locationId: reference.locationId, partnerId: reference.partnerId, fullName: 'Retry Doe' }, { 'Idempotency-Key': key });
    expect(reordered.status).toBe(201);
    expect(reordered.body.id).toBe(first.body.id);
    expect((await h.eventCount()) - before).toBe(written);
  });

  it('a retried payment answers the first answer and records one payment event', async () => {
    const customer = await createCustomer(h, reference);
    const key = newKey();
    const path = `/customers/${customer.id}/payments`;
    const first = await h.post(path, { amount: 12.5, method: 'bank_transfer', reference: 'TX-9' }, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const again = await expectNothingWritten(h, `customer-${customer.id}`, () => h.post(path, { amount: 12.5, method: 'bank_transfer', reference: 'TX-9' }, { 'Idempotency-Key': key }));
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const payments = (await h.store.readStream(`customer-${customer.id}`)).filter((event) => event.type.includes('Payment'));
    expect(payments).toHaveLength(1);
  });

  it('the same key with another body is 422 idempotency_key.reused and writes nothing', async () => {
    const key = newKey();
    const first = await h.post('/customers', customerBody('First Body'), { 'Idempotency-Key': key }).expect(201);
    const other = await expectNothingWritten(h, `customer-${first.body.id}`, () => h.post('/customers', customerBody('Other Body'), { 'Idempotency-Key': key }));
    expectProblem(other, 422, 'idempotency_key.reused');
    // Another path under the same key is another request too.
    const elsewhere = await expectNothingWritten(h, `customer-${first.body.id}`, () => h.post('/partners', { name: 'Elsewhere' }, { 'Idempotency-Key': key }));
    expectProblem(elsewhere, 422, 'idempotency_key.reused');
  });

  it('concurrent duplicates run once: each answers the first answer or 409 idempotency_key.in_progress with Retry-After', async () => {
    const key = newKey();
    const before = await h.eventCount();
    const answers = await Promise.all(Array.from({ length: 8 }, () => h.post('/customers', customerBody('Concurrent Doe'), { 'Idempotency-Key': key })));
    const created = answers.filter((answer) => answer.status === 201);
    const busy = answers.filter((answer) => answer.status === 409);
    expect(created.length + busy.length).toBe(answers.length);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((answer) => answer.body.id)).size).toBe(1);
    for (const answer of busy) {
      expectProblem(answer, 409, 'idempotency_key.in_progress');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    const id = created[0].body.id;
    const oneCreate = await h.eventCount();
    // Exactly one customer's events were written: the same count as one create with a fresh key.
    const single = await h.post('/customers', customerBody('Concurrent Doe'), { 'Idempotency-Key': newKey() }).expect(201);
    expect((await h.eventCount()) - oneCreate).toBe(oneCreate - before);
    const retried = await h.post('/customers', customerBody('Concurrent Doe'), { 'Idempotency-Key': key }).expect(201);
    expect(retried.body.id).toBe(id);
    expect(single.body.id).not.toBe(id);
  });

  it("another admin's same key is independent", async () => {
    const key = newKey();
    const mine = await h.post('/customers', customerBody('Shared Key'), { 'Idempotency-Key': key }).expect(201);
    const password = 'correct-horse-battery';
    await h.post('/admins', { email: `second-${keyCounter}@isp.example`, name: 'Second', role: 'super-administrator', password }).expect(201);
    const login = await request(h.testApp.app.getHttpServer()).post(`${API}/auth/login`).send({ email: `second-${keyCounter}@isp.example`, password }).expect(200);
    const theirs = await request(h.testApp.app.getHttpServer())
      .post(`${API}/customers`)
      .set({ Authorization: `Bearer ${login.body.accessToken}`, 'Idempotency-Key': key })
      .send(customerBody('Shared Key'))
      .expect(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a refusal does not bind the key: the corrected request with the same key runs', async () => {
    const key = newKey();
    const refused = await h.post('/customers', { fullName: '', partnerId: reference.partnerId, locationId: reference.locationId }, { 'Idempotency-Key': key });
    expect(refused.status).toBe(422);
    const accepted = await h.post('/customers', customerBody('Corrected'), { 'Idempotency-Key': key });
    expect(accepted.status).toBe(201);
    expect(accepted.headers['idempotent-replayed']).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['not printable ASCII', 'clé'],
  ])('a key that is %s is 400 idempotency_key.malformed and writes nothing', async (_label, key) => {
    const countBefore = await h.eventCount();
    const response = await request(h.testApp.app.getHttpServer())
      .post(`${API}/customers`)
      .set({ ...h.headers, 'Idempotency-Key': Buffer.from(key, 'utf8').toString('latin1') })
      .send(customerBody('Malformed'));
    expectProblem(response, 400, 'idempotency_key.malformed');
    expect(await h.eventCount()).toBe(countBefore);
  });

  it('a key of 255 characters is accepted', async () => {
    await h.post('/customers', customerBody('Long Key'), { 'Idempotency-Key': 'k'.repeat(254) + String(keyCounter++ % 10) }).expect(201);
  });

  it('after 24 h the key is free again, and the clean-up deletes it', async () => {
    const key = newKey();
    const first = await h.post('/customers', customerBody('Old Key'), { 'Idempotency-Key': key }).expect(201);
    await sql`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = ${key}`.execute(database.db);
    const later = await h.post('/customers', customerBody('Old Key'), { 'Idempotency-Key': key }).expect(201);
    expect(later.body.id).not.toBe(first.body.id);
    await sql`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = ${key}`.execute(database.db);
    const store = h.testApp.app.get<IdempotencyStore>(IDEMPOTENCY_STORE);
    expect(await store.deleteExpired()).toBeGreaterThanOrEqual(1);
    const left = await sql<{ n: string }>`SELECT count(*) AS n FROM idempotency_keys WHERE key = ${key}`.execute(database.db);
    expect(Number(left.rows[0].n)).toBe(0);
  });

  it('a key whose holder died before writing anything is taken over by the retry, which runs; not while its lease holds', async () => {
    const key = newKey();
    // As a process killed before its command committed leaves it: pending, lease run out, no event under the key.
    const fingerprintRow = await h.post('/customers', customerBody('Dead Early'), { 'Idempotency-Key': `${key}-probe` }).expect(201);
    const probe = await sql<{ fingerprint: string; actor_id: string }>`SELECT fingerprint, actor_id FROM idempotency_keys WHERE key = ${`${key}-probe`}`.execute(database.db);
    await sql`INSERT INTO idempotency_keys (actor_id, key, fingerprint, state, claim, created_at, lease_until)
      VALUES (${probe.rows[0].actor_id}, ${key}, ${probe.rows[0].fingerprint}, 'pending', 'dead', now() - interval '40 seconds', now() - interval '1 second')`.execute(database.db);
    // While the lease holds, a retry is told to wait.
    await sql`UPDATE idempotency_keys SET lease_until = now() + interval '20 seconds' WHERE key = ${key}`.execute(database.db);
    const waiting = await h.post('/customers', customerBody('Dead Early'), { 'Idempotency-Key': key });
    expectProblem(waiting, 409, 'idempotency_key.in_progress');
    expect(Number(waiting.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await sql`UPDATE idempotency_keys SET lease_until = now() - interval '1 second' WHERE key = ${key}`.execute(database.db);
    const retried = await h.post('/customers', customerBody('Dead Early'), { 'Idempotency-Key': key }).expect(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(retried.body.id).not.toBe(fingerprintRow.body.id);
  });

  it('a key whose holder committed and died before recording its answer: the retry is 409 idempotency_key.committed and writes nothing', async () => {
    const key = newKey();
    const first = await h.post('/customers', customerBody('Dead Holder'), { 'Idempotency-Key': key }).expect(201);
    const events = await h.store.readStream(`customer-${first.body.id}`);
    expect(events[0].metadata.idempotencyKey).toBe(key);
    // A real retry comes after the dead holder's 30 s lease: by then the event is visible to subscribers.
    await h.get(`/customers/${first.body.id}?minPosition=${first.body.position}`).expect(200);
    // As a process killed between the commit and recording the answer leaves it: pending, lease run out.
    await sql`UPDATE idempotency_keys SET state = 'pending', status = NULL, body = NULL, lease_until = now() - interval '1 second' WHERE key = ${key}`.execute(database.db);
    const before = await h.eventCount();
    const retried = await h.post('/customers', customerBody('Dead Holder'), { 'Idempotency-Key': key });
    expectProblem(retried, 409, 'idempotency_key.committed');
    expect(retried.body.writes.map((write: { streamId: string }) => write.streamId)).toContain(`customer-${first.body.id}`);
    expect(retried.body.position).toBe(events[events.length - 1].position);
    // That answer now binds the key: a repeat gets it again, still writing nothing.
    const again = await h.post('/customers', customerBody('Dead Holder'), { 'Idempotency-Key': key });
    expectProblem(again, 409, 'idempotency_key.committed');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await h.eventCount()).toBe(before);
  });

  it('the reason counts: the same key with another reason is 422 idempotency_key.reused, the same reason replays', async () => {
    const customer = await createCustomer(h, reference);
    const key = newKey();
    const path = `/customers/${customer.id}/payments`;
    const payment = { amount: 3, method: 'bank_transfer', reference: 'TX-R' };
    const first = await h.post(path, { ...payment, reason: 'Paid at the desk' }, { 'Idempotency-Key': key }).expect(201);
    const other = await expectNothingWritten(h, `customer-${customer.id}`, () => h.post(path, { ...payment, reason: 'Another reason' }, { 'Idempotency-Key': key }));
    expectProblem(other, 422, 'idempotency_key.reused');
    const none = await expectNothingWritten(h, `customer-${customer.id}`, () => h.post(path, payment, { 'Idempotency-Key': key }));
    expectProblem(none, 422, 'idempotency_key.reused');
    const same = await expectNothingWritten(h, `customer-${customer.id}`, () => h.post(path, { ...payment, reason: 'Paid at the desk' }, { 'Idempotency-Key': key }));
    expect(same.status).toBe(201);
    expect(same.headers['idempotent-replayed']).toBe('true');
    expect(same.body).toEqual(first.body);
  });

  it('routes whose answer holds a secret accept the key and store nothing', async () => {
    const key = newKey();
    await h.post('/feed/tickets', {}, { 'Idempotency-Key': key }).expect(201);
    const second = await h.post('/feed/tickets', {}, { 'Idempotency-Key': key }).expect(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    const stored = await sql<{ n: string }>`SELECT count(*) AS n FROM idempotency_keys WHERE key = ${key}`.execute(database.db);
    expect(Number(stored.rows[0].n)).toBe(0);
  });

  it('PATCH and GET ignore the header', async () => {
    const customer = await createCustomer(h, reference);
    await h.get(`/customers/${customer.id}?minPosition=${customer.position}`).set('Idempotency-Key', 'x').expect(200);
  });
});
