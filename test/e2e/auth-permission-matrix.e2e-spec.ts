import request from 'supertest';
import { PERMISSIONS, type Permission } from '../../src/admins/domain/permissions.js';
import { AuthService } from '../../src/auth/auth.service.js';
import { runCommand } from '../../src/event-sourcing/command-runner.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { PARTNERS_STREAM, partnersDecider } from '../../src/reference-data/domain/partners.js';
import { ENDPOINT_PERMISSIONS, PENDING_DECLARATION, type Door } from '../auth/endpoint-permissions.js';
import { routeInventory, type RouteInfo } from '../auth/route-inventory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'matrix-password-1';
const PARTNER_A = 1;
const PARTNER_B = 2;

interface Actor {
  id: string;
  token: string;
  sessionId: string;
}

/** What a case's request needs: tokens of prepared actors, the super-admin's, a unique suffix. */
interface Fixture {
  superToken: string;
  unique(): string;
  /** An admin limited to PARTNER_B with the given role (a target another partner's admin must not reach). */
  adminOfPartnerB(role?: string): Promise<string>;
  /** A fresh custom role (granting only 'admins') to change or remove. */
  freshRole(): Promise<string>;
}

interface HttpCase {
  route: keyof typeof ENDPOINT_PERMISSIONS;
  /** The concrete request: method and path from `route`, path parameters and body from here. */
  prepare(fixture: Fixture): Promise<{ path: string; body?: object }>;
  /** Status for an admin holding exactly the door's permission (every partner). */
  allowed: number;
  /** Status for an admin holding the permission but limited to PARTNER_A, on a PARTNER_B target. */
  otherPartner?: number;
}

/**
 * The doors whose guard is on. Phase 2 adds the customer, reference-data and feed endpoints here
 * (with `otherPartner: 404` for single-customer reads and writes), plus the Socket.IO rows.
 */
const CASES: HttpCase[] = [
  { route: 'GET /api/v1/auth/me', prepare: async () => ({ path: '/api/v1/auth/me' }), allowed: 200 },
  { route: 'POST /api/v1/auth/password', prepare: async () => ({ path: '/api/v1/auth/password', body: { currentPassword: 'not-it', newPassword: 'x' } }), allowed: 422 },
  { route: 'GET /api/v1/admins', prepare: async () => ({ path: '/api/v1/admins' }), allowed: 200 },
  {
    route: 'POST /api/v1/admins',
    prepare: async (fixture) => ({ path: '/api/v1/admins', body: { email: `new-${fixture.unique()}@isp.example`, name: 'New', role: 'only-admins', partnerIds: [PARTNER_B], password: PASSWORD } }),
    allowed: 201,
    otherPartner: 403,
  },
  { route: 'GET /api/v1/admins/:id', prepare: async (fixture) => ({ path: `/api/v1/admins/${await fixture.adminOfPartnerB()}` }), allowed: 200, otherPartner: 404 },
  {
    route: 'PATCH /api/v1/admins/:id',
    prepare: async (fixture) => ({ path: `/api/v1/admins/${await fixture.adminOfPartnerB()}`, body: { name: `Renamed ${fixture.unique()}` } }),
    allowed: 200,
    otherPartner: 404,
  },
  { route: 'POST /api/v1/admins/:id/deactivate', prepare: async (fixture) => ({ path: `/api/v1/admins/${await fixture.adminOfPartnerB()}/deactivate` }), allowed: 200, otherPartner: 404 },
  {
    route: 'POST /api/v1/admins/:id/reactivate',
    prepare: async (fixture) => {
      const id = await fixture.adminOfPartnerB();
      await send('POST', `/api/v1/admins/${id}/deactivate`, fixture.superToken).expect(200);
      return { path: `/api/v1/admins/${id}/reactivate` };
    },
    allowed: 200,
    otherPartner: 404,
  },
  { route: 'GET /api/v1/roles', prepare: async () => ({ path: '/api/v1/roles' }), allowed: 200 },
  { route: 'GET /api/v1/roles/:name', prepare: async () => ({ path: '/api/v1/roles/manager' }), allowed: 200 },
  { route: 'POST /api/v1/roles', prepare: async (fixture) => ({ path: '/api/v1/roles', body: { name: `role-${fixture.unique()}`, permissions: ['admins'] } }), allowed: 201 },
  { route: 'PATCH /api/v1/roles/:name', prepare: async (fixture) => ({ path: `/api/v1/roles/${await fixture.freshRole()}`, body: { label: 'Changed' } }), allowed: 200 },
  { route: 'DELETE /api/v1/roles/:name', prepare: async (fixture) => ({ path: `/api/v1/roles/${await fixture.freshRole()}` }), allowed: 200 },
];

let testApp: TestApp;

function send(method: string, path: string, token?: string, body?: object): request.Test {
  const agent = request(testApp.app.getHttpServer());
  const call = (agent as unknown as Record<string, (path: string) => request.Test>)[method.toLowerCase()](path);
  if (token) call.set('Authorization', `Bearer ${token}`);
  return body ? call.send(body) : call;
}

const slug = (permission: Permission) => permission.replace(/[._]/g, '-');

