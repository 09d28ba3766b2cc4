import request from 'supertest';
import { AdminDirectory } from '../../src/admins/application/admin-directory.js';
import { AuthService } from '../../src/auth/auth.service.js';
import { runCommand } from '../../src/event-sourcing/command-runner.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { PARTNERS_STREAM, partnersDecider } from '../../src/reference-data/domain/partners.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct-horse-battery';
const sessionOf = (accessToken: string): string => JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid;

describe('admins and roles (permission "admins")', () => {
  let testApp: TestApp;
  let token: string;
  const http = () => request(testApp.app.getHttpServer());
  const as = (bearer: string) => ({
    get: (path: string) => http().get(`/api/v1${path}`).set('Authorization', `Bearer ${bearer}`),
    post: (path: string, body?: object) => {
      const call = http().post(`/api/v1${path}`).set('Authorization', `Bearer ${bearer}`);
      return body ? call.send(body) : call;
    },
    patch: (path: string, body: object) => http().patch(`/api/v1${path}`).set('Authorization', `Bearer ${bearer}`).send(body),
    delete: (path: string) => http().delete(`/api/v1${path}`).set('Authorization', `Bearer ${bearer}`),
  });
  const createAdmin = async (body: Record<string, unknown>, by = token) => (await as(by).post('/admins', { password: PASSWORD, name: 'Someone', ...body }).expect(201)).body;

  beforeAll(async () => {
    testApp = await startTestApp();
    token = await testApp.adminToken();
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    for (const name of ['Partner A', 'Partner B']) {
      await runCommand(store, PARTNERS_STREAM, partnersDecider, { type: 'CreatePartner', data: { name } }, { context: () => ({ now: new Date().toISOString() }), metadata: {} });
    }
  });
  afterAll(async () => {
    await testApp?.close();
  });

  describe('doors', () => {
    it('401 without a token or with an expired one, 403 without the permission', async () => {
      await http().get('/api/v1/admins').expect(401);
      await http().get('/api/v1/roles').expect(401);
      await http().post('/api/v1/admins').send({}).expect(401);
      const manager = await createAdmin({ email: 'manager@isp.example', role: 'manager' });
      const tokens = await testApp.login('manager@isp.example', PASSWORD);
      const expired = testApp.app.get(AuthService).signAccessToken(manager.id, sessionOf(tokens.accessToken), { expiresAt: new Date(Date.now() - 1000) });
      await as(expired).get('/admins').expect(401);
      const forbidden = await as(tokens.accessToken).get('/admins').expect(403);
      expect(forbidden.headers['content-type']).toContain('application/problem+json');
      expect(forbidden.body).toMatchObject({ status: 403, title: 'Forbidden', requiredPermissions: ['admins'] });
      await as(tokens.accessToken).get('/roles').expect(403);
      await as(tokens.accessToken).post('/admins', { email: 'x@isp.example' }).expect(403);
      await as(tokens.accessToken).post(`/admins/${manager.id}/deactivate`).expect(403);
    });
  });

  describe('admin CRUD', () => {
    it('creates an admin who can then log in; never answers the password or its hash', async () => {
      const response = await as(token).post('/admins', { email: 'Agent@ISP.example', name: 'Agent', role: 'engineer', password: PASSWORD }).expect(201);
      expect(response.body).toMatchObject({ email: 'agent@isp.example', name: 'Agent', role: 'engineer', partnerIds: [], active: true, revision: 0 });
      expect(response.body.position).toEqual(expect.any(String));
      expect(response.headers.location).toBe(`/api/v1/admins/${response.body.id}`);
      expect(response.headers.etag).toBe('"0"');
      expect(response.body).not.toHaveProperty('passwordHash');
      expect(JSON.stringify(response.body)).not.toMatch(/\$2[aby]\$/);
      expect(JSON.stringify(response.body)).not.toContain(PASSWORD);
      const tokens = await testApp.login('agent@isp.example', PASSWORD);
      const me = await as(tokens.accessToken).get('/auth/me').expect(200);
      expect(me.body).toMatchObject({ id: response.body.id, role: 'engineer', permissions: ['customers.read', 'customers.edit', 'notes', 'cap'] });
      const event = (await testApp.app.get<EventStore>(EVENT_STORE).readStream(`admin-${response.body.id}`))[0];
      expect(event.metadata.actor).toMatchObject({ role: 'super-administrator' });
      expect(JSON.stringify(event)).not.toContain(PASSWORD);
    });

    it('keeps emails unique, whatever their case', async () => {
      const response = await as(token).post('/admins', { email: 'AGENT@isp.example', name: 'Twin', role: 'engineer', password: PASSWORD }).expect(409);
      expect(response.body.type).toBe('https://chronicle.dev/problems/admin.email_taken');
    });

    it('answers 422 with every field error, the password policy included, without echoing values', async () => {
      const response = await as(token).post('/admins', { email: 'not-an-email', name: '', role: 'manager', password: 'short-pw' }).expect(422);
      expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['email', 'name', 'password']);
      expect(JSON.stringify(response.body)).not.toContain('short-pw');
      await as(token).post('/admins', { email: 'a@isp.example', name: 'A', role: 'manager', password: PASSWORD, isRoot: true }).expect(422);
      await as(token).post('/admins', { email: 'a@isp.example', name: 'A', role: 'wizard', password: PASSWORD }).expect(409);
      await as(token).post('/admins', { email: 'a@isp.example', name: 'A', role: 'manager', partnerIds: [99], password: PASSWORD }).expect(409);
    });

    it('lists by email with keyset pagination and filters; reads one with its ETag; 404 for unknown ids', async () => {
      const all = (await as(token).get('/admins?limit=200').expect(200)).body;
      const emails = all.items.map((admin: { email: string }) => admin.email);
      expect(emails).toEqual([...emails].sort());
      expect(all.total).toBe(all.items.length);
      const first = (await as(token).get('/admins?limit=1').expect(200)).body;
      expect(first.items).toHaveLength(1);
      const second = (await as(token).get(`/admins?limit=1&cursor=${first.nextCursor}`).expect(200)).body;
      expect(second.items[0].email > first.items[0].email).toBe(true);
      const engineers = (await as(token).get('/admins?role=engineer&q=agent').expect(200)).body;
      expect(engineers.items.map((admin: { email: string }) => admin.email)).toEqual(['agent@isp.example']);
      const one = await as(token).get(`/admins/${engineers.items[0].id}`).expect(200);
      expect(one.headers.etag).toBe(`"${one.body.revision}"`);
      await as(token).get('/admins/00000000-0000-4000-8000-000000000000').expect(404);
      await as(token).get('/admins/not-a-uuid').expect(404);
      // 'admin-roles' is the roles stream, not an admin.
      await as(token).get('/admins/roles').expect(404);
      await as(token).patch('/admins/roles', { name: 'x' }).expect(404);
      await as(token).get('/roles/manager').expect(200);
      await as(token).get('/admins?limit=0').expect(422);
    });

    it('PATCH changes role and partners; the change applies to live tokens at once', async () => {
      const admin = await createAdmin({ email: 'patch@isp.example', role: 'engineer' });
      const tokens = await testApp.login('patch@isp.example', PASSWORD);
      const patched = await as(token).patch(`/admins/${admin.id}`, { role: 'financial-manager', partnerIds: [2], name: 'Patched' }).expect(200);
      expect(patched.body).toMatchObject({ role: 'financial-manager', partnerIds: [2], name: 'Patched', revision: 3 });
      const me = (await as(tokens.accessToken).get('/auth/me').expect(200)).body;
      expect(me).toMatchObject({ role: 'financial-manager', partnerIds: [2], permissions: ['customers.read', 'billing', 'notes', 'audit.read'] });
      const events = await testApp.app.get<EventStore>(EVENT_STORE).readStream(`admin-${admin.id}`);
      expect(events.map((event) => event.type)).toEqual(['AdminCreated', 'AdminRenamed', 'AdminRoleChanged', 'AdminPartnersChanged']);
    });

    it('PATCH honours If-Match (412 on a stale revision) and refuses non-JSON bodies (415)', async () => {
      const admin = await createAdmin({ email: 'ifmatch@isp.example', role: 'engineer' });
      await as(token).patch(`/admins/${admin.id}`, { name: 'One' }).set('If-Match', '"0"').expect(200);
      const stale = await as(token).patch(`/admins/${admin.id}`, { name: 'Two' }).set('If-Match', '"0"').expect(412);
      expect(stale.body).toMatchObject({ status: 412, rule: 'revision.precondition_failed', expectedRevision: 0, currentRevision: 1 });
      const malformed = await as(token).patch(`/admins/${admin.id}`, { name: 'Two' }).set('If-Match', 'yesterday').expect(400);
      expect(malformed.body.rule).toBe('request.malformed_if_match');
      await http().patch(`/api/v1/admins/${admin.id}`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/plain').send('name=Three').expect(415);
    });

    it('PATCH email: the new one logs in, the old one is free again', async () => {
      const admin = await createAdmin({ email: 'old@isp.example', role: 'engineer' });
      await as(token).patch(`/admins/${admin.id}`, { email: 'New@isp.example' }).expect(200);
      await http().post('/api/v1/auth/login').send({ email: 'old@isp.example', password: PASSWORD }).expect(401);
      await testApp.login('new@isp.example', PASSWORD);
      await createAdmin({ email: 'old@isp.example', role: 'engineer' });
      await as(token).patch(`/admins/${admin.id}`, { email: 'old@isp.example' }).expect(409);
    });

    it('PATCH password: the admin’s sessions end, the new password works', async () => {
      const admin = await createAdmin({ email: 'rotate@isp.example', role: 'engineer' });
      const tokens = await testApp.login('rotate@isp.example', PASSWORD);
      await as(token).patch(`/admins/${admin.id}`, { password: 'another-long-password' }).expect(200);
      await as(tokens.accessToken).get('/auth/me').expect(401);
      await http().post('/api/v1/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(401);
      await testApp.login('rotate@isp.example', 'another-long-password');
    });

    it('deactivate: sessions end and login is refused; reactivate: login works again', async () => {
      const admin = await createAdmin({ email: 'leaver@isp.example', role: 'engineer' });
      const tokens = await testApp.login('leaver@isp.example', PASSWORD);
      const response = await as(token).post(`/admins/${admin.id}/deactivate`, { reason: 'left' }).expect(200);
      expect(response.body).toMatchObject({ active: false });
      await as(tokens.accessToken).get('/auth/me').expect(401);
      await http().post('/api/v1/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(401);
      await http().post('/api/v1/auth/login').send({ email: 'leaver@isp.example', password: PASSWORD }).expect(401);
      await as(token).post(`/admins/${admin.id}/reactivate`).expect(200);
      await testApp.login('leaver@isp.example', PASSWORD);
    });

    it('you cannot deactivate yourself or change your own role', async () => {
      const me = (await as(token).get('/auth/me').expect(200)).body;
      expect((await as(token).post(`/admins/${me.id}/deactivate`).expect(409)).body.type).toBe('https://chronicle.dev/problems/admin.self_deactivation');
      await as(token).patch(`/admins/${me.id}`, { role: 'manager' }).expect(409);
    });
  });

  describe('roles', () => {
    it('lists built-in roles and the permission names', async () => {
      const response = await as(token).get('/roles').expect(200);
      expect(response.body.items.slice(0, 7).map((role: { name: string }) => role.name)).toEqual([
        'super-administrator',
        'administrator',
        'manager',
        'financial-manager',
        'engineer',
        'customer-creator',
        'integration',
      ]);
      expect(response.body.permissions.map((permission: { name: string }) => permission.name)).toEqual([
        'customers.read',
        'customers.create',
        'customers.edit',
        'customers.status',
        'customers.schedule',
        'customers.delete',
        'customers.reveal_password',
        'customers.impersonate',
        'customers.revert',
        'customers.erase',
        'billing',
        'notes',
        'cap',
        'reference_data',
        'admins',
        'audit.read',
        'feed.read',
        'operations',
      ]);
      await as(token).get('/roles/manager').expect(200);
      await as(token).get('/roles/nope').expect(404);
    });

    it('custom roles: define, assign, change (applies at once), refuse removal in use, remove', async () => {
      const defined = await as(token).post('/roles', { name: 'support', label: 'Support', permissions: ['customers.read', 'notes'] }).expect(201);
      expect(defined.body).toMatchObject({ name: 'support', permissions: ['customers.read', 'notes'], builtIn: false, revision: 0 });
      await as(token).post('/roles', { name: 'support', permissions: [] }).expect(409);
      await as(token).post('/roles', { name: 'Bad name', permissions: ['root'] }).expect(422);
      await as(token).patch('/roles/manager', { permissions: [] }).expect(409);

      const admin = await createAdmin({ email: 'support@isp.example', role: 'support' });
      const tokens = await testApp.login('support@isp.example', PASSWORD);
      expect((await as(tokens.accessToken).get('/auth/me')).body.permissions).toEqual(['customers.read', 'notes']);
      await as(token).patch('/roles/support', { permissions: ['customers.read', 'notes', 'cap'] }).expect(200);
      expect((await as(tokens.accessToken).get('/auth/me')).body.permissions).toEqual(['customers.read', 'notes', 'cap']);

      expect((await as(token).delete('/roles/support').expect(409)).body.type).toBe('https://chronicle.dev/problems/role.in_use');
      await as(token).patch(`/admins/${admin.id}`, { role: 'engineer' }).expect(200);
      await as(token).delete('/roles/support').expect(200);
      await as(token).get('/roles/support').expect(404);
    });
  });

  describe('partner scoping and privilege limits for admins who manage admins', () => {
    let scopedToken: string;
    let superId: string;

    beforeAll(async () => {
      await as(token).post('/roles', { name: 'partner-admin', permissions: ['customers.read', 'customers.create', 'admins'] }).expect(201);
      await createAdmin({ email: 'boss-a@isp.example', role: 'partner-admin', partnerIds: [1] });
      await createAdmin({ email: 'agent-a@isp.example', role: 'customer-creator', partnerIds: [1] });
      await createAdmin({ email: 'agent-b@isp.example', role: 'customer-creator', partnerIds: [2] });
      scopedToken = (await testApp.login('boss-a@isp.example', PASSWORD)).accessToken;
      superId = (await as(token).get('/auth/me')).body.id;
    });

    it('lists and reads only admins within their partners (others are 404)', async () => {
      const list = (await as(scopedToken).get('/admins?limit=200').expect(200)).body;
      expect(list.items.map((admin: { email: string }) => admin.email).sort()).toEqual(['agent-a@isp.example', 'boss-a@isp.example']);
      const agentB = testApp.app.get(AdminDirectory).list().find(({ state }) => state.email === 'agent-b@isp.example')!;
      await as(scopedToken).get(`/admins/${agentB.state.id}`).expect(404);
      await as(scopedToken).get(`/admins/${superId}`).expect(404);
      await as(scopedToken).patch(`/admins/${agentB.state.id}`, { name: 'Hijacked' }).expect(404);
      await as(scopedToken).post(`/admins/${superId}/deactivate`).expect(404);
    });

    it('creates admins only with their partners and at most their permissions (else 403)', async () => {
      await createAdmin({ email: 'new-a@isp.example', role: 'customer-creator', partnerIds: [1] }, scopedToken);
      expect((await as(scopedToken).post('/admins', { email: 'b2@isp.example', name: 'B', role: 'customer-creator', partnerIds: [2], password: PASSWORD }).expect(403)).body.type).toBe(
        'https://chronicle.dev/problems/admin.forbidden',
      );
      await as(scopedToken).post('/admins', { email: 'all@isp.example', name: 'All', role: 'customer-creator', partnerIds: [], password: PASSWORD }).expect(403);
      await as(scopedToken).post('/admins', { email: 'mgr@isp.example', name: 'M', role: 'manager', partnerIds: [1], password: PASSWORD }).expect(403);
      await as(scopedToken).post('/roles', { name: 'sneaky', permissions: ['customers.delete'] }).expect(403);
    });
  });
});
