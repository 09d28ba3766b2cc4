/**
 * Status, billing type, lead conversion, delete / bulk delete / restore, impersonation, and the
 * auditors' stream reads (raw events, time travel). Every refused action leaves the stream unchanged.
 */
import {
  createCustomer,
  customerStream,
  customerWithStatus,
  expectNothingWritten,
  expectProblem,
  fieldRules,
  seedReferenceData,
  startHarness,
  streamEvents,
  uniqueLogin,
  type Harness,
  type Reference,
} from './customers-e2e-support.js';

describe('customer lifecycle', () => {
  let h: Harness;
  let ref: Reference;
  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  const refused = (id: number, send: () => ReturnType<Harness['post']>) => expectNothingWritten(h, customerStream(id), send);

  describe('POST /customers/{id}/status', () => {
    it('walks the allowed transitions, one past-tense event each, with reason and actor', async () => {
      const customer = await createCustomer(h, ref);
      const steps: [string, string][] = [
        ['active', 'CustomerActivated'],
        ['blocked', 'CustomerBlocked'],
        ['active', 'CustomerActivated'],
        ['inactive', 'CustomerDeactivated'],
        ['active', 'CustomerActivated'],
      ];
      for (const [status, type] of steps) {
        const response = await h.post(`/customers/${customer.id}/status`, { status, reason: `to ${status}` }).expect(200);
        expect(response.body.status).toBe(status);
        expect(response.headers.etag).toBe(`"${response.body.revision}"`);
        expect((await streamEvents(h.store, customerStream(customer.id))).at(-1)).toMatchObject({ type, data: { to: status, reason: `to ${status}` } });
      }
    });

    it.each([
      ['inactive', 'blocked', 'customer.status.transition_not_allowed'],
      ['active', 'active', 'customer.status.unchanged'],
      ['blocked', 'blocked', 'customer.status.unchanged'],
    ] as const)('refuses %s → %s: 409 %s', async (from, to, rule) => {
      const customer = await customerWithStatus(h, ref, from);
      const response = await refused(customer.id, () => h.post(`/customers/${customer.id}/status`, { status: to }));
      expectProblem(response, 409, rule);
    });

    it('refuses going back to new, unknown statuses, a missing status, a long reason, extra fields: 422', async () => {
      const customer = await createCustomer(h, ref);
      for (const body of [{ status: 'new' }, { status: 'deleted' }, {}, { status: 'active', reason: 'r'.repeat(501) }, { status: 'active', force: true }, { status: 1 }]) {
        expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/status`, body)), 422, 'request.validation_failed');
      }
    });

    it('If-Match stale: 412; unknown customer: 404', async () => {
      const customer = await createCustomer(h, ref);
      expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/status`, { status: 'active' }, { 'If-Match': '"5"' })), 412);
      await h.post(`/customers/${customer.id}/status`, { status: 'active' }, { 'If-Match': '"0"' }).expect(200);
      expectProblem(await h.post('/customers/987654/status', { status: 'active' }), 404, 'customer.not_found');
    });
  });

  describe('POST /customers/{id}/billing-type', () => {
    it('changes it (CustomerBillingTypeChanged); the same type writes nothing', async () => {
      const customer = await createCustomer(h, ref);
      const response = await h.post(`/customers/${customer.id}/billing-type`, { billingType: 'prepaid_daily', reason: 'asked' }).expect(200);
      expect(response.body.billingType).toBe('prepaid_daily');
      expect((await streamEvents(h.store, customerStream(customer.id))).at(-1)).toMatchObject({
        type: 'CustomerBillingTypeChanged',
        data: { from: 'recurring', to: 'prepaid_daily', reason: 'asked' },
      });
      const same = await refused(customer.id, () => h.post(`/customers/${customer.id}/billing-type`, { billingType: 'prepaid_daily' }));
      expect(same.status).toBe(200);
      expect(same.body.position).toBeNull();
    });

    it('refuses an unknown billing type: 422', async () => {
      const customer = await createCustomer(h, ref);
      const response = await refused(customer.id, () => h.post(`/customers/${customer.id}/billing-type`, { billingType: 'monthly' }));
      expectProblem(response, 422);
      expect(fieldRules(response)).toContain('billingType:enum');
    });
  });

  describe('leads', () => {
    it('converts a New customer to a lead and back', async () => {
      const customer = await createCustomer(h, ref);
      const lead = await h.post(`/customers/${customer.id}/convert-to-lead`, { reason: 'no contract yet' }).expect(200);
      expect(lead.body).toMatchObject({ isLead: true, status: 'new' });
      expect((await streamEvents(h.store, customerStream(customer.id))).at(-1)).toMatchObject({ type: 'CustomerConvertedToLead' });
      // A lead refuses what only customers do.
      expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/status`, { status: 'active' })), 409, 'customer.lead.not_a_customer');
      expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/impersonate`, {})), 409, 'customer.lead.not_a_customer');
      expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/convert-to-lead`, {})), 409, 'customer.lead.not_a_customer');
      const back = await h.post(`/customers/${customer.id}/convert-to-customer`, { status: 'active' }).expect(200);
      expect(back.body).toMatchObject({ isLead: false, status: 'active' });
    });

    it.each(['active', 'blocked', 'inactive'] as const)('refuses to convert a %s customer: 409 customer.convert_to_lead.requires_new', async (status) => {
      const customer = await customerWithStatus(h, ref, status);
      expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/convert-to-lead`, {})), 409, 'customer.convert_to_lead.requires_new');
    });

    it('refuses converting a non-lead back (409) and a bad status (422)', async () => {
      const customer = await createCustomer(h, ref);
      expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/convert-to-customer`, {})), 409, 'customer.lead.not_a_lead');
      expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/convert-to-customer`, { status: 'blocked' })), 422);
    });
  });

  describe('DELETE /customers/{id} and restore', () => {
    it.each(['new', 'active', 'blocked'] as const)('refuses to delete a %s customer: 409 customer.delete.requires_inactive', async (status) => {
      const customer = await customerWithStatus(h, ref, status);
      const response = await expectNothingWritten(h, customerStream(customer.id), () => h.del(`/customers/${customer.id}`));
      expectProblem(response, 409, 'customer.delete.requires_inactive');
    });

    it('deletes an Inactive customer; its login becomes free; a deleted customer refuses everything but restore', async () => {
      const login = uniqueLogin('gone');
      const customer = await customerWithStatus(h, ref, 'inactive', { login });
      // While it exists its login is held.
      expectProblem(await h.post('/customers', { fullName: 'X', partnerId: ref.partnerId, locationId: ref.locationId, login }), 409, 'customer.login.taken');
      const response = await h.del(`/customers/${customer.id}`, { reason: 'moved away' }).expect(200);
      expect(response.body).toMatchObject({ id: customer.id, deleted: true, deletedAt: expect.any(String), status: 'inactive' });
      expect((await streamEvents(h.store, customerStream(customer.id))).at(-1)).toMatchObject({ type: 'CustomerDeleted', data: { reason: 'moved away' } });
      for (const send of [
        () => h.del(`/customers/${customer.id}`),
        () => h.patch(`/customers/${customer.id}`, { fullName: 'Ghost' }),
        () => h.post(`/customers/${customer.id}/status`, { status: 'active' }),
        () => h.post(`/customers/${customer.id}/comments`, { text: 'hello' }),
        () => h.post(`/customers/${customer.id}/password/reveal`, {}),
      ]) {
        expectProblem(await expectNothingWritten(h, customerStream(customer.id), send), 409, 'customer.deleted');
      }
      // The login is free now.
      const successor = await createCustomer(h, ref, { login });
      expect(successor.login).toBe(login);
      // So the restore is refused: the login is taken meanwhile.
      expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/restore`, {})), 409, 'customer.login.taken');
    });

    it('restores a deleted customer whose login is still free, and takes the login back', async () => {
      const login = uniqueLogin('back');
      const customer = await customerWithStatus(h, ref, 'inactive', { login });
      await h.del(`/customers/${customer.id}`).expect(200);
      const restored = await h.post(`/customers/${customer.id}/restore`, { reason: 'came back' }).expect(200);
      expect(restored.body).toMatchObject({ deleted: false, login, status: 'inactive' });
      expect((await streamEvents(h.store, customerStream(customer.id))).at(-1)).toMatchObject({ type: 'CustomerRestored' });
      expectProblem(await h.post('/customers', { fullName: 'X', partnerId: ref.partnerId, locationId: ref.locationId, login }), 409, 'customer.login.taken');
      // Restoring a customer that is not deleted.
      expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/restore`, {})), 409, 'customer.restore.requires_deleted');
    });

    it('If-Match stale on delete: 412', async () => {
      const customer = await customerWithStatus(h, ref, 'inactive');
      expectProblem(await expectNothingWritten(h, customerStream(customer.id), () => h.del(`/customers/${customer.id}`, undefined, { 'If-Match': '"0"' })), 412);
    });

    it('a deleted customer keeps its account number (never reused)', async () => {
      const customer = await customerWithStatus(h, ref, 'inactive', { voip: { accountNumber: '8000000001' } });
      await h.del(`/customers/${customer.id}`).expect(200);
      expectProblem(await h.post('/customers', { fullName: 'X', partnerId: ref.partnerId, locationId: ref.locationId, voip: { accountNumber: '8000000001' } }), 409, 'customer.account_number.taken');
    });
  });

  describe('POST /customers/bulk-delete', () => {
    it('deletes the Inactive ones and refuses the others, with a result per id', async () => {
      const [inactive1, inactive2, active] = await Promise.all([
        customerWithStatus(h, ref, 'inactive'),
        customerWithStatus(h, ref, 'inactive'),
        customerWithStatus(h, ref, 'active'),
      ]);
      const activeBefore = await streamEvents(h.store, customerStream(active.id));
      const response = await h.post('/customers/bulk-delete', { ids: [inactive1.id, active.id, 987654, inactive2.id, inactive1.id], reason: 'cleanup' }).expect(200);
      expect(response.body).toEqual({
        results: [
          { id: inactive1.id, ok: true, revision: 2, position: expect.any(String) },
          { id: active.id, ok: false, error: { status: 409, rule: 'customer.delete.requires_inactive', detail: expect.any(String) } },
          { id: 987654, ok: false, error: { status: 404, rule: 'customer.not_found', detail: expect.any(String) } },
          { id: inactive2.id, ok: true, revision: 2, position: expect.any(String) },
        ],
        deleted: 2,
        refused: 2,
      });
      expect((await streamEvents(h.store, customerStream(inactive1.id))).at(-1)).toMatchObject({ type: 'CustomerDeleted', data: { reason: 'cleanup' } });
      expect((await streamEvents(h.store, customerStream(active.id))).map((event) => event.id)).toEqual(activeBefore.map((event) => event.id));
      expect(await streamEvents(h.store, customerStream(987654))).toEqual([]);
    });

    it('refuses a bad body: 422, nothing written', async () => {
      for (const body of [{}, { ids: [] }, { ids: ['1'] }, { ids: [0] }, { ids: [1], force: true }, { ids: Array.from({ length: 501 }, (_, index) => index + 1) }]) {
        expectProblem(await expectNothingWritten(h, 'customer-none', () => h.post('/customers/bulk-delete', body)), 422);
      }
    });
  });

  describe('POST /customers/{id}/impersonate', () => {
    it('issues a short-lived opaque portal token and records the act (not the token)', async () => {
      const customer = await customerWithStatus(h, ref, 'active');
      const before = Date.now();
      const response = await h.post(`/customers/${customer.id}/impersonate`, { reason: 'debug portal', ttlSeconds: 120 }).expect(201);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toMatchObject({ customerId: customer.id, tokenType: 'portal', token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), revision: 2 });
      const expiresAt = Date.parse(response.body.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 119_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 121_000);
      const event = (await streamEvents(h.store, customerStream(customer.id))).at(-1)!;
      expect(event).toMatchObject({ type: 'CustomerImpersonated', data: { reason: 'debug portal', expiresAt: response.body.expiresAt } });
      expect(JSON.stringify(event)).not.toContain(response.body.token);
      const second = await h.post(`/customers/${customer.id}/impersonate`, {}).expect(201);
      expect(second.body.token).not.toBe(response.body.token);
    });

    it('refuses a ttl out of bounds or of the wrong type: 422; an unknown customer: 404', async () => {
      const customer = await customerWithStatus(h, ref, 'active');
      for (const body of [{ ttlSeconds: 5 }, { ttlSeconds: 86400 }, { ttlSeconds: '60' }]) {
        expectProblem(await refused(customer.id, () => h.post(`/customers/${customer.id}/impersonate`, body)), 422);
      }
      expectProblem(await h.post('/customers/987654/impersonate', {}), 404, 'customer.not_found');
    });
  });

  describe('auditors: GET /customers/{id}/events and /state', () => {
    let customer: Record<string, any>;
    beforeAll(async () => {
      customer = await createCustomer(h, ref, { login: uniqueLogin('audit') });
      await h.patch(`/customers/${customer.id}`, { fullName: 'Renamed Once' }, { 'User-Agent': 'auditor-test', 'X-Correlation-Id': 'corr-audit' }).expect(200);
      await h.post(`/customers/${customer.id}/status`, { status: 'active' }).expect(200);
    });

    it('lists the raw stream with metadata (actor, ip, user agent, correlation id)', async () => {
      const response = await h.get(`/customers/${customer.id}/events`).expect(200);
      expect(response.body).toMatchObject({ customerId: customer.id, revision: 2, nextRevision: null });
      expect(response.body.events.map((event: { type: string }) => event.type)).toEqual(['CustomerCreated', 'CustomerMainInfoChanged', 'CustomerActivated']);
      expect(response.body.events[1]).toMatchObject({
        revision: 1,
        schemaVersion: 1,
        position: expect.any(String),
        recordedAt: expect.any(String),
        metadata: { actor: { id: expect.any(String) }, userAgent: 'auditor-test', correlationId: 'corr-audit', ip: expect.any(String) },
        data: { changes: [{ field: 'fullName', from: 'Jane Doe', to: 'Renamed Once' }] },
      });
      const page = await h.get(`/customers/${customer.id}/events?fromRevision=1&limit=1`).expect(200);
      expect(page.body.events.map((event: { revision: number }) => event.revision)).toEqual([1]);
      expect(page.body.nextRevision).toBe(2);
      // The list shape: items and nextCursor (events and nextRevision repeat them for one release).
      expect(page.body.items).toEqual(page.body.events);
      expect(page.body.nextCursor).toBe('2');
      const last = await h.get(`/customers/${customer.id}/events?cursor=${page.body.nextCursor}&limit=1`).expect(200);
      expect(last.body.items.map((event: { revision: number }) => event.revision)).toEqual([2]);
      expect(last.body.nextCursor).toBeNull();
    });

    it('time travel by revision and by time', async () => {
      const atZero = await h.get(`/customers/${customer.id}/state?revision=0`).expect(200);
      expect(atZero.body).toMatchObject({ id: customer.id, fullName: 'Jane Doe', status: 'new', revision: 0 });
      const events = await streamEvents(h.store, customerStream(customer.id));
      const asOf = events[1].recordedAt.toISOString();
      const atTime = await h.get(`/customers/${customer.id}/state?asOf=${encodeURIComponent(asOf)}`).expect(200);
      expect(atTime.body).toMatchObject({ fullName: 'Renamed Once', status: 'new', revision: 1 });
      const now = await h.get(`/customers/${customer.id}/state`).expect(200);
      expect(now.body).toMatchObject({ status: 'active', revision: 2 });
    });

    it('before the customer existed: 404; bad parameters: 422; unknown customer: 404', async () => {
      expectProblem(await h.get(`/customers/${customer.id}/state?asOf=2000-01-01T00:00:00Z`), 404, 'customer.not_found');
      expectProblem(await h.get(`/customers/${customer.id}/state?asOf=yesterday`), 422);
      expectProblem(await h.get(`/customers/${customer.id}/state?revision=-1`), 422);
      expectProblem(await h.get(`/customers/${customer.id}/events?limit=0`), 422);
      expectProblem(await h.get('/customers/987654/events'), 404, 'customer.not_found');
      expectProblem(await h.get('/customers/987654/state'), 404, 'customer.not_found');
    });
  });
});
