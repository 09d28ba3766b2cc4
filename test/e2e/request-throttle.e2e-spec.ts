/**
 * Rate limits outside login (@nestjs/throttler with counters in the database): checks of one's own
 * password and secret reveals per admin account, time travel / exports / rebuilds per client address.
 * Over the limit: 429 `request.rate_limited` with Retry-After; a request under the limit is untouched.
 */
import request from 'supertest';
import { DatabaseThrottlerStorage } from '../../src/auth/request-throttle.js';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const LIMIT = 3;
const PASSWORD = 'throttle-password-1';

describe('request rate limits (database-backed, shared by every instance)', () => {
  let testApp: TestApp;
  let token: string;
  let customerId: number;
  const http = () => request(testApp.app.getHttpServer());

  async function admin(role: string): Promise<string> {
    const email = `${role}-${Math.random().toString(36).slice(2, 8)}@throttle.example`;
    await http().post('/api/v1/admins').set('Authorization', `Bearer ${token}`).send({ email, name: role, role, password: PASSWORD }).expect(201);
    return (await testApp.login(email, PASSWORD)).accessToken;
  }

  function expectLimited(response: request.Response): void {
    expect(response.status).toBe(429);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.rule).toBe('request.rate_limited');
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
  }

  beforeAll(async () => {
    testApp = await startTestApp({
      env: { RATE_LIMIT_CREDENTIALS_PER_MINUTE: String(LIMIT), RATE_LIMIT_EXPENSIVE_PER_MINUTE: String(LIMIT), TRUST_PROXY: 'true' },
    });
    token = await testApp.adminToken();
    const auth = { Authorization: `Bearer ${token}` };
    const partner = (await http().post('/api/v1/partners').set(auth).send({ name: 'Throttle ISP' }).expect(201)).body.id;
    const location = (await http().post('/api/v1/locations').set(auth).send({ name: 'Throttle Town' }).expect(201)).body.id;
    customerId = (await http().post('/api/v1/customers').set(auth).send({ fullName: 'Throttled', partnerId: partner, locationId: location }).expect(201)).body.id;
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('POST /auth/password is no unlimited oracle: per account, then 429 with Retry-After; another account is untouched', async () => {
    const guesser = await admin('manager');
    for (let k = 0; k < LIMIT; k++) {
      await http().post('/api/v1/auth/password').set('Authorization', `Bearer ${guesser}`).send({ currentPassword: `guess-${k}`, newPassword: 'a-new-password-1' }).expect(422);
    }
    expectLimited(await http().post('/api/v1/auth/password').set('Authorization', `Bearer ${guesser}`).send({ currentPassword: PASSWORD, newPassword: 'a-new-password-1' }));
    // The refused request changed nothing: the old password still logs in.
    const other = await admin('manager');
    await http().post('/api/v1/auth/password').set('Authorization', `Bearer ${other}`).send({ currentPassword: 'wrong', newPassword: 'a-new-password-1' }).expect(422);
  });

  it('re-authentication on PATCH /admins/{own id} and password reveals share the account’s credential limit; a PATCH without currentPassword is not counted', async () => {
    const self = await admin('super-administrator');
    const me = (await http().get('/api/v1/auth/me').set('Authorization', `Bearer ${self}`).expect(200)).body.id;
    for (let k = 0; k < LIMIT + 2; k++) await http().patch(`/api/v1/admins/${me}`).set('Authorization', `Bearer ${self}`).send({ name: `Renamed ${k}` }).expect(200);
    await http().patch(`/api/v1/admins/${me}`).set('Authorization', `Bearer ${self}`).send({ email: 'x@throttle.example', currentPassword: 'wrong' }).expect(403);
    await http().post(`/api/v1/customers/${customerId}/password/reveal`).set('Authorization', `Bearer ${self}`).send({ reason: 'support call' }).expect(200);
    await http().post(`/api/v1/customers/${customerId}/pin/reveal`).set('Authorization', `Bearer ${self}`).send({ reason: 'support call' }).expect(200);
    expectLimited(await http().post(`/api/v1/customers/${customerId}/password/reveal`).set('Authorization', `Bearer ${self}`).send({ reason: 'one more' }));
    expectLimited(await http().patch(`/api/v1/admins/${me}`).set('Authorization', `Bearer ${self}`).send({ email: 'x@throttle.example', currentPassword: PASSWORD }));
    await http().patch(`/api/v1/admins/${me}`).set('Authorization', `Bearer ${self}`).send({ name: 'Still renames' }).expect(200);
  });

  it('time travel per client address: parallel requests beyond the limit are refused (the count is atomic); another address is untouched', async () => {
    const path = `/api/v1/customers/${customerId}/state?revision=0`;
    const answers = await Promise.all(Array.from({ length: LIMIT + 5 }, () => http().get(path).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', '198.51.100.7')));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(LIMIT);
    answers.filter((answer) => answer.status !== 200).forEach(expectLimited);
    expectLimited(await http().get(`/api/v1/customers/${customerId}/audit/export`).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', '198.51.100.7'));
    await http().get(path).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', '198.51.100.8').expect(200);
    // Routes without a limit are not counted.
    for (let k = 0; k < LIMIT + 2; k++) await http().get(`/api/v1/customers/${customerId}`).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', '198.51.100.7').expect(200);
  });

  it('the counters live in the database: a second storage (as another instance) counts into the same window', async () => {
    const database = testApp.app.get<Database>(DATABASE);
    const one = new DatabaseThrottlerStorage(database);
    const two = new DatabaseThrottlerStorage(database);
    const key = `spec:${Date.now()}`;
    expect(await one.increment(key, 60_000, 2, 60_000)).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await two.increment(key, 60_000, 2, 60_000)).toMatchObject({ totalHits: 2, isBlocked: false });
    const third = await one.increment(key, 60_000, 2, 60_000);
    expect(third).toMatchObject({ totalHits: 3, isBlocked: true });
    expect(third.timeToBlockExpire).toBeGreaterThanOrEqual(1);
    expect(third.timeToBlockExpire).toBeLessThanOrEqual(60);
    expect((await two.increment(key, 60_000, 2, 60_000)).isBlocked).toBe(true);
  });
});
