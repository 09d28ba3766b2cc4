/**
 * The window of Idempotency-Key between the event store's commit and recording the answer, closed:
 * an app instance (a child process) is killed with SIGKILL right after its create customer
 * committed, before the answer was stored; the client retries the same request with the same key
 * against another instance once the dead holder's lease is over. The retry finds the events written
 * under the key and answers 409 idempotency_key.committed naming them; no second customer.
 */
import { sql } from 'kysely';
import request from 'supertest';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { startTs, waitFor, type RunningProcess } from '../support/processes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createFreshPostgresDatabase, postgresUrl } from '../support/test-databases.js';

const API = '/api/v1';
const onPostgres = postgresUrl ? describe : describe.skip;
/** Both instances sign and encrypt alike (as instances of one deployment do). */
const SHARED = { JWT_SECRET: 'idempotency-crash-e2e-jwt-secret-0123456789abcdef', ENCRYPTION_KEY: '1'.repeat(64) };

onPostgres('Idempotency-Key: a process killed between the commit and recording the answer (PostgreSQL, child process)', () => {
  let fresh: Awaited<ReturnType<typeof createFreshPostgresDatabase>>;
  let survivor: TestApp;
  let child: RunningProcess | undefined;

  beforeAll(async () => {
    fresh = await createFreshPostgresDatabase();
    survivor = await startTestApp({ databaseUrl: fresh.url, env: SHARED });
  }, 120_000);
  afterAll(async () => {
    child?.child.kill('SIGKILL');
    await survivor?.close();
    await fresh?.drop();
  }, 120_000);

  it('the retry after the lease writes nothing and answers where the first attempt committed', async () => {
    const database = survivor.app.get<Database>(DATABASE);
    const auth = { Authorization: `Bearer ${survivor.token}` };
    const post = (path: string, body: object, headers: Record<string, string> = {}) =>
      request(survivor.app.getHttpServer()).post(API + path).set({ ...auth, ...headers }).send(body);
    const partner = await post('/partners', { name: 'Crash Partner' }).expect(201);
    const location = await post('/locations', { name: 'Crash Location' }).expect(201);
    const body = { fullName: 'Killed Doe', partnerId: partner.body.id, locationId: location.body.id };
    const countCustomerEvents = async () =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM es_events WHERE stream_id LIKE 'customer-%'`.execute(database.db)).rows[0].n);
    const key = `crash-${Date.now().toString(36)}`;

    child = startTs('test/e2e/idempotency-crash-child/child.ts', [], { CRASH_DATABASE_URL: fresh.url, ...SHARED });
    const url = await waitFor('the child app', () => /READY (\S+)/.exec(child!.stdout())?.[1] ?? (child!.child.exitCode !== null ? Promise.reject(new Error(child!.stderr())) : undefined), 100_000);

    // The first attempt, on the child: it commits, then the child dies before the answer is stored.
    const firstAttempt = await fetch(`${url}${API}/customers`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(body),
    }).then(
      (response) => `answered ${response.status}`,
      (error: Error) => `no answer (${error.message})`,
    );
    expect(firstAttempt).toMatch(/^no answer/);
    expect(await child.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(child.stdout()).toContain('COMMITTED');
    child = undefined;
    const written = await countCustomerEvents();
    expect(written).toBeGreaterThan(0);
    const pending = await sql<{ state: string }>`SELECT state FROM idempotency_keys WHERE key = ${key}`.execute(database.db);
    expect(pending.rows.map((row) => row.state)).toEqual(['pending']);

    // Within the dead holder's lease the retry is told to wait.
    const early = await post('/customers', body, { 'Idempotency-Key': key });
    expect(early.status).toBe(409);
    expect(early.body.rule).toBe('idempotency_key.in_progress');

    // The lease runs out (30 s without a heartbeat; moved on here rather than waited for).
    await sql`UPDATE idempotency_keys SET lease_until = now() - interval '1 second' WHERE key = ${key}`.execute(database.db);
    const retried = await post('/customers', body, { 'Idempotency-Key': key });
    expect(retried.status).toBe(409);
    expect(retried.body.rule).toBe('idempotency_key.committed');
    const streams = retried.body.writes.map((write: { streamId: string }) => write.streamId);
    expect(new Set(streams).size).toBe(1);
    expect(streams[0]).toMatch(/^customer-/);
    expect(await countCustomerEvents()).toBe(written);

    // The customer the first attempt created is there, once, readable at the position the 409 gives.
    const customerId = streams[0].slice('customer-'.length);
    const read = await request(survivor.app.getHttpServer()).get(`${API}/customers/${customerId}?minPosition=${encodeURIComponent(retried.body.position)}`).set(auth).expect(200);
    expect(read.body.fullName).toBe('Killed Doe');
    const list = await request(survivor.app.getHttpServer()).get(`${API}/customers?q=Killed&minPosition=${encodeURIComponent(retried.body.position)}`).set(auth).expect(200);
    expect(list.body.items).toHaveLength(1);

    // Every later retry gets the same answer and writes nothing.
    const again = await post('/customers', body, { 'Idempotency-Key': key });
    expect(again.status).toBe(409);
    expect(again.body.writes).toEqual(retried.body.writes);
    expect(await countCustomerEvents()).toBe(written);
  }, 120_000);
});