describe('permission matrix: every endpoint × {no token, expired token, wrong role, other partner, allowed}', () => {
  let counter = 0;
  const actors = new Map<string, Promise<Actor>>();
  let fixture: Fixture;

  /** An admin whose role is exactly `only-<permission>` (or lacks only it: `without-<permission>`), limited to `partnerIds`. */
  function actor(role: string, partnerIds: number[] = []): Promise<Actor> {
    const key = `${role}:${partnerIds.join(',')}`;
    if (!actors.has(key)) {
      actors.set(
        key,
        (async () => {
          const email = `${role}-${partnerIds.join('-') || 'all'}@matrix.example`;
          const created = await send('POST', '/api/v1/admins', fixture.superToken, { email, name: role, role, partnerIds, password: PASSWORD }).expect(201);
          const tokens = await testApp.login(email, PASSWORD);
          const sessionId = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1], 'base64url').toString()).sid as string;
          return { id: created.body.id as string, token: tokens.accessToken, sessionId };
        })(),
      );
    }
    return actors.get(key)!;
  }

  const roleFor = (door: Door, kind: 'only' | 'without'): string => (door === 'authenticated' || door === 'public' ? 'customer-creator' : `${kind}-${slug(door)}`);

  beforeAll(async () => {
    testApp = await startTestApp();
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    for (const name of ['Partner A', 'Partner B']) {
      await runCommand(store, PARTNERS_STREAM, partnersDecider, { type: 'CreatePartner', data: { name } }, { context: () => ({ now: new Date().toISOString() }), metadata: {} });
    }
    const superToken = await testApp.adminToken();
    for (const permission of PERMISSIONS) {
      await send('POST', '/api/v1/roles', superToken, { name: `only-${slug(permission)}`, permissions: [permission] }).expect(201);
      await send('POST', '/api/v1/roles', superToken, { name: `without-${slug(permission)}`, permissions: PERMISSIONS.filter((other) => other !== permission) }).expect(201);
    }
    fixture = {
      superToken,
      unique: () => `${Date.now().toString(36)}${(counter++).toString(36)}`,
      adminOfPartnerB: async (role = 'only-admins') => {
        const email = `target-${fixture.unique()}@matrix.example`;
        return (await send('POST', '/api/v1/admins', superToken, { email, name: 'Target', role, partnerIds: [PARTNER_B], password: PASSWORD }).expect(201)).body.id;
      },
      freshRole: async () => {
        const name = `fresh-${fixture.unique()}`;
        await send('POST', '/api/v1/roles', superToken, { name, permissions: ['admins'] }).expect(201);
        return name;
      },
    };
  });
  afterAll(async () => {
    await testApp?.close();
  });

  describe('route inventory', () => {
    let routes: RouteInfo[];
    beforeAll(() => {
      routes = routeInventory(testApp.app);
    });

    it('every route of the app has its door listed in test/auth/endpoint-permissions.ts', () => {
      const unlisted = routes.filter((route) => !(route.route in ENDPOINT_PERMISSIONS)).map((route) => `${route.route} (${route.controller}.${route.handler})`);
      expect(unlisted).toEqual([]);
    });

    it('every declared route declares exactly its listed door', () => {
      const mismatched = routes
        .filter((route) => route.declaration.kind !== 'undeclared' && route.route in ENDPOINT_PERMISSIONS)
        .map((route) => {
          const declared = route.declaration.kind === 'permissions' ? route.declaration.permissions.join('+') : route.declaration.kind;
          return { route: route.route, declared, listed: ENDPOINT_PERMISSIONS[route.route] };
        })
        .filter((entry) => entry.declared !== entry.listed);
      expect(mismatched).toEqual([]);
    });

    it('no route is left undeclared but those pending phase 2 (the guard refuses undeclared routes)', () => {
      const undeclared = routes.filter((route) => route.declaration.kind === 'undeclared' && !PENDING_DECLARATION.has(route.route)).map((route) => route.route);
      expect(undeclared).toEqual([]);
    });

    it('every case of the matrix is a listed route', () => {
      for (const testCase of CASES) expect(ENDPOINT_PERMISSIONS[testCase.route]).toBeDefined();
    });
  });

  for (const testCase of CASES) {
    const door = ENDPOINT_PERMISSIONS[testCase.route];
    const [method] = testCase.route.split(' ');
    describe(testCase.route, () => {
      it('no token → 401 problem', async () => {
        const { path, body } = await testCase.prepare(fixture);
        const response = await send(method, path, undefined, body).expect(401);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      });

      it('expired token → 401 problem', async () => {
        const allowed = await actor(roleFor(door, 'only'));
        const expired = testApp.app.get(AuthService).signAccessToken(allowed.id, allowed.sessionId, { expiresAt: new Date(Date.now() - 1000) });
        const { path, body } = await testCase.prepare(fixture);
        const response = await send(method, path, expired, body).expect(401);
        expect(response.body.type).toBe('https://chronicle.dev/problems/token-expired');
      });

      if (door !== 'authenticated' && door !== 'public') {
        it(`wrong role (every permission but ${door}) → 403 problem`, async () => {
          const wrong = await actor(roleFor(door, 'without'));
          const { path, body } = await testCase.prepare(fixture);
          const response = await send(method, path, wrong.token, body).expect(403);
          expect(response.headers['content-type']).toContain('application/problem+json');
        });
      }

      if (testCase.otherPartner !== undefined) {
        it(`other partner (${door}, limited to partner A, on partner B) → ${testCase.otherPartner}`, async () => {
          const scoped = await actor(roleFor(door, 'only'), [PARTNER_A]);
          const { path, body } = await testCase.prepare(fixture);
          await send(method, path, scoped.token, body).expect(testCase.otherPartner!);
        });
      }

      it(`allowed (${door === 'authenticated' ? 'any admin' : `only ${door}`}) → ${testCase.allowed}`, async () => {
        const allowed = await actor(roleFor(door, 'only'));
        const { path, body } = await testCase.prepare(fixture);
        await send(method, path, allowed.token, body).expect(testCase.allowed);
      });
    });
  }
});
