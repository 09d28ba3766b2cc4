import request from 'supertest';
import { AuthService } from '../../src/auth/auth.service.js';
import { AdminDirectory } from '../../src/admins/application/admin-directory.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('auth: login, tokens, sessions', () => {
  let testApp: TestApp;
  const http = () => request(testApp.app.getHttpServer());
  const me = (token: string) => http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp?.close();
  });

  describe('the first super-administrator', () => {
    it('is created from ADMIN_EMAIL / ADMIN_PASSWORD on an empty system, with only an argon2id hash (OWASP parameters) in its event', async () => {
      const store = testApp.app.get<EventStore>(EVENT_STORE);
      const admins = testApp.app.get(AdminDirectory).list();
      expect(admins).toHaveLength(1);
      const events = await store.readStream(`admin-${admins[0].state.id}`);
      expect(events.map((event) => event.type)).toEqual(['AdminCreated']);
      const data = events[0].data as Record<string, unknown>;
      expect(data).toMatchObject({ email: testApp.config.adminEmail, role: 'super-administrator', partnerIds: [] });
      expect(data.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(JSON.stringify(events)).not.toContain(testApp.config.adminPassword);
      expect(events[0].metadata.actor).toMatchObject({ id: 'system' });
    });

    it('is not created again (bootstrap is idempotent)', async () => {
      const auth = testApp.app.get(AuthService);
      expect(auth).toBeDefined();
      const { FirstAdmin } = await import('../../src/admins/application/first-admin.js');
      await expect(testApp.app.get(FirstAdmin).bootstrap(testApp.config)).resolves.toBe('exists');
      expect(testApp.app.get(AdminDirectory).size).toBe(1);
    });
  });

  describe('POST /auth/login', () => {
    it('answers an access token (JWT, 15 min), a refresh token and the lifetime', async () => {
      const response = await http().post('/api/v1/auth/login').send({ email: testApp.config.adminEmail, password: testApp.config.adminPassword }).expect(200);
      expect(response.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      expect(response.body.accessToken.split('.')).toHaveLength(3);
      expect(response.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(response.headers['cache-control']).toBe('no-store');
      const payload = JSON.parse(Buffer.from(response.body.accessToken.split('.')[1], 'base64url').toString());
      expect(payload.exp - payload.iat).toBe(900);
      expect(payload).toMatchObject({ typ: 'access', iss: 'chronicle', aud: 'chronicle-admin' });
      expect(JSON.stringify(payload)).not.toMatch(/password|permissions/);
    });

    it('accepts the email in any case and with spaces', async () => {
      await http().post('/api/v1/auth/login').send({ email: `  ${testApp.config.adminEmail.toUpperCase()} `, password: testApp.config.adminPassword }).expect(200);
    });

    it('refuses a wrong password and an unknown email alike: 401 problem, no hint which', async () => {
      const wrong = await http().post('/api/v1/auth/login').send({ email: testApp.config.adminEmail, password: 'not-the-password' }).expect(401);
      const unknown = await http().post('/api/v1/auth/login').send({ email: 'nobody@chronicle.local', password: 'not-the-password' }).expect(401);
      expect(wrong.headers['content-type']).toContain('application/problem+json');
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body).toMatchObject({ status: 401, title: 'Unauthorized', detail: 'Invalid email or password', rule: 'auth.invalid_credentials' });
      expect(JSON.stringify(wrong.body)).not.toContain('not-the-password');
    });

    it('answers 422 for a malformed body and 415 for a non-JSON one', async () => {
      const invalid = await http().post('/api/v1/auth/login').send({ email: 'x' }).expect(422);
      expect(invalid.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'password' })]));
      expect(invalid.body.rule).toBe('request.validation_failed');
      const broken = await http().post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"email":').expect(400);
      expect(broken.body).toMatchObject({ status: 400, rule: 'request.malformed_json', type: 'https://chronicle.dev/problems/request.malformed_json' });
      const nowhere = await http().get('/api/v1/no-such-route').expect(404);
      expect(nowhere.body).toMatchObject({ status: 404, rule: 'request.route_not_found' });
      const form = await http().post('/api/v1/auth/login').type('form').send({ email: testApp.config.adminEmail, password: testApp.config.adminPassword }).expect(415);
      expect(form.headers['content-type']).toContain('application/problem+json');
      expect(form.body).toMatchObject({ status: 415, title: 'Unsupported Media Type', rule: 'request.unsupported_media_type' });
      await http().post('/api/v1/auth/login').set('Content-Type', 'text/plain').send('hello').expect(415);
    });
  });

  describe('GET /auth/me', () => {
    it('startTestApp() comes with the super-administrator’s token and an agent that sends it', async () => {
      const response = await testApp.agent.get('/api/v1/auth/me').expect(200);
      expect(response.body.email).toBe(testApp.config.adminEmail);
      await me(testApp.token).expect(200);
      expect(await testApp.adminToken()).toBe(testApp.token);
    });

    it('answers the actor behind the token', async () => {
      const response = await me(await testApp.adminToken()).expect(200);
      expect(response.body).toMatchObject({ email: testApp.config.adminEmail, role: 'super-administrator', partnerIds: [] });
      expect(response.body.permissions).toEqual(expect.arrayContaining(['customers.read', 'admins', 'feed.read', 'audit.read']));
      expect(response.body).not.toHaveProperty('passwordHash');
    });

    it('answers 401 problem without a token, with a malformed or forged one, and with a refresh token', async () => {
      const none = await http().get('/api/v1/auth/me').expect(401);
      expect(none.headers['content-type']).toContain('application/problem+json');
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      await me('not-a-jwt').expect(401);
      const tokens = await testApp.login();
      const [header, payload] = tokens.accessToken.split('.');
      await me(`${header}.${payload}.${'A'.repeat(43)}`).expect(401);
      await me(tokens.refreshToken).expect(401);
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
      await me(unsigned).expect(401);
    });

    it('answers 401 (token-expired) for an expired access token', async () => {
      const tokens = await testApp.login();
      const actor = (await me(tokens.accessToken).expect(200)).body;
      const sessionId = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1], 'base64url').toString()).sid;
      const expired = testApp.app.get(AuthService).signAccessToken(actor.id, sessionId, { expiresAt: new Date(Date.now() - 60_000) });
      const response = await me(expired).expect(401);
      expect(response.body).toMatchObject({ status: 401, type: 'https://chronicle.dev/problems/auth.token_expired' });
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: the new refresh token works once, the old one is spent', async () => {
      const first = await testApp.login();
      const second = (await http().post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200)).body;
      expect(second.refreshToken).not.toBe(first.refreshToken);
      await me(second.accessToken).expect(200);
      const third = (await http().post('/api/v1/auth/refresh').send({ refreshToken: second.refreshToken }).expect(200)).body;
      await me(third.accessToken).expect(200);
    });

    it('treats reuse of a spent refresh token as theft: 401 and the whole session ends', async () => {
      const first = await testApp.login();
      const second = (await http().post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200)).body;
      const replay = await http().post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(401);
      expect(replay.body.type).toBe('https://chronicle.dev/problems/auth.invalid_refresh_token');
      await http().post('/api/v1/auth/refresh').send({ refreshToken: second.refreshToken }).expect(401);
      await me(second.accessToken).expect(401);
      await me(first.accessToken).expect(401);
    });

    it('refuses an unknown refresh token', async () => {
      await http().post('/api/v1/auth/refresh').send({ refreshToken: 'x'.repeat(43) }).expect(401);
      await http().post('/api/v1/auth/refresh').send({}).expect(422);
    });
  });

  describe('POST /auth/logout', () => {
    it('revokes the session: its access token and refresh token stop working, other sessions do not', async () => {
      const other = await testApp.login();
      const tokens = await testApp.login();
      await me(tokens.accessToken).expect(200);
      await http().post('/api/v1/auth/logout').set('Authorization', `Bearer ${tokens.accessToken}`).expect(204);
      const after = await me(tokens.accessToken).expect(401);
      expect(after.body.type).toBe('https://chronicle.dev/problems/auth.session_revoked');
      await http().post('/api/v1/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(401);
      await me(other.accessToken).expect(200);
    });

    it('accepts the refresh token instead (when the access token has expired)', async () => {
      const tokens = await testApp.login();
      await http().post('/api/v1/auth/logout').send({ refreshToken: tokens.refreshToken }).expect(204);
      await me(tokens.accessToken).expect(401);
    });

    it('answers 401 with neither', async () => {
      await http().post('/api/v1/auth/logout').expect(401);
      await http().post('/api/v1/auth/logout').send({ refreshToken: 'nope' }).expect(401);
    });
  });

  describe('POST /auth/password', () => {
    it('changes your own password after checking the current one; other sessions end, this one stays', async () => {
      const password = testApp.config.adminPassword;
      const other = await testApp.login();
      const tokens = await testApp.login();
      const wrong = await http()
        .post('/api/v1/auth/password')
        .set('Authorization', `Bearer ${tokens.accessToken}`)
        .send({ currentPassword: 'wrong-password', newPassword: 'short' })
        .expect(422);
      expect(wrong.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['currentPassword', 'newPassword']);
      expect(JSON.stringify(wrong.body)).not.toMatch(/wrong-password|short"/);
      await http()
        .post('/api/v1/auth/password')
        .set('Authorization', `Bearer ${tokens.accessToken}`)
        .send({ currentPassword: password, newPassword: 'a-brand-new-passphrase' })
        .expect(204);
      await me(tokens.accessToken).expect(200);
      await me(other.accessToken).expect(401);
      await http().post('/api/v1/auth/login').send({ email: testApp.config.adminEmail, password }).expect(401);
      const again = await testApp.login(testApp.config.adminEmail, 'a-brand-new-passphrase');
      await http()
        .post('/api/v1/auth/password')
        .set('Authorization', `Bearer ${again.accessToken}`)
        .send({ currentPassword: 'a-brand-new-passphrase', newPassword: password })
        .expect(204);
    });
  });
});
