import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import request from 'supertest';
import { AuthService, type AuthenticatedActor } from '../../src/auth/auth.service.js';
import { JwtSocketAuthenticator } from '../../src/auth/socket-authenticator.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * JwtSocketAuthenticator on a bare Socket.IO server wired the way a gateway uses it
 * (`namespace.use(...)`), independent of the live gateway itself.
 */
describe('JwtSocketAuthenticator', () => {
  let testApp: TestApp;
  let httpServer: HttpServer;
  let server: Server;
  let url: string;
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    testApp = await startTestApp();
    const authenticator = testApp.app.get(JwtSocketAuthenticator);
    httpServer = createServer();
    server = new Server(httpServer);
    server.of('/probe').use((socket, next) => {
      authenticator.authenticate(socket.handshake, 'customers.read').then(
        (actor) => {
          socket.data.actor = actor;
          next();
        },
        (error) => next(error),
      );
    });
    server.of('/probe').on('connection', (socket) => {
      socket.on('whoami', async (ack: (answer: unknown) => void) => {
        try {
          const actor = await authenticator.revalidate(socket.data.actor as AuthenticatedActor, 'customers.read');
          ack({ ok: true, actor });
        } catch (error) {
          ack({ ok: false, data: (error as { data?: unknown }).data });
        }
      });
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/probe`;
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await new Promise((resolve) => server.close(resolve));
    await testApp?.close();
  });

  function open(auth: Record<string, unknown> | undefined, extraHeaders?: Record<string, string>): Promise<{ socket: ClientSocket } | { error: { message: string; data: { status: number; type: string; rule: string } } }> {
    const socket = connect(url, { auth, extraHeaders, transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(socket);
    return new Promise((resolve) => {
      socket.on('connect', () => resolve({ socket }));
      socket.on('connect_error', (error) => resolve({ error: error as never }));
    });
  }

  it('accepts a valid access token (auth.token or Authorization header) and yields the actor', async () => {
    const tokens = await testApp.login();
    const connected = await open({ token: tokens.accessToken });
    expect('socket' in connected).toBe(true);
    const answer = await (connected as { socket: ClientSocket }).socket.emitWithAck('whoami');
    expect(answer.actor).toMatchObject({ email: testApp.config.adminEmail, role: 'super-administrator', partnerIds: [] });
    expect(answer.actor.permissions).toContain('customers.read');
    expect('socket' in (await open(undefined, { Authorization: `Bearer ${tokens.accessToken}` }))).toBe(true);
  });

  it('refuses a missing, invalid or expired token with a 401 problem in connect_error', async () => {
    const missing = await open(undefined);
    expect(missing).toMatchObject({ error: { data: { status: 401, rule: 'auth.missing_token' } } });
    const invalid = await open({ token: 'nope' });
    expect(invalid).toMatchObject({ error: { data: { status: 401, rule: 'auth.invalid_token' } } });
    const tokens = await testApp.login();
    const me = (await request(testApp.app.getHttpServer()).get('/api/v1/auth/me').set('Authorization', `Bearer ${tokens.accessToken}`)).body;
    const sid = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1], 'base64url').toString()).sid;
    const expired = testApp.app.get(AuthService).signAccessToken(me.id, sid, { expiresAt: new Date(Date.now() - 1000) });
    const refused = await open({ token: expired });
    expect(refused).toMatchObject({ error: { data: { status: 401, rule: 'auth.token_expired', type: 'https://chronicle.dev/problems/auth.token_expired' } } });
  });

  it('refuses a role without the permission with a 403 problem', async () => {
    const token = await testApp.adminToken();
    const http = request(testApp.app.getHttpServer());
    await http.post('/api/v1/roles').set('Authorization', `Bearer ${token}`).send({ name: 'admins-only', permissions: ['admins'] }).expect(201);
    await request(testApp.app.getHttpServer())
      .post('/api/v1/admins')
      .set('Authorization', `Bearer ${token}`)
      .send({ email: 'keeper@isp.example', name: 'Keeper', role: 'admins-only', password: 'keeper-password-1' })
      .expect(201);
    const tokens = await testApp.login('keeper@isp.example', 'keeper-password-1');
    expect(await open({ token: tokens.accessToken })).toMatchObject({ error: { data: { status: 403, rule: 'auth.forbidden' } } });
  });

  it('revalidate notices a logout on a live connection', async () => {
    const tokens = await testApp.login();
    const connected = (await open({ token: tokens.accessToken })) as { socket: ClientSocket };
    expect((await connected.socket.emitWithAck('whoami')).ok).toBe(true);
    await request(testApp.app.getHttpServer()).post('/api/v1/auth/logout').set('Authorization', `Bearer ${tokens.accessToken}`).expect(204);
    expect(await connected.socket.emitWithAck('whoami')).toMatchObject({ ok: false, data: { status: 401, rule: 'auth.session_revoked' } });
  });
});
