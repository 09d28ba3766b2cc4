import request from 'supertest';
import { PERMISSIONS, type Permission } from '../../src/admins/domain/permissions.js';
import { AuthService } from '../../src/auth/auth.service.js';
import { runCommand } from '../../src/event-sourcing/command-runner.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { PARTNERS_STREAM, partnersDecider } from '../../src/reference-data/domain/partners.js';
import { ENDPOINT_PERMISSIONS, PENDING_DECLARATION, SOCKET_PERMISSIONS, type Door } from '../auth/endpoint-permissions.js';
import { routeInventory, type RouteInfo } from '../auth/route-inventory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { connectActivity, connectError, eventually, openSse } from './live-feed-support.js';

const PASSWORD = 'matrix-password-1';
const PARTNER_A = 1;
const PARTNER_B = 2;

interface Actor {
  id: string;
  token: string;
  sessionId: string;
}

/** A customer and the global position of its last write (for `?minPosition=`: read-your-writes). */
interface CustomerRef {
  id: number;
  position: string;
}

type CustomerStage = 'new' | 'active' | 'inactive' | 'deleted' | 'lead';
type SubEntity = 'comments' | 'notes' | 'cap' | 'hardware' | 'contacts' | 'addresses';

/** What a case's request needs: tokens of prepared actors, the super-admin's, a unique suffix, targets. */
interface Fixture {
  superToken: string;
  locationId: number;
  unique(): string;
  /** An admin limited to PARTNER_B with the given role (a target another partner's admin must not reach). */
  adminOfPartnerB(role?: string): Promise<string>;
  /** A fresh custom role (granting only 'admins') to change or remove. */
  freshRole(): Promise<string>;
  /** A new customer (of PARTNER_B unless told), written by the super-admin, taken to `stage`. */
  customer(stage?: CustomerStage, partnerId?: number): Promise<CustomerRef>;
  /** One customer of PARTNER_B with a comment, note, CAP grant, hardware item, contact and address (made once, for reads). */
  readable(): Promise<CustomerRef>;
  /** A new customer of PARTNER_B with one entry in `collection`: its id. */
  withEntry(collection: SubEntity): Promise<{ id: number; entryId: string }>;
  freshPartner(): Promise<number>;
  freshLocation(): Promise<number>;
  freshField(): Promise<string>;
  /** Ids of every customer of PARTNER_B the fixture made. */
  partnerBCustomers: Set<number>;
  /** A customer of PARTNER_A (made first): what a PARTNER_A admin does see. */
  partnerACustomer: number;
}

/** An answer, from supertest or from the SSE client. */
interface Exchange {
  status: number;
  headers: Record<string, string>;
  body: any;
}

interface HttpCase {
  route: keyof typeof ENDPOINT_PERMISSIONS;
  /** The concrete request: method and path from `route`, path parameters and body from here. */
  prepare(fixture: Fixture): Promise<{ path: string; body?: object }>;
  /** Status for an admin holding exactly the door's permission (every partner). */
  allowed: number;
  /**
   * Status for an admin holding the permission but limited to PARTNER_A, on a PARTNER_B target
   * (404: it does not exist for them); `check` looks at the answer (lists: no PARTNER_B item).
   */
  otherPartner?: number | { status: number; check(answer: Exchange, fixture: Fixture): void };
  /** Server-Sent Events: opened with fetch, closed once the status is known. */
  stream?: boolean;
}

const customerPath = async (fixture: Fixture, stage: CustomerStage, suffix = '') => `/api/v1/customers/${(await fixture.customer(stage)).id}${suffix}`;
/** A read of the readable PARTNER_B customer, once the read models have its last write. */
const readPath = async (fixture: Fixture, suffix = '') => {
  const customer = await fixture.readable();
  return `/api/v1/customers/${customer.id}${suffix}?minPosition=${encodeURIComponent(customer.position)}`;
};
/** Tomorrow: a time a scheduled change may be set for. */
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();
/** A PARTNER_B customer with a pending scheduled change (made by the super-admin): its path. */
const scheduledChangePath = async (fixture: Fixture) => {
  const { id } = await fixture.customer('new');
  const created = await send('POST', `/api/v1/customers/${id}/scheduled-changes`, fixture.superToken, { action: 'status', status: 'active', at: tomorrow() }).expect(201);
  return `/api/v1/customers/${id}/scheduled-changes/${created.body.id}`;
};
const entryPath = async (fixture: Fixture, collection: SubEntity, suffix = '') => {
  const { id, entryId } = await fixture.withEntry(collection);
  return `/api/v1/customers/${id}/${collection}/${encodeURIComponent(entryId)}${suffix}`;
};

/** Lists and counts seen by a PARTNER_A admin: nothing of PARTNER_B. */
const noPartnerB = (check: (answer: Exchange, fixture: Fixture) => void) => ({ status: 200, check });

/** Global reference data (additional fields, customer settings) written by a partner-limited admin: 403. */
const everyPartner = { status: 403, check: (answer: Exchange) => expect(answer.body.rule).toBe('reference_data.all_partners_required') };
/** A role write by a partner-limited admin: 403 role.all_partners_required. */
const sharedRoles = { status: 403, check: (answer: Exchange) => expect(answer.body.rule).toBe('role.all_partners_required') };

/**
 * Every HTTP door (test/auth/endpoint-permissions.ts): the matrix runs each × {no token, expired
 * token, wrong role, other partner, allowed}. Targets of PARTNER_B customers answer a PARTNER_A
 * admin 404 (reads and writes alike); lists and counts leave PARTNER_B out.
 */
