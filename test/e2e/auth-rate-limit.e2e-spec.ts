import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Small limits, and X-Forwarded-For trusted so each test can come from its own address. */
describe('login rate limits (per account and per address)', () => {
  let testApp: TestApp;
  const attempt = (address: string, email: string, password: string) =>
    request(testApp.app.getHttpServer()).post('/api/v1/auth/login').set('X-Forwarded-For', address).send({ email, password });

  beforeAll(async () => {
    testApp = await startTestApp({ env: { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '5', LOGIN_FAILURE_WINDOW_SECONDS: '600' } });
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('a success clears the account’s failures', async () => {
    const { adminEmail, adminPassword } = testApp.config;
    await attempt('10.0.0.1', adminEmail, 'wrong-password').expect(401);
    await attempt('10.0.0.1', adminEmail, 'wrong-password').expect(401);
    await attempt('10.0.0.1', adminEmail, adminPassword).expect(200);
    await attempt('10.0.0.2', adminEmail, 'wrong-password').expect(401);
    await attempt('10.0.0.2', adminEmail, 'wrong-password').expect(401);
    await attempt('10.0.0.2', adminEmail, adminPassword).expect(200);
  });

  it('too many failures from one address: 429 for every account from there, with Retry-After', async () => {
    for (let index = 0; index < 5; index++) await attempt('10.0.1.1', `nobody${index}@isp.example`, 'wrong-password').expect(401);
    const refused = await attempt('10.0.1.1', testApp.config.adminEmail, testApp.config.adminPassword).expect(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, type: 'https://chronicle.dev/problems/auth.too_many_login_attempts' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(500);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(600);
    await attempt('10.0.1.2', testApp.config.adminEmail, testApp.config.adminPassword).expect(200);
  });

  it('too many failures for one account, from any addresses: 429 for that account even with the right password', async () => {
    const { adminEmail, adminPassword } = testApp.config;
    await attempt('10.0.2.1', adminEmail, 'wrong-password').expect(401);
    await attempt('10.0.2.2', adminEmail.toUpperCase(), 'wrong-password').expect(401);
    await attempt('10.0.2.3', adminEmail, 'wrong-password').expect(401);
    const refused = await attempt('10.0.2.4', adminEmail, adminPassword).expect(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(JSON.stringify(refused.body)).not.toContain(adminPassword);
    // Other accounts from a fresh address are not affected.
    await attempt('10.0.2.4', 'someone-else@isp.example', 'wrong-password').expect(401);
  });

  it('unknown accounts are limited too (no way to tell them apart)', async () => {
    for (let index = 0; index < 3; index++) await attempt(`10.0.3.${index}`, 'ghost@isp.example', 'wrong-password').expect(401);
    await attempt('10.0.3.9', 'ghost@isp.example', 'wrong-password').expect(429);
  });
});
