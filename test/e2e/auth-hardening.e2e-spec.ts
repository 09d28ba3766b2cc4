/**
 * Smaller holes closed: /metrics is not for everyone, an access token without `exp` is refused, a
 * `?minPosition=` that is no position is refused at once (400 naming the field) instead of waiting.
 */
import { JwtService } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import request from 'supertest';
import { AuthService } from '../../src/auth/auth.service.js';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../src/auth/token.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const METRICS_TOKEN = 'a-metrics-scrape-token-for-the-spec';

describe('hardening: metrics, tokens without exp, malformed positions', () => {
  let testApp: TestApp;
  let closed: TestApp;
  const http = () => request(testApp.app.getHttpServer());

  beforeAll(async () => {
    // A long read-your-writes wait: a malformed position that were waited for would show as a timeout.
    testApp = await startTestApp({ env: { METRICS_TOKEN, READ_YOUR_WRITES_TIMEOUT_MS: '60000' } });
    closed = await startTestApp({ env: { METRICS_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await testApp?.close();
    await closed?.close();
  });

  it('GET /metrics with METRICS_TOKEN: 401 problem without it or with another bearer (an admin token included), 200 with it', async () => {
    const none = await http().get('/metrics').expect(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.body.rule).toBe('metrics.token_required');
    expect((await http().get('/metrics').set('Authorization', `Bearer ${await testApp.adminToken()}`).expect(401)).body.rule).toBe('metrics.token_required');
    expect((await http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401)).body.rule).toBe('metrics.token_required');
    const scraped = await http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(scraped.text).toContain('process_cpu_seconds_total');
  });

  it('GET /metrics with METRICS_ENABLED=false and no token: 404 metrics.disabled', async () => {
    const answer = await request(closed.app.getHttpServer()).get('/metrics').expect(404);
    expect(answer.body.rule).toBe('metrics.disabled');
  });

  it('an access token without exp (signed with the right secret) is refused as invalid', async () => {
    const auth = testApp.app.get(AuthService);
    const session = (await testApp.login()).accessToken;
    const claims = JSON.parse(Buffer.from(session.split('.')[1], 'base64url').toString()) as { sub: string; sid: string };
    // A well-formed token of a live session: only `exp` is missing.
    const jwt = new JwtService({ secret: createSecretKey(Buffer.from(testApp.config.jwtSecret, 'utf8')), signOptions: { algorithm: 'HS256', issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE } });
    const eternal = jwt.sign({ sub: claims.sub, sid: claims.sid, typ: 'access' });
    expect(JSON.parse(Buffer.from(eternal.split('.')[1], 'base64url').toString()).exp).toBeUndefined();
    const refused = await http().get('/api/v1/auth/me').set('Authorization', `Bearer ${eternal}`).expect(401);
    expect(refused.body.rule).toBe('auth.invalid_token');
    // The same session with a normal token still works.
    await http().get('/api/v1/auth/me').set('Authorization', `Bearer ${auth.signAccessToken(claims.sub, claims.sid)}`).expect(200);
  });

  it.each(['abc', '1', '00000000000000000001:abc', 'x'.repeat(30), '00000000000000000001:0000000000000000001:1'])(
    '?minPosition=%s → 400 read_your_writes.invalid_position naming the field, at once',
    async (value) => {
      const token = await testApp.adminToken();
      for (const path of ['/api/v1/customers', '/api/v1/customers/stats', '/api/v1/locations', '/api/v1/settings/customers']) {
        const answer = await http().get(`${path}?minPosition=${encodeURIComponent(value)}`).set('Authorization', `Bearer ${token}`);
        expect(answer.status).toBe(400);
        expect(answer.body.rule).toBe('read_your_writes.invalid_position');
        expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'minPosition', rule: 'position' })]);
      }
    },
  );

  it('a position a write answered is accepted as minPosition', async () => {
    const token = await testApp.adminToken();
    const written = await http().post('/api/v1/locations').set('Authorization', `Bearer ${token}`).send({ name: 'Position Town' }).expect(201);
    await http().get(`/api/v1/locations?minPosition=${encodeURIComponent(written.body.position)}`).set('Authorization', `Bearer ${token}`).expect(200);
  });
});
