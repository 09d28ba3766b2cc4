/**
 * A reason on every change: any write body may carry `reason` (≤ 500 characters); it lands in the
 * event metadata and in the timeline entry, attributed to the admin who wrote. The customer settings
 * can require one for chosen actions (422 `reason.required`).
 */
import request from 'supertest';
import {
  API,
  createCustomer,
  customerStream,
  expectNothingWritten,
  expectProblem,
  fieldRules,
  seedReferenceData,
  startHarness,
  streamEvents,
  type Harness,
  type Reference,
} from './customers-e2e-support.js';

const PASSWORD = 'Second-admin-pass-42';

describe('reasons on every write', () => {
  let h: Harness;
  let ref: Reference;
  let second: Record<string, string>;
  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
    await h.post('/admins', { email: 'second@isp.example', name: 'Second Admin', role: 'manager', password: PASSWORD }).expect(201);
    const login = await request(h.testApp.app.getHttpServer()).post(`${API}/auth/login`).send({ email: 'second@isp.example', password: PASSWORD }).expect(200);
    second = { Authorization: `Bearer ${login.body.accessToken}` };
  });
  afterAll(async () => {
    await h?.close();
  });

  const lastEvent = async (id: number) => (await streamEvents(h.store, customerStream(id))).at(-1)!;
  const timeline = async (id: number, position: string) => (await h.get(`/customers/${id}/activity?minPosition=${position}`).expect(200)).body.items;

  it("two admins' edits are attributed, each with its reason, in the events and the timeline", async () => {
    const customer = await createCustomer(h, ref, { reason: 'Signed up at the shop' });
    expect((await lastEvent(customer.id)).metadata.reason).toBe('Signed up at the shop');
    const first = await h.patch(`/customers/${customer.id}`, { city: 'Lyon', reason: 'Moved (letter of 3 May)' }).expect(200);
    expect(first.body.city).toBe('Lyon');
    const secondEdit = await h.patch(`/customers/${customer.id}`, { city: 'Nice', reason: 'Customer called' }, second).expect(200);
    const events = await streamEvents(h.store, customerStream(customer.id));
    const edits = events.filter((event) => event.type === 'CustomerAddressChanged');
    expect(edits.map((event) => [event.metadata.actor?.name, event.metadata.reason])).toEqual([
      [expect.any(String), 'Moved (letter of 3 May)'],
      ['Second Admin', 'Customer called'],
    ]);
    expect(edits[0].metadata.actor?.id).not.toBe(edits[1].metadata.actor?.id);
    const items = await timeline(customer.id, secondEdit.body.position);
    expect(items[0]).toMatchObject({ type: 'CustomerAddressChanged', reason: 'Customer called', actor: { name: 'Second Admin' } });
    expect(items[0].summary).toContain('(reason: Customer called)');
    expect(items[1]).toMatchObject({ type: 'CustomerAddressChanged', reason: 'Moved (letter of 3 May)' });
    expect(items.at(-1)).toMatchObject({ type: 'CustomerCreated', reason: 'Signed up at the shop' });
  });

  it('comments, notes, contacts, addresses, additional fields and deletes take a reason the same way', async () => {
    const customer = await createCustomer(h, ref);
    const comment = await h.post(`/customers/${customer.id}/comments`, { text: 'Router swap', reason: 'Ticket 77' }).expect(201);
    expect((await lastEvent(customer.id)).metadata.reason).toBe('Ticket 77');
    await h.patch(`/customers/${customer.id}/comments/${comment.body.id}`, { text: 'Router swapped', reason: 'Done' }).expect(200);
    expect((await lastEvent(customer.id)).metadata.reason).toBe('Done');
    await h.del(`/customers/${customer.id}/comments/${comment.body.id}`, { reason: 'Duplicate' }).expect(200);
    expect((await lastEvent(customer.id))).toMatchObject({ type: 'CustomerCommentDeleted', metadata: { reason: 'Duplicate' } });
    await h.post(`/customers/${customer.id}/notes`, { text: 'Pays late', reason: 'Debt review' }).expect(201);
    expect((await lastEvent(customer.id)).metadata.reason).toBe('Debt review');
    await h.post(`/customers/${customer.id}/contacts`, { name: 'Bob', reason: 'New accountant' }).expect(201);
    expect((await lastEvent(customer.id)).metadata.reason).toBe('New accountant');
    await h.post(`/customers/${customer.id}/addresses`, { street: '1 Rue Haute', reason: 'Second site' }).expect(201);
    expect((await lastEvent(customer.id)).metadata.reason).toBe('Second site');
    // A dictionary body: `reason` is the write's reason, never an additional field of that name.
    await h.post('/additional-fields', { name: 'contract_no', label: 'Contract', type: 'string' }).expect(201);
    await h.put(`/customers/${customer.id}/additional-fields`, { contract_no: 'C-1', reason: 'Contract signed' }).expect(200);
    const fieldsEvent = await lastEvent(customer.id);
    expect(fieldsEvent).toMatchObject({ type: 'CustomerAdditionalFieldsChanged', metadata: { reason: 'Contract signed' } });
    expect(JSON.stringify(fieldsEvent.data)).not.toContain('"reason"');
    // Routes whose body already had a reason keep it in the data too.
    const status = await h.post(`/customers/${customer.id}/status`, { status: 'active', reason: 'Paid' }).expect(200);
    expect((await lastEvent(customer.id))).toMatchObject({ type: 'CustomerActivated', data: { reason: 'Paid' }, metadata: { reason: 'Paid' } });
    const items = await timeline(customer.id, status.body.position);
    expect(items.map((item: { reason: string | null }) => item.reason)).toEqual([
      'Paid',
      'Contract signed',
      'Second site',
      'New accountant',
      'Debt review',
      'Duplicate',
      'Done',
      'Ticket 77',
      null,
    ]);
  });

  it('reference data and admins record the reason too', async () => {
    const partner = await h.post('/partners', { name: 'Partner R', reason: 'New reseller' }).expect(201);
    const partnerEvents = await streamEvents(h.store, 'partners');
    expect(partnerEvents.at(-1)!.metadata.reason).toBe('New reseller');
    await h.patch(`/partners/${partner.body.id}`, { name: 'Partner R2', reason: 'Renamed by contract' }).expect(200);
    expect((await streamEvents(h.store, 'partners')).at(-1)!.metadata.reason).toBe('Renamed by contract');
  });

  it('refuses a reason that is not text or longer than 500 characters, writing nothing', async () => {
    const customer = await createCustomer(h, ref);
    const tooLong = await expectNothingWritten(h, customerStream(customer.id), () => h.patch(`/customers/${customer.id}`, { city: 'Metz', reason: 'x'.repeat(501) }));
    expectProblem(tooLong, 422, 'request.validation_failed');
    expect(fieldRules(tooLong)).toEqual(['reason:maxLength']);
    const notText = await expectNothingWritten(h, customerStream(customer.id), () => h.post(`/customers/${customer.id}/comments`, { text: 'x', reason: 42 }));
    expectProblem(notText, 422, 'request.validation_failed');
    expect(fieldRules(notText)).toEqual(['reason:type']);
    await h.patch(`/customers/${customer.id}`, { city: 'Metz', reason: 'x'.repeat(500) }).expect(200);
  });

  it('the customer settings can require a reason for chosen actions: 422 reason.required without one', async () => {
    const customer = await createCustomer(h, ref);
    const settings = await h.patch('/settings/customers', { reasonRequiredFor: ['EditCustomer', 'ChangeStatus'] }).expect(200);
    expect(settings.body.reasonRequiredFor).toEqual(['EditCustomer', 'ChangeStatus']);
    const unknown = await h.patch('/settings/customers', { reasonRequiredFor: ['FlyToTheMoon'] });
    expectProblem(unknown, 422);
    expect(fieldRules(unknown)).toEqual(['reasonRequiredFor:enum']);

    for (const reason of [undefined, '   ', null]) {
      const refused = await expectNothingWritten(h, customerStream(customer.id), () =>
        h.patch(`/customers/${customer.id}`, { city: 'Brest', ...(reason === undefined ? {} : { reason }) }),
      );
      expectProblem(refused, 422, 'reason.required');
      expect(refused.body.errors).toEqual([{ field: 'reason', rule: 'reason.required', message: expect.stringContaining('EditCustomer') }]);
    }
    const status = await expectNothingWritten(h, customerStream(customer.id), () => h.post(`/customers/${customer.id}/status`, { status: 'active' }));
    expectProblem(status, 422, 'reason.required');
    // Actions not listed need none; listed ones pass with one.
    await h.post(`/customers/${customer.id}/comments`, { text: 'no reason needed' }).expect(201);
    await h.patch(`/customers/${customer.id}`, { city: 'Brest', reason: 'Moved' }).expect(200);
    await h.post(`/customers/${customer.id}/status`, { status: 'active', reason: 'Paid' }).expect(200);
    await h.patch('/settings/customers', { reasonRequiredFor: [] }).expect(200);
    await h.patch(`/customers/${customer.id}`, { city: 'Caen' }).expect(200);
  });
});
