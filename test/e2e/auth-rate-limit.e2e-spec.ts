import { sql } from 'kysely';
import request from 'supertest';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Login limiting (SECURITY.md "Login limiting"): small limits, and X-Forwarded-For trusted so each
 * test comes from its own addresses. Each test uses its own admin, so the counters do not mix.
 */
describe('login limiting: atomic reservation, per account and address pair, progressive delay', () => {
  let testApp: TestApp;
  const PASSWORD = 'correct-horse-battery';
  const attempt = (address: string, email: string, password: string) =>
    request(testApp.app.getHttpServer()).post('/api/v1/auth/login').set('X-Forwarded-For', address).send({ email, password });
  const createAdmin = async (email: string, role = 'engineer') => {
    await testApp.agent.post('/api/v1/admins').send({ email, name: 'Someone', role, password: PASSWORD }).expect(201);
    return email;
  };
  const statuses = (responses: Array<{ status: number }>) =>
    responses.reduce<Record<number, number>>((counts, response) => ({ ...counts, [response.status]: (counts[response.status] ?? 0) + 1 }), {});

  beforeAll(async () => {
    testApp = await startTestApp({
      env: {
        TRUST_PROXY: 'true',
        LOGIN_FREE_FAILURES_PER_PAIR: '3',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '6',
        LOGIN_MAX_FAILURES_PER_ADDRESS: '8',
        LOGIN_FAILURE_WINDOW_SECONDS: '600',
        // Long enough that no test's burst outlasts it (the first wait after the free failures).
        LOGIN_FIRST_DELAY_SECONDS: '30',
      },
    });
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('a burst of parallel guesses passes only as many attempts as the limit allows (reserved before hashing)', async () => {
    const email = await createAdmin('burst@isp.example');
    const burst = await Promise.all(Array.from({ length: 30 }, () => attempt('10.0.0.1', email, 'wrong-password')));
    expect(statuses(burst)).toEqual({ 401: 3, 429: 27 });
    for (const refused of burst.filter((response) => response.status === 429)) expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    await attempt('10.0.0.1', email, PASSWORD).expect(429);
  });

  it('a right password inside a burst does not clear the count for the guesses around it', async () => {
    const email = await createAdmin('burst-right@isp.example');
    const burst = await Promise.all([
      ...Array.from({ length: 15 }, () => attempt('10.0.0.2', email, 'wrong-password')),
      attempt('10.0.0.2', email, PASSWORD),
      ...Array.from({ length: 15 }, () => attempt('10.0.0.2', email, 'wrong-password')),
    ]);
    const counts = statuses(burst);
    // The right one either came in time (200; it gives its attempt back only if nobody reserved after it) or waits (429).
    expect(counts[401]).toBeLessThanOrEqual(3);
    expect((counts[401] ?? 0) + (counts[200] ?? 0)).toBeLessThanOrEqual(4);
    expect(counts[429]).toBeGreaterThanOrEqual(27);
  });

  it('guesses from one address do not lock the owner out at another address (no denial of service)', async () => {
    const email = await createAdmin('target@isp.example');
    for (let index = 0; index < 3; index++) await attempt('10.0.1.1', email, 'wrong-password').expect(401);
    const refused = await attempt('10.0.1.1', email, PASSWORD).expect(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, rule: 'auth.too_many_login_attempts' });
    expect(JSON.stringify(refused.body)).not.toContain(PASSWORD);
    await attempt('10.0.1.2', email, PASSWORD).expect(200);
    // The super-administrator too: the guesser's pair is slowed, the owner's is not.
    const { adminEmail, adminPassword } = testApp.config;
    for (let index = 0; index < 3; index++) await attempt('10.0.1.3', adminEmail, 'wrong-password').expect(401);
    await attempt('10.0.1.3', adminEmail, 'wrong-password').expect(429);
    await attempt('10.0.1.4', adminEmail, adminPassword).expect(200);
  });

  it('the delay doubles with each further failure (30 s, then 60 s): brute force stays slow', async () => {
    const email = await createAdmin('slow@isp.example');
    for (let index = 0; index < 3; index++) await attempt('10.0.2.1', email, 'wrong-password').expect(401);
    expect((await attempt('10.0.2.1', email, 'wrong-password').expect(429)).headers['retry-after']).toBe('30');
    // 31 s later (the pair's last failure moved back in the database instead of waiting):
    const { db } = testApp.app.get<Database>(DATABASE);
    await sql`update auth_login_throttle set last_failure_at = last_failure_at - interval '31 seconds' where key like ${'pair:10.0.2.1 %'}`.execute(db);
    await attempt('10.0.2.1', email, 'wrong-password').expect(401);
    expect((await attempt('10.0.2.1', email, 'wrong-password').expect(429)).headers['retry-after']).toBe('60');
  });

  it('many addresses guessing one account are slowed, while an address the owner logged in from still gets in', async () => {
    const email = await createAdmin('botnet@isp.example');
    await attempt('10.0.3.100', email, PASSWORD).expect(200); // the owner's usual address
    for (let index = 0; index < 6; index++) await attempt(`10.0.3.${index}`, email, 'wrong-password').expect(401);
    await attempt('10.0.3.50', email, PASSWORD).expect(429); // a new address: the account's delay applies
    await attempt('10.0.3.100', email, PASSWORD).expect(200);
  });

  it('one address spraying many accounts is slowed for every account from there', async () => {
    for (let index = 0; index < 8; index++) await attempt('10.0.4.1', `nobody${index}@isp.example`, 'wrong-password').expect(401);
    await attempt('10.0.4.1', testApp.config.adminEmail, testApp.config.adminPassword).expect(429);
    await attempt('10.0.4.2', testApp.config.adminEmail, testApp.config.adminPassword).expect(200);
  });

  it('unknown accounts are limited alike (no way to tell them apart)', async () => {
    for (let index = 0; index < 3; index++) await attempt('10.0.5.1', 'ghost@isp.example', 'wrong-password').expect(401);
    await attempt('10.0.5.1', 'ghost@isp.example', 'wrong-password').expect(429);
  });

  it('checks of the current password (POST /auth/password, PATCH /admins/{own id}) count like logins: no unlimited oracle', async () => {
    const email = await createAdmin('oracle@isp.example', 'super-administrator');
    const token = (await attempt('10.0.6.1', email, PASSWORD).expect(200)).body.accessToken as string;
    const change = (currentPassword: string) =>
      request(testApp.app.getHttpServer())
        .post('/api/v1/auth/password')
        .set('X-Forwarded-For', '10.0.6.1')
        .set('Authorization', `Bearer ${token}`)
        .send({ currentPassword, newPassword: 'another-long-password' });
    for (let index = 0; index < 3; index++) await change(`guess-${index}`).expect(422);
    const refused = await change(PASSWORD).expect(429);
    expect(refused.body).toMatchObject({ rule: 'auth.too_many_login_attempts' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const me = (await request(testApp.app.getHttpServer()).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(200)).body;
    await request(testApp.app.getHttpServer())
      .patch(`/api/v1/admins/${me.id}`)
      .set('X-Forwarded-For', '10.0.6.1')
      .set('Authorization', `Bearer ${token}`)
      .send({ password: 'another-long-password', currentPassword: PASSWORD })
      .expect(429);
  });
});
