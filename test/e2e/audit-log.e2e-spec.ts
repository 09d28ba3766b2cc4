/**
 * The auditors' views: the audit log across customers and admins (filters, paging, partner scope,
 * CSV / NDJSON), a customer's history as CSV, the diff between two points of the history, and
 * revert (refused where the rules forbid it, accepted otherwise, linked to what it undid).
 */
import request from 'supertest';
import {
  API,
  createCustomer,
  customerStream,
  expectNothingWritten,
  expectProblem,
  seedReferenceData,
  startHarness,
  streamEvents,
  type Harness,
  type Reference,
} from './customers-e2e-support.js';

const PASSWORD = 'Audit-admin-pass-42';

interface LogItem {
  position: string;
  at: string;
  actor: { id: string; name: string } | null;
  ip: string | null;
  reason: string | null;
  streamId: string;
  customerId?: number;
  type: string;
  summary: string;
}

describe('audit log, history CSV, diff and revert', () => {
  let h: Harness;
  let ref: Reference;
  let second: { id: string; headers: Record<string, string> };
  let auditorA: Record<string, string>;
  let customerA: Record<string, any>;
  let customerB: Record<string, any>;
  let lastPosition: string;
  let between: string;
  let afterCreate: string;

  const login = async (email: string) => {
    const answer = await request(h.testApp.app.getHttpServer()).post(`${API}/auth/login`).send({ email, password: PASSWORD }).expect(200);
    return { Authorization: `Bearer ${answer.body.accessToken}` };
  };
  const log = async (query: string, headers?: Record<string, string>): Promise<{ items: LogItem[]; nextCursor: string | null }> => {
    const response = await h.get(`/audit/log?minPosition=${lastPosition}&limit=200&${query}`).set(headers ?? {});
    if (response.status !== 200) throw new Error(`audit log ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  };

  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
    const created = await h.post('/admins', { email: 'second@isp.example', name: 'Second Admin', role: 'administrator', password: PASSWORD }).expect(201);
    second = { id: created.body.id, headers: await login('second@isp.example') };
    await h.post('/roles', { name: 'auditor', label: 'Auditor', permissions: ['audit.read', 'customers.read'] }).expect(201);
    await h.post('/admins', { email: 'auditor-a@isp.example', name: 'Auditor A', role: 'auditor', partnerIds: [ref.partnerId], password: PASSWORD }).expect(201);
    auditorA = await login('auditor-a@isp.example');

    customerA = await createCustomer(h, ref, { city: 'Lyon', reason: 'Shop sign-up' });
    afterCreate = new Date().toISOString();
    customerB = await createCustomer(h, ref, { partnerId: ref.otherPartnerId, city: 'Oslo' });
    await h.patch(`/customers/${customerA.id}`, { city: 'Nice', reason: 'Moved' }).expect(200);
    between = new Date().toISOString();
    await h.patch(`/customers/${customerB.id}`, { city: 'Bergen', reason: 'Customer called' }, second.headers).expect(200);
    await h.post(`/customers/${customerA.id}/password/reveal`, { reason: 'Customer forgot it' }, second.headers).expect(200);
    const last = await h.post(`/customers/${customerB.id}/status`, { status: 'active', reason: 'Paid' }, second.headers).expect(200);
    lastPosition = last.body.position;
  });
  afterAll(async () => {
    await h?.close();
  });

  it("records logins and admins' own actions, with actor, ip and reason", async () => {
    const logins = await log(`type=AdminLoggedIn&actorId=${second.id}`);
    expect(logins.items.length).toBeGreaterThanOrEqual(1);
    expect(logins.items[0]).toMatchObject({ type: 'AdminLoggedIn', actor: { id: second.id, name: 'Second Admin' }, summary: 'Logged in', ip: expect.any(String) });
    expect(logins.items[0].customerId).toBeUndefined();
    const roles = await log('type=RoleDefined');
    expect(roles.items.map((item) => item.summary)).toEqual([expect.stringContaining('Role auditor defined')]);
  });

  it('filters by actor, event type, customer, partner and period', async () => {
    const bySecond = await log(`actorId=${second.id}`);
    expect(new Set(bySecond.items.map((item) => item.actor?.id))).toEqual(new Set([second.id]));
    expect(bySecond.items.map((item) => item.type)).toEqual(expect.arrayContaining(['CustomerActivated', 'CustomerPasswordRevealed', 'CustomerAddressChanged', 'AdminLoggedIn']));

    const reveals = await log('type=CustomerPasswordRevealed');
    expect(reveals.items).toEqual([expect.objectContaining({ type: 'CustomerPasswordRevealed', customerId: customerA.id, reason: 'Customer forgot it', actor: expect.objectContaining({ id: second.id }) })]);

    const ofCustomerB = await log(`customerId=${customerB.id}`);
    expect(ofCustomerB.items.map((item) => item.type)).toEqual(['CustomerActivated', 'CustomerAddressChanged', 'CustomerCreated']);
    expect(ofCustomerB.items.map((item) => item.reason)).toEqual(['Paid', 'Customer called', null]);

    const ofPartnerB = await log(`partnerId=${ref.otherPartnerId}`);
    expect(new Set(ofPartnerB.items.map((item) => item.customerId))).toEqual(new Set([customerB.id]));

    const sinceBetween = await log(`from=${encodeURIComponent(between)}&customerId=${customerA.id}`);
    expect(sinceBetween.items.map((item) => item.type)).toEqual(['CustomerPasswordRevealed']);
    const beforeBetween = await log(`to=${encodeURIComponent(between)}&customerId=${customerA.id}`);
    expect(beforeBetween.items.map((item) => item.type)).toEqual(['CustomerAddressChanged', 'CustomerCreated']);
    // Summaries say what and where, not the personal values.
    expect(beforeBetween.items[0].summary).toBe(`Address changed (city) on customer #${customerA.id}`);
    expect(JSON.stringify(beforeBetween.items)).not.toContain('Nice');
  });

  it('pages newest first with a keyset cursor', async () => {
    const all = await log('');
    const first = await h.get(`/audit/log?limit=2`).expect(200);
    expect(first.body.items).toHaveLength(2);
    const next = await h.get(`/audit/log?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    const positions = [...first.body.items, ...next.body.items].map((item: LogItem) => item.position);
    expect(positions).toEqual(all.items.slice(0, 4).map((item) => item.position));
    expect([...positions].sort().reverse()).toEqual(positions);
    expectProblem(await h.get('/audit/log?cursor=bm9wZQ'), 422);
    expectProblem(await h.get('/audit/log?format=xml'), 422);
  });

  it("a partner-limited auditor sees only its partners' customers", async () => {
    const seen = await log('', auditorA);
    expect(seen.items.length).toBeGreaterThan(0);
    expect(new Set(seen.items.map((item) => item.customerId))).toEqual(new Set([customerA.id]));
    expect((await log(`customerId=${customerB.id}`, auditorA)).items).toEqual([]);
    expect((await log(`partnerId=${ref.otherPartnerId}`, auditorA)).items).toEqual([]);
  });

  it('exports the selection as CSV and NDJSON', async () => {
    const json = await log(`customerId=${customerA.id}`);
    const csv = await h.get(`/audit/log?customerId=${customerA.id}&format=csv&minPosition=${lastPosition}`).expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('audit-log.csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('position,at,actorId,actorName,actorRole,ip,reason,streamId,customerId,type,summary');
    expect(lines).toHaveLength(json.items.length + 1);
    expect(lines[1]).toContain('CustomerPasswordRevealed');
    const ndjson = await h.get(`/audit/log?customerId=${customerA.id}&format=ndjson&minPosition=${lastPosition}`).expect(200);
    expect(ndjson.headers['content-type']).toContain('application/x-ndjson');
    const parsed = ndjson.text.trim().split('\n').map((line) => JSON.parse(line));
    expect(parsed).toEqual(json.items);
  });

  it("exports a customer's history as CSV: one row per field change", async () => {
    const csv = await h.get(`/customers/${customerA.id}/audit/export?format=csv`).expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('revision,at,actorId,actorName,ip,reason,event,field,from,to');
    const cityChange = lines.find((line) => line.includes('CustomerAddressChanged'));
    expect(cityChange).toMatch(/,Moved,CustomerAddressChanged,city,Lyon,Nice$/);
    expect(lines.some((line) => line.includes('CustomerPasswordRevealed,,,'))).toBe(true);
  });

  it('diffs the customer between two times and two revisions', async () => {
    const byTime = await h.get(`/customers/${customerA.id}/diff?from=${encodeURIComponent(afterCreate)}&to=${encodeURIComponent(between)}`).expect(200);
    expect(byTime.body.changes).toEqual([{ field: 'city', from: 'Lyon', to: 'Nice' }]);
    expect(byTime.body.from.revision).toBe(0);
    const byRevision = await h.get(`/customers/${customerB.id}/diff?from=0&to=2`).expect(200);
    expect(byRevision.body.changes).toEqual(
      expect.arrayContaining([
        { field: 'city', from: 'Oslo', to: 'Bergen' },
        { field: 'status', from: 'new', to: 'active' },
      ]),
    );
    expectProblem(await h.get(`/customers/${customerA.id}/diff?from=yesterday&to=1`), 422);
  });

  it('refuses a revert the rules forbid, writing nothing', async () => {
    // New → Active cannot be undone: nothing returns to New.
    const activation = (await streamEvents(h.store, customerStream(customerB.id))).find((event) => event.type === 'CustomerActivated')!;
    const refused = await expectNothingWritten(h, customerStream(customerB.id), () => h.post(`/customers/${customerB.id}/revert`, { revision: activation.revision }));
    expectProblem(refused, 409, 'customer.status.transition_not_allowed');
    expectProblem(await h.post(`/customers/${customerB.id}/revert`, { revision: 0 }), 409, 'customer.revert.not_revertible');
    expectProblem(await h.post(`/customers/${customerB.id}/revert`, { revision: 99 }), 404, 'customer.revert.revision.not_found');
  });

  it('says on each timeline entry whether it can be reverted: a payment not, a field edit yes', async () => {
    const customer = await createCustomer(h, ref, { city: 'Arles' });
    const edit = await h.patch(`/customers/${customer.id}`, { city: 'Brest' }).expect(200);
    const payment = await h.post(`/customers/${customer.id}/payments`, { amount: 12.5, method: 'cash' }).expect(201);
    const timeline = await h.get(`/customers/${customer.id}/activity?minPosition=${payment.body.position}`).expect(200);
    const entryAt = (revision: number) => timeline.body.items.find((item: { revision: number }) => item.revision === revision);
    expect(entryAt(edit.body.revision)).toMatchObject({ type: 'CustomerAddressChanged', revertible: true });
    const paymentEntry = timeline.body.items.find((item: { type: string }) => item.type === 'PaymentRecorded');
    expect(paymentEntry).toMatchObject({ revertible: false });
    expect(entryAt(0)).toMatchObject({ type: 'CustomerCreated', revertible: false });
    // What the entry says is what the revert answers.
    expectProblem(await h.post(`/customers/${customer.id}/revert`, { revision: paymentEntry.revision }), 409, 'customer.revert.not_revertible');
  });

  it('accepts a revert: compensating events linked to what they undid, shown on the timeline', async () => {
    const customer = await createCustomer(h, ref, { city: 'Arles' });
    const first = await h.patch(`/customers/${customer.id}`, { city: 'Brest' }).expect(200);
    const changed = await h.patch(`/customers/${customer.id}`, { city: 'Caen', zipCode: '14000' }).expect(200);
    const superseded = await h.post(`/customers/${customer.id}/revert`, { revision: first.body.revision });
    expectProblem(superseded, 409, 'customer.revert.superseded');
    expectProblem(await h.post(`/customers/${customer.id}/revert`, { revision: changed.body.revision }, { 'If-Match': `"${first.body.revision}"` }), 412);

    const reverted = await h.post(`/customers/${customer.id}/revert`, { revision: changed.body.revision, reason: 'Wrong customer' }, { 'If-Match': `"${changed.body.revision}"` }).expect(200);
    expect(reverted.body).toMatchObject({ city: 'Brest', zipCode: null, revision: changed.body.revision + 1 });
    const events = await streamEvents(h.store, customerStream(customer.id));
    const undone = events.find((event) => event.revision === changed.body.revision)!;
    expect(events.at(-1)).toMatchObject({ type: 'CustomerAddressChanged', metadata: { revertedRevision: changed.body.revision, causationId: undone.id, reason: 'Wrong customer' } });

    const timeline = await h.get(`/customers/${customer.id}/activity?minPosition=${reverted.body.position}`).expect(200);
    expect(timeline.body.items[0]).toMatchObject({ revertedRevision: changed.body.revision, reason: 'Wrong customer' });
    expect(timeline.body.items[0].summary).toContain(`(reverts revision ${changed.body.revision})`);
    expectProblem(await h.post(`/customers/${customer.id}/revert`, { revision: changed.body.revision }), 409, 'customer.revert.already_reverted');
    // The first change is the latest again: it can be reverted now.
    await h.post(`/customers/${customer.id}/revert`, { revision: first.body.revision }).expect(200);
    const state = await h.get(`/customers/${customer.id}/state`).expect(200);
    expect(state.body.city).toBe('Arles');
  });
});
