/**
 * The portal door of "login as customer": the token POST /customers/{id}/impersonate issues opens
 * GET /portal/me for that customer only, until it expires or is ended; admin tokens and portal
 * tokens never stand in for each other.
 */
import { sql } from 'kysely';
import request from 'supertest';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { customerWithStatus, expectProblem, seedReferenceData, startHarness, type Harness, type Reference } from './customers-e2e-support.js';

const API = '/api/v1';

describe('portal: GET /portal/me with an impersonation token', () => {
  let h: Harness;
  let ref: Reference;
  const portal = (token?: string) => {
    const test = request(h.testApp.app.getHttpServer()).get(`${API}/portal/me`);
    return token ? test.set('Authorization', `Bearer ${token}`) : test;
  };

  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers the customer's own account for the token, and nothing once the session ended", async () => {
    const customer = await customerWithStatus(h, ref, 'active');
    const { body } = await h.post(`/customers/${customer.id}/impersonate`, { reason: 'help with the portal' }).expect(201);

    const me = await portal(body.token).expect(200);
    expect(me.headers['cache-control']).toBe('no-store');
    expect(me.body).toMatchObject({ customerId: customer.id, login: customer.login, status: 'active', session: { impersonated: true, expiresAt: body.expiresAt } });
    expect(me.body).not.toHaveProperty('notes');

    // The portal token opens nothing on the admin API.
    expectProblem(await request(h.testApp.app.getHttpServer()).get(`${API}/customers/${customer.id}`).set('Authorization', `Bearer ${body.token}`), 401, 'auth.invalid_token');

    await request(h.testApp.app.getHttpServer()).post(`${API}/portal/logout`).set('Authorization', `Bearer ${body.token}`).expect(204);
    expectProblem(await portal(body.token), 401, 'portal.invalid_token');
    expectProblem(await request(h.testApp.app.getHttpServer()).post(`${API}/portal/logout`).set('Authorization', `Bearer ${body.token}`), 401, 'portal.invalid_token');
  });

  it('refuses no token, an admin access token, a made-up token and an expired one: 401 portal.invalid_token', async () => {
    const customer = await customerWithStatus(h, ref, 'active');
    const { body } = await h.post(`/customers/${customer.id}/impersonate`, {}).expect(201);
    const missing = await portal();
    expectProblem(missing, 401, 'portal.invalid_token');
    expect(missing.headers['www-authenticate']).toContain('chronicle-portal');
    expectProblem(await portal(h.headers.Authorization.replace(/^Bearer /, '')), 401, 'portal.invalid_token');
    expectProblem(await portal('x'.repeat(43)), 401, 'portal.invalid_token');

    await portal(body.token).expect(200);
    const database = h.testApp.app.get<Database>(DATABASE);
    await sql`UPDATE customer_portal_tokens SET expires_at = now() - interval '1 second' WHERE customer_id = ${customer.id}`.execute(database.db);
    expectProblem(await portal(body.token), 401, 'portal.invalid_token');
  });

  it("ends with the customer: a deleted customer's token opens nothing", async () => {
    const customer = await customerWithStatus(h, ref, 'inactive');
    const { body } = await h.post(`/customers/${customer.id}/impersonate`, {}).expect(201);
    const deleted = await h.del(`/customers/${customer.id}`, { reason: 'left' }).expect(200);
    // The portal reads the profile read model: wait until it shows the deletion.
    await h.get(`/customers/${customer.id}?minPosition=${encodeURIComponent(deleted.body.position)}`).expect(404);
    expectProblem(await portal(body.token), 401, 'portal.invalid_token');
  });
});