const CASES: HttpCase[] = [
  { route: 'GET /api/v1/auth/me', prepare: async () => ({ path: '/api/v1/auth/me' }), allowed: 200 },
  { route: 'POST /api/v1/auth/password', prepare: async () => ({ path: '/api/v1/auth/password', body: { currentPassword: 'not-it', newPassword: 'x' } }), allowed: 422 },
  { route: 'GET /api/v1/admins', prepare: async () => ({ path: '/api/v1/admins' }), allowed: 200 },
  { route: 'GET /api/v1/projections', prepare: async () => ({ path: '/api/v1/projections' }), allowed: 200 },
  { route: 'POST /api/v1/projections/:name/rebuild', prepare: async () => ({ path: '/api/v1/projections/stream_summary/rebuild', body: {} }), allowed: 202 },
  {
    route: 'GET /api/v1/projections/:name/rebuild',
    prepare: async (fixture) => {
      await send('POST', '/api/v1/projections/stream_summary/rebuild', fixture.superToken, {}).expect(202);
      return { path: '/api/v1/projections/stream_summary/rebuild' };
    },
    allowed: 200,
  },
  {
    route: 'DELETE /api/v1/projections/:name/rebuild',
    prepare: async (fixture) => {
      await send('POST', '/api/v1/projections/stream_summary/rebuild', fixture.superToken, {}).expect(202);
      return { path: '/api/v1/projections/stream_summary/rebuild' };
    },
    allowed: 200,
  },
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
  // Roles are shared by every partner: a partner-limited admin with `admins` writes none (role.all_partners_required).
  {
    route: 'POST /api/v1/roles',
    prepare: async (fixture) => ({ path: '/api/v1/roles', body: { name: `role-${fixture.unique()}`, permissions: ['admins'] } }),
    allowed: 201,
    otherPartner: sharedRoles,
  },
  {
    route: 'PATCH /api/v1/roles/:name',
    prepare: async (fixture) => ({ path: `/api/v1/roles/${await fixture.freshRole()}`, body: { label: 'Changed' } }),
    allowed: 200,
    otherPartner: sharedRoles,
  },
  { route: 'DELETE /api/v1/roles/:name', prepare: async (fixture) => ({ path: `/api/v1/roles/${await fixture.freshRole()}` }), allowed: 200, otherPartner: sharedRoles },

  // ----- customers: reads
  {
    route: 'GET /api/v1/customers',
    prepare: async (fixture) => ({ path: `/api/v1/customers?limit=200&total=true&minPosition=${encodeURIComponent((await fixture.readable()).position)}` }),
    allowed: 200,
    otherPartner: noPartnerB((answer, fixture) => {
      expect(answer.body.items.length).toBeGreaterThan(0);
      expect(answer.body.items.filter((item: { id: number; partnerId: number }) => item.partnerId !== PARTNER_A || fixture.partnerBCustomers.has(item.id))).toEqual([]);
      expect(answer.body.total).toBe(answer.body.items.length);
    }),
  },
  {
    route: 'GET /api/v1/customers/stats',
    prepare: async (fixture) => ({ path: `/api/v1/customers/stats?minPosition=${encodeURIComponent((await fixture.readable()).position)}` }),
    allowed: 200,
    otherPartner: noPartnerB((answer) => {
      expect(answer.body.byPartner).toEqual([{ partnerId: PARTNER_A, count: answer.body.total }]);
    }),
  },
  { route: 'GET /api/v1/customers/:id', prepare: async (fixture) => ({ path: await readPath(fixture) }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/activity', prepare: async (fixture) => ({ path: await readPath(fixture, '/activity') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/comments', prepare: async (fixture) => ({ path: await readPath(fixture, '/comments') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/notes', prepare: async (fixture) => ({ path: await readPath(fixture, '/notes') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/cap', prepare: async (fixture) => ({ path: await readPath(fixture, '/cap') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/hardware', prepare: async (fixture) => ({ path: await readPath(fixture, '/hardware') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/contacts', prepare: async (fixture) => ({ path: await readPath(fixture, '/contacts') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/addresses', prepare: async (fixture) => ({ path: await readPath(fixture, '/addresses') }), allowed: 200, otherPartner: 404 },

  // ----- customers: writes (another partner's customer does not exist for a PARTNER_A admin)
  {
    route: 'POST /api/v1/customers',
    prepare: async (fixture) => ({ path: '/api/v1/customers', body: { fullName: `New ${fixture.unique()}`, partnerId: PARTNER_B, locationId: fixture.locationId } }),
    allowed: 201,
    otherPartner: 409, // customer.partner.unknown: PARTNER_B is no partner of theirs
  },
  { route: 'PATCH /api/v1/customers/:id', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new'), body: { fullName: 'Renamed' } }), allowed: 200, otherPartner: 404 },
  {
    route: 'PUT /api/v1/customers/:id/additional-fields',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/additional-fields'), body: {} }),
    allowed: 200,
    otherPartner: 404,
  },
  { route: 'POST /api/v1/customers/:id/password/reset', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/password/reset'), body: {} }), allowed: 200, otherPartner: 404 },
  {
    route: 'POST /api/v1/customers/:id/hardware',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/hardware'), body: { itemId: `item-${fixture.unique()}`, productName: 'Router' } }),
    allowed: 201,
    otherPartner: 404,
  },
  { route: 'DELETE /api/v1/customers/:id/hardware/:itemId', prepare: async (fixture) => ({ path: await entryPath(fixture, 'hardware') }), allowed: 200, otherPartner: 404 },
  {
    route: 'POST /api/v1/customers/:id/contacts',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/contacts'), body: { name: 'Contact Person' } }),
    allowed: 201,
    otherPartner: 404,
  },
  { route: 'DELETE /api/v1/customers/:id/contacts/:contactId', prepare: async (fixture) => ({ path: await entryPath(fixture, 'contacts') }), allowed: 200, otherPartner: 404 },
  {
    route: 'POST /api/v1/customers/:id/addresses',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/addresses'), body: { street: 'Brivibas 1' } }),
    allowed: 201,
    otherPartner: 404,
  },
  { route: 'DELETE /api/v1/customers/:id/addresses/:addressId', prepare: async (fixture) => ({ path: await entryPath(fixture, 'addresses') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/scheduled-changes', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/scheduled-changes') }), allowed: 200, otherPartner: 404 },
  {
    route: 'GET /api/v1/scheduled-changes',
    prepare: async (fixture) => {
      await scheduledChangePath(fixture);
      return { path: '/api/v1/scheduled-changes' };
    },
    allowed: 200,
    otherPartner: noPartnerB((answer, fixture) => {
      expect(answer.body.items.filter((item: { customerId: number }) => fixture.partnerBCustomers.has(item.customerId))).toEqual([]);
    }),
  },
  {
    route: 'POST /api/v1/customers/:id/scheduled-changes',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/scheduled-changes'), body: { action: 'status', status: 'active', at: tomorrow() } }),
    allowed: 201,
    otherPartner: 404,
  },
  { route: 'PATCH /api/v1/customers/:id/scheduled-changes/:changeId', prepare: async (fixture) => ({ path: await scheduledChangePath(fixture), body: { reason: 'matrix' } }), allowed: 200, otherPartner: 404 },
  { route: 'DELETE /api/v1/customers/:id/scheduled-changes/:changeId', prepare: async (fixture) => ({ path: await scheduledChangePath(fixture), body: {} }), allowed: 200, otherPartner: 404 },
  { route: 'POST /api/v1/customers/:id/status', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/status'), body: { status: 'active' } }), allowed: 200, otherPartner: 404 },
  { route: 'POST /api/v1/customers/:id/convert-to-lead', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/convert-to-lead'), body: {} }), allowed: 200, otherPartner: 404 },
  {
    route: 'POST /api/v1/customers/:id/convert-to-customer',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'lead', '/convert-to-customer'), body: {} }),
    allowed: 200,
    otherPartner: 404,
  },
  { route: 'DELETE /api/v1/customers/:id', prepare: async (fixture) => ({ path: await customerPath(fixture, 'inactive'), body: {} }), allowed: 200, otherPartner: 404 },
  {
    route: 'POST /api/v1/customers/bulk-delete',
    prepare: async (fixture) => ({ path: '/api/v1/customers/bulk-delete', body: { ids: [(await fixture.customer('inactive')).id] } }),
    allowed: 200,
    otherPartner: {
      status: 200,
      check: (answer) => {
        expect(answer.body).toMatchObject({ deleted: 0, refused: 1 });
        expect(answer.body.results[0]).toMatchObject({ ok: false, error: { status: 404, rule: 'customer.not_found' } });
      },
    },
  },
  { route: 'POST /api/v1/customers/:id/restore', prepare: async (fixture) => ({ path: await customerPath(fixture, 'deleted', '/restore'), body: {} }), allowed: 200, otherPartner: 404 },
  {
    route: 'POST /api/v1/customers/:id/password/reveal',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/password/reveal'), body: { reason: 'matrix' } }),
    allowed: 200,
    otherPartner: 404,
  },
  { route: 'POST /api/v1/customers/:id/pin/reveal', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/pin/reveal'), body: { reason: 'matrix' } }), allowed: 200, otherPartner: 404 },
  // An erasure (inactive customer, zero balance) by an admin holding exactly customers.erase.
  { route: 'POST /api/v1/customers/:id/erase', prepare: async (fixture) => ({ path: await customerPath(fixture, 'inactive', '/erase'), body: { reason: 'matrix' } }), allowed: 200, otherPartner: 404 },
  { route: 'POST /api/v1/customers/:id/impersonate', prepare: async (fixture) => ({ path: await customerPath(fixture, 'active', '/impersonate'), body: { reason: 'matrix' } }), allowed: 201, otherPartner: 404 },
  {
    route: 'POST /api/v1/customers/:id/billing-type',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/billing-type'), body: { billingType: 'prepaid_daily' } }),
    allowed: 200,
    otherPartner: 404,
  },
  { route: 'POST /api/v1/customers/:id/payments', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/payments'), body: { amount: 10 } }), allowed: 201, otherPartner: 404 },
  {
    route: 'POST /api/v1/customers/:id/charges',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/charges'), body: { amount: 5, description: 'Router rent' } }),
    allowed: 201,
    otherPartner: 404,
  },
  { route: 'POST /api/v1/customers/:id/comments', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/comments'), body: { text: 'Hello' } }), allowed: 201, otherPartner: 404 },
  { route: 'PATCH /api/v1/customers/:id/comments/:commentId', prepare: async (fixture) => ({ path: await entryPath(fixture, 'comments'), body: { text: 'Edited' } }), allowed: 200, otherPartner: 404 },
  { route: 'DELETE /api/v1/customers/:id/comments/:commentId', prepare: async (fixture) => ({ path: await entryPath(fixture, 'comments') }), allowed: 200, otherPartner: 404 },
  { route: 'POST /api/v1/customers/:id/notes', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/notes'), body: { text: 'Note' } }), allowed: 201, otherPartner: 404 },
  { route: 'PATCH /api/v1/customers/:id/notes/:noteId', prepare: async (fixture) => ({ path: await entryPath(fixture, 'notes'), body: { text: 'Edited' } }), allowed: 200, otherPartner: 404 },
  { route: 'DELETE /api/v1/customers/:id/notes/:noteId', prepare: async (fixture) => ({ path: await entryPath(fixture, 'notes') }), allowed: 200, otherPartner: 404 },
  {
    route: 'POST /api/v1/customers/:id/cap',
    prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/cap'), body: { megabytes: 1024, reason: 'matrix' } }),
    allowed: 201,
    otherPartner: 404,
  },
  { route: 'POST /api/v1/customers/:id/cap/:grantId/revoke', prepare: async (fixture) => ({ path: await entryPath(fixture, 'cap', '/revoke'), body: {} }), allowed: 200, otherPartner: 404 },

  // ----- audit
  { route: 'GET /api/v1/customers/:id/events', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/events') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/state', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/state') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/audit/verify', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/audit/verify') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/audit/export', prepare: async (fixture) => ({ path: await customerPath(fixture, 'new', '/audit/export?format=ndjson') }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/customers/:id/diff', prepare: async (fixture) => ({ path: await customerPath(fixture, 'active', '/diff?from=0&to=1') }), allowed: 200, otherPartner: 404 },
  {
    route: 'GET /api/v1/audit/log',
    prepare: async (fixture) => {
      const customer = await fixture.customer('active');
      return { path: `/api/v1/audit/log?limit=200&minPosition=${customer.position}` };
    },
    allowed: 200,
    otherPartner: {
      status: 200,
      check: (answer, fixture) => {
        const ids: (number | undefined)[] = answer.body.items.map((item: { customerId?: number }) => item.customerId);
        expect(ids.filter((id) => id === undefined || fixture.partnerBCustomers.has(id))).toEqual([]);
      },
    },
  },
  // Revision 0 (the creation) cannot be reverted: 409 shows the door let the request through.
  { route: 'POST /api/v1/customers/:id/revert', prepare: async (fixture) => ({ path: await customerPath(fixture, 'active', '/revert'), body: { revision: 0 } }), allowed: 409, otherPartner: 404 },
  { route: 'POST /api/v1/audit/anchors', prepare: async () => ({ path: '/api/v1/audit/anchors', body: {} }), allowed: 200 },
  {
    route: 'GET /api/v1/audit/anchors',
    prepare: async (fixture) => {
      const customer = await fixture.customer('new');
      // The proof needs an anchor holding the stream.
      await send('POST', '/api/v1/audit/anchors', fixture.superToken, {}).expect(200);
      return { path: `/api/v1/audit/anchors?streamId=customer-${customer.id}` };
    },
    // A partner-limited auditor gets the anchors but no proofs (stream ids name customers of every partner).
    allowed: 200,
    otherPartner: 404,
  },

  // ----- reference data
  {
    route: 'GET /api/v1/partners',
    prepare: async () => ({ path: '/api/v1/partners' }),
    allowed: 200,
    otherPartner: noPartnerB((answer) => expect(answer.body.items.map((item: { id: number }) => item.id)).toEqual([PARTNER_A])),
  },
  { route: 'GET /api/v1/partners/:id', prepare: async () => ({ path: `/api/v1/partners/${PARTNER_B}` }), allowed: 200, otherPartner: 404 },
  { route: 'POST /api/v1/partners', prepare: async (fixture) => ({ path: '/api/v1/partners', body: { name: `Partner ${fixture.unique()}` } }), allowed: 201 },
  {
    route: 'PATCH /api/v1/partners/:id',
    prepare: async (fixture) => ({ path: `/api/v1/partners/${await fixture.freshPartner()}`, body: { name: `Renamed ${fixture.unique()}` } }),
    allowed: 200,
    otherPartner: 404,
  },
  { route: 'DELETE /api/v1/partners/:id', prepare: async (fixture) => ({ path: `/api/v1/partners/${await fixture.freshPartner()}` }), allowed: 200, otherPartner: 404 },
  { route: 'GET /api/v1/locations', prepare: async () => ({ path: '/api/v1/locations' }), allowed: 200 },
  { route: 'GET /api/v1/locations/:id', prepare: async (fixture) => ({ path: `/api/v1/locations/${fixture.locationId}` }), allowed: 200 },
  { route: 'POST /api/v1/locations', prepare: async (fixture) => ({ path: '/api/v1/locations', body: { name: `Location ${fixture.unique()}` } }), allowed: 201 },
  {
    route: 'PATCH /api/v1/locations/:id',
    prepare: async (fixture) => ({ path: `/api/v1/locations/${await fixture.freshLocation()}`, body: { name: `Renamed ${fixture.unique()}` } }),
    allowed: 200,
  },
  { route: 'DELETE /api/v1/locations/:id', prepare: async (fixture) => ({ path: `/api/v1/locations/${await fixture.freshLocation()}` }), allowed: 200 },
  { route: 'GET /api/v1/additional-fields', prepare: async () => ({ path: '/api/v1/additional-fields' }), allowed: 200 },
  {
    route: 'POST /api/v1/additional-fields',
    prepare: async (fixture) => ({ path: '/api/v1/additional-fields', body: { name: `f_${fixture.unique()}`, label: 'Matrix', type: 'string' } }),
    allowed: 201,
    otherPartner: everyPartner,
  },
  {
    route: 'PATCH /api/v1/additional-fields/:name',
    prepare: async (fixture) => ({ path: `/api/v1/additional-fields/${await fixture.freshField()}`, body: { label: 'Changed' } }),
    allowed: 200,
    otherPartner: everyPartner,
  },
  { route: 'DELETE /api/v1/additional-fields/:name', prepare: async (fixture) => ({ path: `/api/v1/additional-fields/${await fixture.freshField()}` }), allowed: 200, otherPartner: everyPartner },
  { route: 'GET /api/v1/settings/customers', prepare: async () => ({ path: '/api/v1/settings/customers' }), allowed: 200 },
  {
    route: 'PUT /api/v1/settings/customers',
    prepare: async (fixture) => {
      const { changedAt: _changedAt, ...settings } = (await send('GET', '/api/v1/settings/customers', fixture.superToken).expect(200)).body;
      return { path: '/api/v1/settings/customers', body: settings };
    },
    allowed: 200,
    otherPartner: everyPartner,
  },
  {
    route: 'PATCH /api/v1/settings/customers',
    prepare: async (fixture) => {
      const { pinLength } = (await send('GET', '/api/v1/settings/customers', fixture.superToken).expect(200)).body;
      return { path: '/api/v1/settings/customers', body: { pinLength } };
    },
    allowed: 200,
    otherPartner: everyPartner,
  },

  // ----- downstream feed (scoped by the customer's current partner)
  {
    route: 'GET /api/v1/events',
    prepare: async () => ({ path: '/api/v1/events?limit=1000' }),
    allowed: 200,
    otherPartner: noPartnerB((answer, fixture) => {
      const streams = answer.body.events.map((event: { streamId: string }) => event.streamId);
      expect(streams).toContain(`customer-${fixture.partnerACustomer}`);
      expect(streams.filter((stream: string) => fixture.partnerBCustomers.has(Number(stream.replace('customer-', ''))))).toEqual([]);
      const partners = answer.body.events.filter((event: { streamId: string }) => event.streamId === PARTNERS_STREAM).map((event: { data: { id: number } }) => event.data.id);
      expect(partners).toEqual([PARTNER_A]);
    }),
  },
  { route: 'GET /api/v1/events/catalog', prepare: async () => ({ path: '/api/v1/events/catalog' }), allowed: 200 },
  { route: 'GET /api/v1/events/stream', prepare: async () => ({ path: '/api/v1/events/stream?after=end' }), allowed: 200, stream: true },
  { route: 'POST /api/v1/feed/tickets', prepare: async () => ({ path: '/api/v1/feed/tickets', body: {} }), allowed: 201 },
];

let testApp: TestApp;

function send(method: string, path: string, token?: string, body?: object): request.Test {
  const agent = request(testApp.app.getHttpServer());
  const call = (agent as unknown as Record<string, (path: string) => request.Test>)[method.toLowerCase()](path);
  if (token) call.set('Authorization', `Bearer ${token}`);
  return body ? call.send(body) : call;
}

/** The request of a case, as an Exchange (an SSE stream is closed as soon as its status is known). */
async function exchange(testCase: HttpCase, method: string, prepared: { path: string; body?: object }, token?: string): Promise<Exchange> {
  if (testCase.stream) {
    const url = new URL(prepared.path, testApp.url);
    const client = await openSse(testApp.url, { token, query: Object.fromEntries(url.searchParams) });
    client.close();
    return { status: client.status, headers: Object.fromEntries(client.headers), body: client.problem };
  }
  const response = await send(method, prepared.path, token, prepared.body);
  return { status: response.status, headers: response.headers as Record<string, string>, body: response.body };
}

function expectStatus(answer: Exchange, status: number): void {
  if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
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

  const expiredTokenOf = (allowed: Actor) => testApp.app.get(AuthService).signAccessToken(allowed.id, allowed.sessionId, { expiresAt: new Date(Date.now() - 1000) });

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
    const locationId = (await send('POST', '/api/v1/locations', superToken, { name: 'Matrix Town' }).expect(201)).body.id as number;
    const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;
    const partnerBCustomers = new Set<number>();

    async function customer(stage: CustomerStage = 'new', partnerId = PARTNER_B): Promise<CustomerRef> {
      const created = await send('POST', '/api/v1/customers', superToken, { fullName: `Matrix ${unique()}`, partnerId, locationId }).expect(201);
      const ref: CustomerRef = { id: created.body.id, position: created.body.position };
      if (partnerId === PARTNER_B) partnerBCustomers.add(ref.id);
      const step = async (method: string, suffix: string, body: object, status = 200) => {
        ref.position = (await send(method, `/api/v1/customers/${ref.id}${suffix}`, superToken, body).expect(status)).body.position ?? ref.position;
      };
      if (stage === 'active') await step('POST', '/status', { status: 'active' });
      if (stage === 'inactive' || stage === 'deleted') await step('POST', '/status', { status: 'inactive' });
      if (stage === 'deleted') await step('DELETE', '', {});
      if (stage === 'lead') await step('POST', '/convert-to-lead', {});
      return ref;
    }

    const ENTRY_BODIES: Record<SubEntity, () => object> = {
      comments: () => ({ text: 'A comment' }),
      notes: () => ({ text: 'A note', popup: true }),
      cap: () => ({ megabytes: 512, reason: 'goodwill' }),
      hardware: () => ({ itemId: `item-${unique()}`, productName: 'Router' }),
      contacts: () => ({ name: 'Contact Person' }),
      addresses: () => ({ street: 'Brivibas 1' }),
    };
    /** Adds one entry; its id is the last segment of the answer's Location. */
    async function addEntry(ref: CustomerRef, collection: SubEntity): Promise<string> {
      const response = await send('POST', `/api/v1/customers/${ref.id}/${collection}`, superToken, ENTRY_BODIES[collection]()).expect(201);
      ref.position = response.body.position;
      return decodeURIComponent(String(response.headers.location).split('/').pop()!);
    }

    let readable: Promise<CustomerRef> | undefined;
    const partnerACustomer = (await customer('active', PARTNER_A)).id;
    fixture = {
      superToken,
      locationId,
      unique,
      partnerBCustomers,
      partnerACustomer,
      adminOfPartnerB: async (role = 'only-admins') => {
        const email = `target-${fixture.unique()}@matrix.example`;
        return (await send('POST', '/api/v1/admins', superToken, { email, name: 'Target', role, partnerIds: [PARTNER_B], password: PASSWORD }).expect(201)).body.id;
      },
      freshRole: async () => {
        const name = `fresh-${fixture.unique()}`;
        await send('POST', '/api/v1/roles', superToken, { name, permissions: ['admins'] }).expect(201);
        return name;
      },
      customer,
      readable: () =>
        (readable ??= (async () => {
          const ref = await customer('active');
          for (const collection of Object.keys(ENTRY_BODIES) as SubEntity[]) await addEntry(ref, collection);
          return ref;
        })()),
      withEntry: async (collection) => {
        const ref = await customer('active');
        return { id: ref.id, entryId: await addEntry(ref, collection) };
      },
      freshPartner: async () => (await send('POST', '/api/v1/partners', superToken, { name: `Fresh ${unique()}` }).expect(201)).body.id,
      freshLocation: async () => (await send('POST', '/api/v1/locations', superToken, { name: `Fresh ${unique()}` }).expect(201)).body.id,
      freshField: async () => {
        const name = `fresh_${unique()}`;
        await send('POST', '/api/v1/additional-fields', superToken, { name, label: 'Fresh', type: 'string' }).expect(201);
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

    it('no route is left undeclared (the global guard refuses undeclared routes)', () => {
      expect(PENDING_DECLARATION.size).toBe(0);
      const undeclared = routes.filter((route) => route.declaration.kind === 'undeclared' && !PENDING_DECLARATION.has(route.route)).map((route) => route.route);
      expect(undeclared).toEqual([]);
    });

    it('every case of the matrix is a listed route, and every route of the app has its row', () => {
      for (const testCase of CASES) expect(ENDPOINT_PERMISSIONS[testCase.route]).toBeDefined();
      const rows = new Set(CASES.map((testCase) => testCase.route));
      // Public routes (login, refresh, logout, health, metrics) have their own specs.
      const missing = routes.filter((route) => route.declaration.kind !== 'public' && !rows.has(route.route)).map((route) => route.route);
      expect(missing).toEqual([]);
    });
  });

  for (const testCase of CASES) {
    const door = ENDPOINT_PERMISSIONS[testCase.route];
    const [method] = testCase.route.split(' ');
    describe(testCase.route, () => {
      it('no token → 401 problem', async () => {
        const answer = await exchange(testCase, method, await testCase.prepare(fixture));
        expectStatus(answer, 401);
        expect(answer.headers['content-type']).toContain('application/problem+json');
        expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
      });

      it('expired token → 401 problem', async () => {
        const expired = expiredTokenOf(await actor(roleFor(door, 'only')));
        const answer = await exchange(testCase, method, await testCase.prepare(fixture), expired);
        expectStatus(answer, 401);
        expect(answer.body.type).toBe('https://chronicle.dev/problems/auth.token_expired');
      });

      if (door !== 'authenticated' && door !== 'public') {
        it(`wrong role (every permission but ${door}) → 403 problem`, async () => {
          const wrong = await actor(roleFor(door, 'without'));
          const answer = await exchange(testCase, method, await testCase.prepare(fixture), wrong.token);
          expectStatus(answer, 403);
          expect(answer.headers['content-type']).toContain('application/problem+json');
        });
      }

      if (testCase.otherPartner !== undefined) {
        const expected = typeof testCase.otherPartner === 'number' ? { status: testCase.otherPartner, check: undefined } : testCase.otherPartner;
        it(`other partner (${door}, limited to partner A, on partner B) → ${expected.status}`, async () => {
          const scoped = await actor(roleFor(door, 'only'), [PARTNER_A]);
          const answer = await exchange(testCase, method, await testCase.prepare(fixture), scoped.token);
          expectStatus(answer, expected.status);
          expected.check?.(answer, fixture);
        });
      }

      it(`allowed (${door === 'authenticated' ? 'any admin' : `only ${door}`}) → ${testCase.allowed}`, async () => {
        const allowed = await actor(roleFor(door, 'only'));
        expectStatus(await exchange(testCase, method, await testCase.prepare(fixture), allowed.token), testCase.allowed);
      });
    });
  }

  describe('Socket.IO /activity', () => {
    const door = SOCKET_PERMISSIONS['/activity'];
    const sockets: { close(): void }[] = [];
    afterAll(() => sockets.forEach((socket) => socket.close()));

    it('no token → connect_error 401', async () => {
      const error = await connectError(testApp.url, {});
      expect(error.data).toMatchObject({ status: 401 });
    });

    it('expired token → connect_error 401', async () => {
      const error = await connectError(testApp.url, { token: expiredTokenOf(await actor(roleFor(door, 'only'))) });
      expect(error.data).toMatchObject({ status: 401, rule: 'auth.token_expired' });
    });

    it(`wrong role (every permission but ${door}) → connect_error 403`, async () => {
      const error = await connectError(testApp.url, { token: (await actor(roleFor(door, 'without'))).token });
      expect(error.data).toMatchObject({ status: 403 });
    });

    it("other partner: subscribing to a partner B customer → 404; a subscription to every customer never delivers partner B's", async () => {
      const client = await connectActivity(testApp.url, (await actor(roleFor(door, 'only'), [PARTNER_A])).token);
      sockets.push(client);
      const theirs = await fixture.customer('new');
      expect(await client.subscribe({ customerId: theirs.id })).toMatchObject({ ok: false, error: { status: 404 } });
      expect(await client.subscribe({ after: theirs.position })).toMatchObject({ ok: true });
      await send('POST', `/api/v1/customers/${theirs.id}/comments`, fixture.superToken, { text: 'partner B business' }).expect(201);
      const ours = await send('POST', `/api/v1/customers/${fixture.partnerACustomer}/comments`, fixture.superToken, { text: 'partner A business' }).expect(201);
      await eventually(() => client.received.some((item) => item.position === ours.body.position), 'the partner A comment');
      expect(client.received.filter((item) => item.customerId !== fixture.partnerACustomer)).toEqual([]);
    });

    it(`allowed (only ${door}) → connects and receives a partner B customer's activity`, async () => {
      const client = await connectActivity(testApp.url, (await actor(roleFor(door, 'only'))).token);
      sockets.push(client);
      const theirs = await fixture.customer('new');
      expect(await client.subscribe({ customerId: theirs.id, after: theirs.position })).toMatchObject({ ok: true });
      await send('POST', `/api/v1/customers/${theirs.id}/comments`, fixture.superToken, { text: 'seen by every partner' }).expect(201);
      await client.waitForCustomers([theirs.id], 1);
    });
  });

  describe('partner scoping beyond the status codes', () => {
    it("the SSE feed never delivers partner B's customers to a partner A admin", async () => {
      const scoped = await actor('only-feed-read', [PARTNER_A]);
      const head = (await fixture.customer('new')).position;
      const client = await openSse(testApp.url, { token: scoped.token, query: { after: head } });
      try {
        const theirs = await fixture.customer('active');
        const ours = await send('POST', `/api/v1/customers/${fixture.partnerACustomer}/comments`, fixture.superToken, { text: 'after partner B' }).expect(201);
        await eventually(() => client.messages.some((message) => message.id === ours.body.position), 'the partner A comment on the stream');
        const streams = client.messages.map((message) => JSON.parse(message.data).streamId as string);
        expect(streams).not.toContain(`customer-${theirs.id}`);
        expect(streams.every((stream) => stream === `customer-${fixture.partnerACustomer}`)).toBe(true);
      } finally {
        client.close();
      }
    });

    it('writes: creating in, or moving to, another partner is customer.partner.unknown, and nothing is written', async () => {
      const creator = await actor('only-customers-create', [PARTNER_A]);
      const refused = await send('POST', '/api/v1/customers', creator.token, { fullName: 'Elsewhere', partnerId: PARTNER_B, locationId: fixture.locationId }).expect(409);
      expect(refused.body.rule).toBe('customer.partner.unknown');
      await send('POST', '/api/v1/customers', creator.token, { fullName: 'At home', partnerId: PARTNER_A, locationId: fixture.locationId }).expect(201);

      const editor = await actor('only-customers-edit', [PARTNER_A]);
      const ours = await fixture.customer('new', PARTNER_A);
      const moved = await send('PATCH', `/api/v1/customers/${ours.id}`, editor.token, { partnerId: PARTNER_B }).expect(409);
      expect(moved.body.rule).toBe('customer.partner.unknown');
      const events = (await send('GET', `/api/v1/customers/${ours.id}/events`, fixture.superToken).expect(200)).body.events;
      expect(events.map((event: { type: string }) => event.type)).toEqual(['CustomerCreated']);
    });

    it('writes: a stale If-Match or a password the policy refuses tells nothing about another partner’s customer (404, not 412 / 422)', async () => {
      const theirs = await fixture.customer('new');
      const editor = await actor('only-customers-edit', [PARTNER_A]);
      const stale = await send('PATCH', `/api/v1/customers/${theirs.id}`, editor.token, { fullName: 'X' }).set('If-Match', '"7"').expect(404);
      expect(stale.body.rule).toBe('customer.not_found');
      const reset = await send('POST', `/api/v1/customers/${theirs.id}/password/reset`, editor.token, { password: 'short' }).expect(404);
      expect(reset.body.rule).toBe('customer.not_found');
      const unknown = await send('PATCH', `/api/v1/customers/${theirs.id + 100000}`, editor.token, { fullName: 'X' }).expect(404);
      expect(unknown.body.rule).toBe(stale.body.rule);
    });

    it("bulk delete deletes a partner A admin's own customers and reports partner B's as not found", async () => {
      const deleter = await actor('only-customers-delete', [PARTNER_A]);
      const ours = await fixture.customer('inactive', PARTNER_A);
      const theirs = await fixture.customer('inactive');
      const answer = await send('POST', '/api/v1/customers/bulk-delete', deleter.token, { ids: [ours.id, theirs.id] }).expect(200);
      expect(answer.body).toMatchObject({ deleted: 1, refused: 1 });
      expect(answer.body.results).toEqual([
        expect.objectContaining({ id: ours.id, ok: true }),
        expect.objectContaining({ id: theirs.id, ok: false, error: expect.objectContaining({ status: 404, rule: 'customer.not_found' }) }),
      ]);
    });

    it('a customer moved to partner A is partner A’s: reads, writes and audit follow its current partner', async () => {
      const customer = await fixture.customer('new');
      const moved = await send('PATCH', `/api/v1/customers/${customer.id}`, fixture.superToken, { partnerId: PARTNER_A }).expect(200);
      fixture.partnerBCustomers.delete(customer.id);
      const minPosition = encodeURIComponent(moved.body.position);
      const readerA = await actor('only-customers-read', [PARTNER_A]);
      const readerB = await actor('only-customers-read', [PARTNER_B]);
      await send('GET', `/api/v1/customers/${customer.id}?minPosition=${minPosition}`, readerA.token).expect(200);
      await send('GET', `/api/v1/customers/${customer.id}?minPosition=${minPosition}`, readerB.token).expect(404);
      const auditorB = await actor('only-audit-read', [PARTNER_B]);
      await send('GET', `/api/v1/customers/${customer.id}/events`, auditorB.token).expect(404);
      await send('GET', `/api/v1/customers/${customer.id}/state?revision=0`, auditorB.token).expect(404);
      const auditorA = await actor('only-audit-read', [PARTNER_A]);
      await send('GET', `/api/v1/customers/${customer.id}/state?revision=0`, auditorA.token).expect(200);
      await send('POST', `/api/v1/customers/${customer.id}/comments`, (await actor('only-notes', [PARTNER_B])).token, { text: 'not mine any more' }).expect(404);
    });

    it("search, totals and location counts leave partner B's customers out", async () => {
      const name = `Needle${fixture.unique()}`;
      const theirs = await send('POST', '/api/v1/customers', fixture.superToken, { fullName: name, partnerId: PARTNER_B, locationId: fixture.locationId }).expect(201);
      fixture.partnerBCustomers.add(theirs.body.id);
      const minPosition = encodeURIComponent(theirs.body.position);
      const reader = await actor('only-customers-read', [PARTNER_A]);
      const found = await send('GET', `/api/v1/customers?q=${name}&total=true&minPosition=${minPosition}`, reader.token).expect(200);
      expect(found.body).toMatchObject({ items: [], total: 0 });
      expect((await send('GET', `/api/v1/customers?q=${name}&total=true&minPosition=${minPosition}`, fixture.superToken).expect(200)).body.total).toBe(1);

      const scopedStats = (await send('GET', `/api/v1/customers/stats?minPosition=${minPosition}`, reader.token).expect(200)).body;
      const location = (await send('GET', `/api/v1/locations/${fixture.locationId}?minPosition=${minPosition}`, reader.token).expect(200)).body;
      expect(location.customers).toBe(scopedStats.byLocation.find((entry: { locationId: number }) => entry.locationId === fixture.locationId)?.count ?? 0);
      const all = (await send('GET', `/api/v1/locations/${fixture.locationId}?minPosition=${minPosition}`, fixture.superToken).expect(200)).body;
      expect(all.customers).toBeGreaterThan(location.customers);
      const listed = (await send('GET', `/api/v1/locations?minPosition=${minPosition}`, reader.token).expect(200)).body.items;
      expect(listed.find((item: { id: number }) => item.id === fixture.locationId).customers).toBe(location.customers);
    });
  });

  describe('roles across partners: no escalation through a shared role', () => {
    /** A partner-A admin holding `admins` and more (so role.forbidden is not what stops them). */
    async function partnerAManager(): Promise<Actor> {
      const role = `a-manager-${fixture.unique()}`;
      await send('POST', '/api/v1/roles', fixture.superToken, { name: role, permissions: ['admins', 'customers.read', 'customers.reveal_password'] }).expect(201);
      const email = `${role}@matrix.example`;
      const created = await send('POST', '/api/v1/admins', fixture.superToken, { email, name: 'A manager', role, partnerIds: [PARTNER_A], password: PASSWORD }).expect(201);
      return { id: created.body.id, token: (await testApp.login(email, PASSWORD)).accessToken, sessionId: '' };
    }

    it("a partner-A admin cannot add customers.reveal_password to a role an all-partner admin holds, nor strip it: nothing is written", async () => {
      const shared = `shared-${fixture.unique()}`;
      await send('POST', '/api/v1/roles', fixture.superToken, { name: shared, permissions: ['customers.read'] }).expect(201);
      const email = `holder-${fixture.unique()}@matrix.example`;
      await send('POST', '/api/v1/admins', fixture.superToken, { email, name: 'Holder', role: shared, password: PASSWORD }).expect(201);
      const holder = (await testApp.login(email, PASSWORD)).accessToken;
      const manager = await partnerAManager();
      const before = (await send('GET', '/api/v1/roles', fixture.superToken).expect(200)).body;

      const grant = await send('PATCH', `/api/v1/roles/${shared}`, manager.token, { permissions: ['customers.read', 'customers.reveal_password'] }).expect(403);
      expect(grant.body.rule).toBe('role.all_partners_required');
      const strip = await send('PATCH', `/api/v1/roles/${shared}`, manager.token, { permissions: [] }).expect(403);
      expect(strip.body.rule).toBe('role.all_partners_required');
      const remove = await send('DELETE', `/api/v1/roles/${shared}`, manager.token).expect(403);
      expect(remove.body.rule).toBe('role.all_partners_required');
      const define = await send('POST', '/api/v1/roles', manager.token, { name: `mine-${fixture.unique()}`, permissions: ['customers.read'] }).expect(403);
      expect(define.body.rule).toBe('role.all_partners_required');

      expect((await send('GET', '/api/v1/roles', fixture.superToken).expect(200)).body).toEqual(before);
      const theirs = await fixture.customer('new');
      await send('POST', `/api/v1/customers/${theirs.id}/password/reveal`, holder, { reason: 'escalation' }).expect(403);
    });

    it('a partner-A admin assigns only roles within its own permissions, and only to admins inside its partners', async () => {
      const manager = await partnerAManager();
      const email = `scoped-${fixture.unique()}@matrix.example`;
      const ours = (await send('POST', '/api/v1/admins', manager.token, { email, name: 'Ours', role: 'only-customers-read', partnerIds: [PARTNER_A], password: PASSWORD }).expect(201)).body.id;
      await send('PATCH', `/api/v1/admins/${ours}`, manager.token, { role: 'only-customers-reveal-password' }).expect(200);

      const beyond = await send('PATCH', `/api/v1/admins/${ours}`, manager.token, { role: 'only-customers-delete' }).expect(403);
      expect(beyond.body.rule).toBe('admin.forbidden');
      const everyPartner = await send('PATCH', `/api/v1/admins/${ours}`, manager.token, { partnerIds: [] }).expect(403);
      expect(everyPartner.body.rule).toBe('admin.forbidden');
      const created = await send('POST', '/api/v1/admins', manager.token, { email: `all-${email}`, name: 'All', role: 'only-customers-read', password: PASSWORD }).expect(403);
      expect(created.body.rule).toBe('admin.forbidden');
      const outside = await fixture.adminOfPartnerB('only-customers-read');
      const foreign = await send('PATCH', `/api/v1/admins/${outside}`, manager.token, { role: 'only-customers-reveal-password' }).expect(404);
      expect(foreign.body.rule).toBe('admin.not_found');
      expect((await send('GET', `/api/v1/admins/${outside}`, fixture.superToken).expect(200)).body.role).toBe('only-customers-read');
      expect((await send('GET', `/api/v1/admins/${ours}`, fixture.superToken).expect(200)).body.role).toBe('only-customers-reveal-password');
    });

    it('an admin over every partner with `admins` still edits shared roles within its own permissions', async () => {
      const editor = await actor('only-admins');
      const role = await fixture.freshRole();
      await send('PATCH', `/api/v1/roles/${role}`, editor.token, { label: 'Edited by all-partner admin' }).expect(200);
      const beyond = await send('PATCH', `/api/v1/roles/${role}`, editor.token, { permissions: ['admins', 'customers.reveal_password'] }).expect(403);
      expect(beyond.body.rule).toBe('role.forbidden');
    });
  });

  describe('reference data and uniqueness across partners', () => {
    it("a login or account number of partner B's customer is refused to a partner-A admin without saying whose it is", async () => {
      const creator = await actor('only-customers-create', [PARTNER_A]);
      const login = `held${fixture.unique()}`;
      const theirs = await send('POST', '/api/v1/customers', fixture.superToken, { fullName: 'Held', partnerId: PARTNER_B, locationId: fixture.locationId, login }).expect(201);
      fixture.partnerBCustomers.add(theirs.body.id);
      const accountNumber = theirs.body.voip?.accountNumber ?? (await send('GET', `/api/v1/customers/${theirs.body.id}`, fixture.superToken).expect(200)).body.voip.accountNumber;
      const ownLogin = `own${fixture.unique()}`;
      await send('POST', '/api/v1/customers', fixture.superToken, { fullName: 'Own', partnerId: PARTNER_A, locationId: fixture.locationId, login: ownLogin }).expect(201);

      const loginTaken = await send('POST', '/api/v1/customers', creator.token, { fullName: 'Guess', partnerId: PARTNER_A, locationId: fixture.locationId, login }).expect(409);
      expect(loginTaken.body.rule).toBe('customer.login.taken');
      expect(loginTaken.body.detail).not.toMatch(/customer|partner/i);
      const ownTaken = await send('POST', '/api/v1/customers', creator.token, { fullName: 'Guess', partnerId: PARTNER_A, locationId: fixture.locationId, login: ownLogin }).expect(409);
      expect(ownTaken.body.detail.replace(ownLogin, '<login>')).toBe(loginTaken.body.detail.replace(login, '<login>'));
      const { instance: _a, detail: _d, ...loginShape } = loginTaken.body;
      const { instance: _b, detail: _e, ...ownShape } = ownTaken.body;
      expect(loginShape).toEqual(ownShape);

      const numberTaken = await send('POST', '/api/v1/customers', creator.token, { fullName: 'Guess', partnerId: PARTNER_A, locationId: fixture.locationId, voip: { accountNumber } });
      expect(numberTaken.status).toBe(409);
      expect(numberTaken.body.rule).toBe('customer.account_number.taken');
      expect(numberTaken.body.detail).not.toMatch(/customer|partner/i);
    });

    it('a partner-A admin renames or deletes a location only partner-A customers use; one partner B uses is location.shared (no count), nothing written', async () => {
      const editor = await actor('only-reference-data', [PARTNER_A]);
      const ours = await fixture.freshLocation();
      await send('POST', '/api/v1/customers', fixture.superToken, { fullName: 'Here', partnerId: PARTNER_A, locationId: ours }).expect(201);
      await send('PATCH', `/api/v1/locations/${ours}`, editor.token, { name: `Ours ${fixture.unique()}` }).expect(200);
      expect((await send('DELETE', `/api/v1/locations/${ours}`, editor.token).expect(409)).body.rule).toBe('location.in_use');

      const shared = await fixture.freshLocation();
      const theirs = await send('POST', '/api/v1/customers', fixture.superToken, { fullName: 'There', partnerId: PARTNER_B, locationId: shared }).expect(201);
      fixture.partnerBCustomers.add(theirs.body.id);
      // Read once the read model shows the new customer (a plain GET may trail the write).
      const before = (await send('GET', `/api/v1/locations/${shared}?minPosition=${encodeURIComponent(theirs.body.position)}`, fixture.superToken).expect(200)).body;
      const renamed = await send('PATCH', `/api/v1/locations/${shared}`, editor.token, { name: `Taken over ${fixture.unique()}` }).expect(403);
      expect(renamed.body.rule).toBe('location.shared');
      expect(JSON.stringify(renamed.body)).not.toMatch(/"customers"|\b1 customer/);
      expect((await send('DELETE', `/api/v1/locations/${shared}`, editor.token).expect(403)).body.rule).toBe('location.shared');
      expect((await send('GET', `/api/v1/locations/${shared}`, fixture.superToken).expect(200)).body).toEqual(before);
      const reader = await actor('only-customers-read', [PARTNER_A]);
      const seen = (await send('GET', `/api/v1/locations/${shared}?minPosition=${encodeURIComponent(theirs.body.position)}`, reader.token).expect(200)).body;
      expect(seen.customers).toBe(0);

      const everywhere = await actor('only-reference-data');
      await send('PATCH', `/api/v1/locations/${shared}`, everywhere.token, { name: `Renamed by all ${fixture.unique()}` }).expect(200);
    });

    it("a partner-A admin cannot add a required additional field (which would break partner B's creates) nor change the customer settings", async () => {
      const editor = await actor('only-reference-data', [PARTNER_A]);
      const name = `req_${fixture.unique()}`;
      const refused = await send('POST', '/api/v1/additional-fields', editor.token, { name, label: 'Required', type: 'string', required: true }).expect(403);
      expect(refused.body.rule).toBe('reference_data.all_partners_required');
      const fields = (await send('GET', '/api/v1/additional-fields', fixture.superToken).expect(200)).body.items.map((item: { name: string }) => item.name);
      expect(fields).not.toContain(name);
      await send('POST', '/api/v1/customers', fixture.superToken, { fullName: 'Still fine', partnerId: PARTNER_B, locationId: fixture.locationId }).expect(201).then((created) => fixture.partnerBCustomers.add(created.body.id));
      const settings = (await send('GET', '/api/v1/settings/customers', fixture.superToken).expect(200)).body;
      expect((await send('PATCH', '/api/v1/settings/customers', editor.token, { pinLength: settings.pinLength === 4 ? 6 : 4 }).expect(403)).body.rule).toBe(
        'reference_data.all_partners_required',
      );
      expect((await send('GET', '/api/v1/settings/customers', fixture.superToken).expect(200)).body).toEqual(settings);
    });
  });

  describe('own credentials: a token alone does not change them (re-authentication)', () => {
    /** A fresh admin with `admins` over every partner, logged in: who changes their own account here. */
    async function freshSelf(): Promise<Actor & { email: string }> {
      const email = `self-${fixture.unique()}@matrix.example`;
      const created = await send('POST', '/api/v1/admins', fixture.superToken, { email, name: 'Self', role: 'only-admins', password: PASSWORD }).expect(201);
      return { id: created.body.id, token: (await testApp.login(email, PASSWORD)).accessToken, sessionId: '', email };
    }

    it.each([
      ['password', { password: 'a-brand-new-password' }],
      ['email', { email: 'taken-over@matrix.example' }],
    ])('PATCH /admins/{own id} changing the %s without currentPassword → 403 auth.reauthentication_required, nothing written', async (_what, patch) => {
      const self = await freshSelf();
      const before = (await send('GET', `/api/v1/admins/${self.id}`, fixture.superToken).expect(200)).body;
      const refused = await send('PATCH', `/api/v1/admins/${self.id}`, self.token, patch).expect(403);
      expect(refused.body).toMatchObject({ rule: 'auth.reauthentication_required' });
      expect(refused.body.detail).toMatch(/currentPassword/);
      const wrong = await send('PATCH', `/api/v1/admins/${self.id}`, self.token, { ...patch, currentPassword: 'not-my-password' }).expect(403);
      expect(wrong.body).toMatchObject({ rule: 'auth.reauthentication_required' });
      const after = (await send('GET', `/api/v1/admins/${self.id}`, fixture.superToken).expect(200)).body;
      expect(after).toEqual(before);
      await testApp.login(self.email, PASSWORD);
    });

    it('with the right currentPassword the change goes through; one\'s own name needs none', async () => {
      const self = await freshSelf();
      await send('PATCH', `/api/v1/admins/${self.id}`, self.token, { name: 'Renamed self' }).expect(200);
      await send('PATCH', `/api/v1/admins/${self.id}`, self.token, { password: 'a-brand-new-password', currentPassword: PASSWORD }).expect(200);
      await testApp.login(self.email, 'a-brand-new-password');
    });

    it("another admin's password is reset without the reset admin's password (an administrator's act, not re-authentication)", async () => {
      const target = await freshSelf();
      const manager = await actor('only-admins');
      await send('PATCH', `/api/v1/admins/${target.id}`, manager.token, { password: 'reset-by-an-admin' }).expect(200);
      await testApp.login(target.email, 'reset-by-an-admin');
    });
  });
});
