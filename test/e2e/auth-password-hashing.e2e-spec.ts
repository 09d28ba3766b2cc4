/**
 * Admin passwords are hashed with argon2id on the thread pool; a bcrypt hash of an earlier release is
 * verified once more and replaced at that successful login (AdminPasswordRehashed), without ending a session.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import bcrypt from 'bcryptjs';
import { AdminCommandExecutor } from '../../src/admins/application/admin-command-executor.js';
import { SYSTEM_ACTOR } from '../../src/common/system-actor.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('admin password hashing: argon2id, older bcrypt hashes rehashed at the next login', () => {
  let testApp: TestApp;
  const PASSWORD = 'an-older-release-password';

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp?.close();
  });

  /** An admin as an earlier release wrote it: AdminCreated with a bcrypt hash. */
  async function bcryptAdmin(): Promise<{ id: string; email: string; hash: string }> {
    const executor = testApp.app.get(AdminCommandExecutor);
    const id = randomUUID();
    const email = `old-${id.slice(0, 8)}@hash.example`;
    const hash = bcrypt.hashSync(PASSWORD, 10);
    await executor.reserveEmail(email, id);
    await executor.run(id, { type: 'CreateAdmin', data: { id, email, name: 'Old', role: 'manager', passwordHash: hash } }, undefined, { actor: SYSTEM_ACTOR });
    return { id, email, hash };
  }

  const streamOf = async (id: string) => testApp.app.get<EventStore>(EVENT_STORE).readStream(`admin-${id}`);
  const login = (email: string, password: string) => request(testApp.app.getHttpServer()).post('/api/v1/auth/login').send({ email, password });

  it('a wrong password against a bcrypt hash is refused and rehashes nothing', async () => {
    const admin = await bcryptAdmin();
    await login(admin.email, 'not-the-password').expect(401);
    expect((await streamOf(admin.id)).map((event) => event.type)).toEqual(['AdminCreated']);
  });

  it('the right password logs in, and the bcrypt hash becomes argon2id (no password change, sessions kept)', async () => {
    const admin = await bcryptAdmin();
    const first = (await login(admin.email, PASSWORD).expect(200)).body;
    const events = await streamOf(admin.id);
    expect(events.map((event) => event.type)).toEqual(['AdminCreated', 'AdminPasswordRehashed']);
    const rehashed = events[1].data as { passwordHash: string };
    expect(rehashed.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    expect(events[1].metadata.actor).toMatchObject({ id: 'system' });

    // The next login verifies the argon2id hash and writes nothing more.
    await login(admin.email, PASSWORD).expect(200);
    await login(admin.email, 'still-not-it').expect(401);
    expect((await streamOf(admin.id)).map((event) => event.type)).toEqual(['AdminCreated', 'AdminPasswordRehashed']);
    // A rehash is no password change: the first session still refreshes, passwordChangedAt stays null.
    await request(testApp.app.getHttpServer()).post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200);
    const token = await testApp.adminToken();
    const view = (await request(testApp.app.getHttpServer()).get(`/api/v1/admins/${admin.id}`).set('Authorization', `Bearer ${token}`).expect(200)).body;
    expect(view.passwordChangedAt ?? null).toBeNull();
  });

  it('new passwords are argon2id from the start', async () => {
    const token = await testApp.adminToken();
    const email = `new-${randomUUID().slice(0, 8)}@hash.example`;
    const created = await request(testApp.app.getHttpServer())
      .post('/api/v1/admins')
      .set('Authorization', `Bearer ${token}`)
      .send({ email, name: 'New', role: 'manager', password: 'a-new-release-password' })
      .expect(201);
    const events = await streamOf(created.body.id);
    expect((events[0].data as { passwordHash: string }).passwordHash).toMatch(/^\$argon2id\$/);
    await login(email, 'a-new-release-password').expect(200);
    expect((await streamOf(created.body.id)).map((event) => event.type)).toEqual(['AdminCreated']);
  });
});
