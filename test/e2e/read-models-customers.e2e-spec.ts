/**
 * The read side end to end: customers created and edited through the HTTP write API, then list /
 * search / filter / sort / page / profile / timeline / stats read back with ?minPosition= (every
 * read waits for exactly the write before it; no sleeps anywhere).
 */
import request from 'supertest';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { CustomerReadModels } from '../../src/customers/queries/customer-read-models.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('read models over HTTP (list, search, profile, timeline, stats, read-your-writes)', () => {
  let testApp: TestApp;
  let token: string;
  /** The position of the last write: every read below passes it as minPosition. */
  let position = '';
  const ids: Record<string, number> = {};
  let north: number;
  let south: number;
  let riga: number;
  let tallinn: number;

  const http = () => request(testApp.app.getHttpServer());
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${token}`);

  /** A write through the API; remembers its position. */
  async function write(method: 'post' | 'patch' | 'put' | 'delete', path: string, body?: object): Promise<Record<string, any>> {
    const response = await auth(http()[method](`/api/v1${path}`)).send(body ?? {});
    if (response.status >= 300) throw new Error(`${method.toUpperCase()} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    expect(typeof response.body.position).toBe('string');
    position = response.body.position;
    return response.body;
  }

  /** A read with ?minPosition=<last write>. */
  function read(path: string, query: Record<string, string | number | boolean> = {}) {
    return auth(http().get(`/api/v1${path}`)).query({ ...query, minPosition: position });
  }

  async function list(query: Record<string, string | number | boolean> = {}): Promise<Record<string, any>> {
    const response = await read('/customers', query);
    expect(response.status).toBe(200);
    return response.body;
  }

  const idsOf = (body: Record<string, any>) => (body.items as Array<{ id: number }>).map((item) => item.id);

  beforeAll(async () => {
    testApp = await startTestApp({ env: { READ_YOUR_WRITES_TIMEOUT_MS: '3000' } });
    // Every request as the first super-administrator (the endpoints declare customers.read).
    token = await testApp.adminToken();

    north = (await write('post', '/partners', { name: 'North ISP' })).id;
    south = (await write('post', '/partners', { name: 'South ISP' })).id;
    riga = (await write('post', '/locations', { name: 'Riga' })).id;
    tallinn = (await write('post', '/locations', { name: 'Tallinn' })).id;
    await write('post', '/additional-fields', { name: 'contract_id', label: 'Contract ID', type: 'string', showInList: true });
    await write('post', '/additional-fields', { name: 'floors', label: 'Floors', type: 'integer' });

    const create = async (key: string, body: object) => {
      ids[key] = (await write('post', '/customers', body)).id;
    };
    await create('jane', {
      fullName: 'Jane Müller',
      partnerId: north,
      locationId: riga,
      emails: ['jane@example.com'],
      phones: ['+371 2000-1234'],
      street: '1 Brivibas iela',
      city: 'Riga',
      zipCode: 'LV-1010',
      labels: ['vip'],
      additionalFields: { contract_id: 'C-100', floors: 2 },
    });
    await create('acme', { fullName: 'Acme Networks Ltd', category: 'company', partnerId: south, locationId: tallinn, emails: ['noc@acme.example'], city: 'Tallinn', billingType: 'prepaid_custom' });
    await create('bob', { fullName: 'Bob Stone', partnerId: north, locationId: tallinn, phones: ['+44 20 7946 0000'], city: 'Tallinn', labels: ['vip', 'priority'] });
    await create('carla', { fullName: 'Carla Diaz', partnerId: south, locationId: riga, emails: ['carla@mail.example'], city: 'Jurmala' });
    await create('dan', { fullName: 'Dan Brown', partnerId: north, locationId: riga, city: 'Riga' });
    await create('eve', { fullName: 'Eve Adams', partnerId: north, locationId: riga, city: 'Riga', billingType: 'prepaid_daily' });

    // Edits through the API, one event per concern.
    await write('patch', `/customers/${ids.jane}`, { emails: ['jane.m@example.org'], city: 'Jurmala' });
    await write('post', `/customers/${ids.jane}/status`, { status: 'active', reason: 'paid' });
    await write('post', `/customers/${ids.jane}/comments`, { text: 'Called about the router' });
    await write('post', `/customers/${ids.jane}/notes`, { text: 'Owes 20 EUR', kind: 'debtor', popup: true });
    await write('post', `/customers/${ids.jane}/cap`, { megabytes: 500, reason: 'outage compensation' });
    await write('post', `/customers/${ids.jane}/hardware`, { itemId: 'HW-1', productName: 'Router X', barcode: 'BC1' });
    await write('post', `/customers/${ids.jane}/contacts`, { name: 'Mary', role: 'accountant' });
    await write('post', `/customers/${ids.jane}/addresses`, { street: '5 Side Road', city: 'Tartu', label: 'Office' });
    await write('post', `/customers/${ids.jane}/payments`, { amount: 25 });
    await write('post', `/customers/${ids.bob}/status`, { status: 'active' });
    await write('post', `/customers/${ids.bob}/status`, { status: 'blocked', reason: 'unpaid invoice' });
    await write('post', `/customers/${ids.acme}/status`, { status: 'active' });
    await write('post', `/customers/${ids.carla}/payments`, { amount: 7.5 });
    await write('post', `/customers/${ids.dan}/status`, { status: 'inactive', reason: 'moved away' });
    await write('delete', `/customers/${ids.dan}`, { reason: 'closed' });
  }, 120_000);

  afterAll(async () => {
    await testApp?.close();
  });

  it('lists customers (deleted left out), with the list columns and the showInList additional fields', async () => {
    const body = await list({ total: true });
    expect(idsOf(body)).toEqual([ids.jane, ids.acme, ids.bob, ids.carla, ids.eve]);
    expect(body.total).toBe(5);
    expect(body.nextCursor).toBeNull();
    const jane = body.items[0];
    expect(jane).toMatchObject({
      id: ids.jane,
      fullName: 'Jane Müller',
      status: 'active',
      billingType: 'recurring',
      category: 'person',
      partnerId: north,
      locationId: riga,
      emails: ['jane.m@example.org'],
      phones: ['+371 2000-1234'],
      city: 'Jurmala',
      zipCode: 'LV-1010',
      balance: 25,
      labels: ['vip'],
      additionalFields: { contract_id: 'C-100' },
      deleted: false,
      isLead: false,
    });
    expect(typeof jane.login).toBe('string');
    expect(typeof jane.accountNumber).toBe('string');
    expect(jane.revision).toBeGreaterThanOrEqual(10);
    expect(idsOf(await list({ includeDeleted: true }))).toContain(ids.dan);
  });

  it('filters by status, partner, location, billing type, category and labels (combined with AND)', async () => {
    expect(idsOf(await list({ status: 'active' }))).toEqual([ids.jane, ids.acme]);
    expect(idsOf(await list({ status: 'active,blocked' }))).toEqual([ids.jane, ids.acme, ids.bob]);
    expect(idsOf(await list({ partnerId: south }))).toEqual([ids.acme, ids.carla]);
    expect(idsOf(await list({ locationId: tallinn }))).toEqual([ids.acme, ids.bob]);
    expect(idsOf(await list({ billingType: 'prepaid_custom,prepaid_daily' }))).toEqual([ids.acme, ids.eve]);
    expect(idsOf(await list({ category: 'company' }))).toEqual([ids.acme]);
    expect(idsOf(await list({ labels: 'vip' }))).toEqual([ids.jane, ids.bob]);
    expect(idsOf(await list({ labels: 'vip,priority' }))).toEqual([ids.bob]);
    expect(idsOf(await list({ partnerId: north, locationId: riga, total: true }))).toEqual([ids.jane, ids.eve]);
  });

  it('searches name, login, email, phone digits, address, city and account number, with partial words', async () => {
    expect(idsOf(await list({ q: 'müll' }))).toEqual([ids.jane]);
    expect(idsOf(await list({ q: 'MÜLLER' }))).toEqual([ids.jane]);
    expect(idsOf(await list({ q: 'acme.exa' }))).toEqual([ids.acme]);
    expect(idsOf(await list({ q: 'example.org' }))).toEqual([ids.jane]);
    expect(idsOf(await list({ q: 'jurmala' }))).toEqual([ids.jane, ids.carla]);
    expect(idsOf(await list({ q: 'jurm carla' }))).toEqual([ids.carla]);
    expect(idsOf(await list({ q: 'brivibas' }))).toEqual([ids.jane]);
    expect(idsOf(await list({ q: 'LV-1010' }))).toEqual([ids.jane]);
    // Phone digits, whatever the formatting on either side.
    expect(idsOf(await list({ q: '20001234' }))).toEqual([ids.jane]);
    expect(idsOf(await list({ q: '+371 2000 1234' }))).toEqual([ids.jane]);
    expect(idsOf(await list({ q: '7946-0000' }))).toEqual([ids.bob]);
    // Login and account number, as the write side generated them.
    const bob = (await read(`/customers/${ids.bob}`)).body;
    expect(idsOf(await list({ q: bob.login }))).toContain(ids.bob);
    expect(idsOf(await list({ q: bob.voip.accountNumber }))).toEqual([ids.bob]);
    // Search combines with filters; no match is an empty page.
    expect(idsOf(await list({ q: 'riga', status: 'new' }))).toEqual([ids.eve]);
    expect(await list({ q: 'nobody-like-this', total: true })).toEqual({ items: [], nextCursor: null, total: 0 });
    // LIKE wildcards are literal.
    expect(idsOf(await list({ q: '%' }))).toEqual([]);
  });

  it('sorts by a listed column, ascending or descending', async () => {
    expect(idsOf(await list({ sort: 'fullName' }))).toEqual([ids.acme, ids.bob, ids.carla, ids.eve, ids.jane]);
    expect(idsOf(await list({ sort: '-fullName' }))).toEqual([ids.jane, ids.eve, ids.carla, ids.bob, ids.acme]);
    // Ties (balance 0) follow the id, in the same direction.
    expect(idsOf(await list({ sort: '-balance' }))).toEqual([ids.jane, ids.carla, ids.eve, ids.bob, ids.acme]);
    expect(idsOf(await list({ sort: '-id' }))).toEqual([ids.eve, ids.carla, ids.bob, ids.acme, ids.jane]);
    expect(idsOf(await list({ sort: 'city' }))).toEqual([ids.jane, ids.carla, ids.eve, ids.acme, ids.bob]);
  });

  it('pages with an opaque keyset cursor: every customer once, in order, for any sort', async () => {
    for (const sort of ['id', '-fullName', 'city', '-balance', 'status', 'updatedAt']) {
      const everything = idsOf(await list({ sort }));
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await list({ sort, limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...idsOf(page));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 10);
      expect({ sort, seen }).toEqual({ sort, seen: everything });
      expect(pages).toBe(3);
    }
    const first = await list({ sort: 'fullName', limit: 2 });
    const wrongSort = await read('/customers', { sort: 'id', cursor: first.nextCursor });
    expect(wrongSort.status).toBe(422);
    expect((await read('/customers', { cursor: 'not-a-cursor' })).status).toBe(422);
  });

  it('answers the profile with ETag = revision, alerts, labels, CAP total and balance; 404 when absent or deleted', async () => {
    const response = await read(`/customers/${ids.jane}`);
    expect(response.status).toBe(200);
    const profile = response.body;
    expect(response.headers.etag).toBe(`"${profile.revision}"`);
    expect(profile).toMatchObject({
      id: ids.jane,
      fullName: 'Jane Müller',
      status: 'active',
      emails: ['jane.m@example.org'],
      city: 'Jurmala',
      balance: 25,
      additionalFields: { contract_id: 'C-100', floors: 2 },
      additionalFieldLabels: { contract_id: 'Contract ID', floors: 'Floors' },
      comments: [expect.objectContaining({ text: 'Called about the router' })],
      notes: [expect.objectContaining({ text: 'Owes 20 EUR', kind: 'debtor', popup: true })],
      alerts: [expect.objectContaining({ text: 'Owes 20 EUR' })],
      cap: { grants: [expect.objectContaining({ megabytes: 500, reason: 'outage compensation', revoked: false })], bonusMegabytesTotal: 500 },
      hardware: [expect.objectContaining({ itemId: 'HW-1', productName: 'Router X' })],
      contacts: [expect.objectContaining({ name: 'Mary', role: 'accountant' })],
      addresses: [expect.objectContaining({ street: '5 Side Road', city: 'Tartu' })],
    });
    expect(profile.voip.pin).toBeUndefined();
    expect(profile.password).toBeUndefined();
    expect(profile.passwordCiphertext).toBeUndefined();

    const sections = await Promise.all(['comments', 'notes', 'cap', 'hardware', 'contacts', 'addresses'].map((section) => read(`/customers/${ids.jane}/${section}`)));
    for (const section of sections) expect(section.status).toBe(200);
    expect(sections[0].body.items).toEqual(profile.comments);
    expect(sections[1].body).toMatchObject({ items: profile.notes, alerts: profile.alerts });
    expect(sections[2].body).toEqual(profile.cap);
    expect(sections[3].body.items).toEqual(profile.hardware);
    expect(sections[4].body.items).toEqual(profile.contacts);
    expect(sections[5].body.items).toEqual(profile.addresses);

    const missing = await read('/customers/999999');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.body).toMatchObject({ status: 404, rule: 'customer.not_found' });
    expect((await read(`/customers/${ids.dan}`)).status).toBe(404);
    // Ids no customer can have are 404 too; a non-number is a malformed request.
    expect((await read('/customers/99999999999')).body).toMatchObject({ status: 404, rule: 'customer.not_found' });
    expect((await read('/customers/0/activity')).status).toBe(404);
    expect((await read('/customers/abc')).status).toBe(400);
    const deleted = await read(`/customers/${ids.dan}`, { includeDeleted: true });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: ids.dan, deleted: true, status: 'inactive' });
  });

  it('answers the activity timeline newest first, in plain English, with actor and changes; filters and pages', async () => {
    const response = await read(`/customers/${ids.bob}/activity`);
    expect(response.status).toBe(200);
    const items = response.body.items as Array<Record<string, any>>;
    expect(items.map((item) => item.type)).toEqual(['CustomerBlocked', 'CustomerActivated', 'CustomerCreated']);
    expect(items.map((item) => item.revision)).toEqual([2, 1, 0]);
    expect(items[0]).toMatchObject({
      type: 'CustomerBlocked',
      changes: [{ field: 'status', from: 'active', to: 'blocked' }],
    });
    expect(items[0].summary).toMatch(/^Status changed from Active to Blocked( by .+)? \(reason: unpaid invoice\)$/);
    expect(items[0].actor).toEqual(expect.objectContaining({ id: expect.any(String), name: expect.any(String) }));
    expect(typeof items[0].position).toBe('string');
    expect(Date.parse(items[0].at)).not.toBeNaN();

    const jane = (await read(`/customers/${ids.jane}/activity`, { limit: 100 })).body.items as Array<Record<string, any>>;
    const summaries = jane.map((item) => item.summary.replace(/ by [^(]*?(?= \(|$)/, ''));
    expect(summaries).toEqual(
      expect.arrayContaining([
        'Email changed from jane@example.com to jane.m@example.org',
        'City changed from Riga to Jurmala',
        'Status changed from New to Active (reason: paid)',
        'Comment added',
        'Debtor note added (shown as a pop-up alert)',
      ]),
    );

    const onlyStatus = (await read(`/customers/${ids.jane}/activity`, { types: 'CustomerActivated,CustomerBlocked' })).body.items;
    expect(onlyStatus.map((item: { type: string }) => item.type)).toEqual(['CustomerActivated']);

    const first = await read(`/customers/${ids.jane}/activity`, { limit: 4 });
    expect(first.body.items).toHaveLength(4);
    const second = await read(`/customers/${ids.jane}/activity`, { limit: 100, cursor: first.body.nextCursor });
    expect([...first.body.items, ...second.body.items]).toEqual(jane);
    expect(second.body.nextCursor).toBeNull();

    const created = jane[jane.length - 1];
    const after = (await read(`/customers/${ids.jane}/activity`, { limit: 100, from: new Date(Date.parse(created.at) + 1).toISOString() })).body.items;
    expect(after).toHaveLength(jane.filter((item) => Date.parse(item.at) > Date.parse(created.at)).length);
    const until = (await read(`/customers/${ids.jane}/activity`, { limit: 100, to: new Date(Date.parse(created.at) + 1).toISOString() })).body.items;
    expect(until.map((item: { type: string }) => item.type)).toContain('CustomerCreated');

    expect((await read('/customers/999999/activity')).status).toBe(404);
    // A deleted customer's history stays readable.
    expect((await read(`/customers/${ids.dan}/activity`)).body.items[0].type).toBe('CustomerDeleted');
  });

  it('counts customers per status, billing type, category, partner and location (deleted excluded)', async () => {
    const response = await read('/customers/stats');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      total: 5,
      byStatus: { new: 2, active: 2, blocked: 1, inactive: 0 },
      byBillingType: { recurring: 3, prepaid_custom: 1, prepaid_daily: 1 },
      byCategory: { person: 4, company: 1 },
      byPartner: [
        { partnerId: north, count: 3 },
        { partnerId: south, count: 2 },
      ].sort((a, b) => a.partnerId - b.partnerId),
      byLocation: [
        { locationId: riga, count: 3 },
        { locationId: tallinn, count: 2 },
      ].sort((a, b) => a.locationId - b.locationId),
      leads: 0,
    });
  });

  it("answers a partner-restricted admin (req.actor.partnerIds) with their partners' customers only", async () => {
    const readModels = testApp.app.get(CustomerReadModels);
    expect((await readModels.list({}, [south])).items.map((item) => item.id)).toEqual([ids.acme, ids.carla]);
    expect((await readModels.list({ partnerId: [north], total: true }, [south])).total).toBe(0);
    expect(await readModels.profile(ids.jane, [south])).toBeNull();
    expect(await readModels.profile(ids.carla, [south])).toMatchObject({ id: ids.carla });
    expect(await readModels.exists(ids.jane, [south])).toBe(false);
    expect(await readModels.stats([south])).toEqual({
      total: 2,
      byStatus: { new: 1, active: 1, blocked: 0, inactive: 0 },
      byBillingType: { recurring: 1, prepaid_custom: 1, prepaid_daily: 0 },
      byCategory: { person: 1, company: 1 },
      byPartner: [{ partnerId: south, count: 2 }],
      byLocation: [
        { locationId: riga, count: 1 },
        { locationId: tallinn, count: 1 },
      ].sort((a, b) => a.locationId - b.locationId),
      leads: 0,
    });
  });

  it('serves reference data from its projection', async () => {
    const partners = (await read('/partners')).body;
    expect(partners.items).toEqual([
      expect.objectContaining({ id: north, name: 'North ISP', deleted: false, customers: 3 }),
      expect.objectContaining({ id: south, name: 'South ISP', deleted: false, customers: 2 }),
    ]);
    expect((await read(`/partners/${north}`)).body).toMatchObject({ id: north, name: 'North ISP' });
    expect((await read('/partners/999')).status).toBe(404);
    expect((await read('/locations')).body.items.map((item: { name: string }) => item.name)).toEqual(['Riga', 'Tallinn']);
    const fields = (await read('/additional-fields')).body.items;
    expect(fields).toEqual([
      expect.objectContaining({ name: 'contract_id', label: 'Contract ID', type: 'string', showInList: true }),
      expect.objectContaining({ name: 'floors', label: 'Floors', type: 'integer', showInList: false }),
    ]);
    const settings = (await read('/settings/customers')).body;
    expect(settings).toMatchObject({ loginPattern: expect.any(String), pinLength: expect.any(Number), changedAt: null });
  });

  it('sees its own write at once: the write answers a position, the read waits for it', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `Renamed Eve ${round}`;
      await write('patch', `/customers/${ids.eve}`, { fullName: name });
      expect((await read(`/customers/${ids.eve}`)).body.fullName).toBe(name);
      expect(idsOf(await list({ q: `eve ${round}` }))).toEqual([ids.eve]);
      expect((await read(`/customers/${ids.eve}/activity`, { limit: 1 })).body.items[0].summary).toContain(`to ${name}`);
    }
  });

  it('answers 400 read_your_writes.invalid_position once the wait ends for a position no event was recorded at (504 is for projections really behind)', async () => {
    const future = position.replace(/\d/g, '9');
    const response = await auth(http().get('/api/v1/customers')).query({ minPosition: future });
    expect(response.status).toBe(400);
    expect(response.body.rule).toBe('read_your_writes.invalid_position');
  });

  it('validates query parameters: unknown ones and bad values are 422, a malformed position 400', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['/customers', { bogus: '1' }],
      ['/customers', { limit: '0' }],
      ['/customers', { limit: '201' }],
      ['/customers', { sort: 'password' }],
      ['/customers', { status: 'sleeping' }],
      ['/customers', { partnerId: 'abc' }],
      ['/customers', { total: 'maybe' }],
      [`/customers/${ids.jane}`, { expand: 'all' }],
      [`/customers/${ids.jane}/activity`, { types: 'CustomerTeleported' }],
      [`/customers/${ids.jane}/activity`, { from: 'yesterday' }],
      ['/customers/stats', { x: '1' }],
      ['/partners', { x: '1' }],
    ];
    for (const [path, query] of cases) {
      const response = await auth(http().get(`/api/v1${path}`)).query(query);
      expect({ path, query, status: response.status }).toEqual({ path, query, status: 422 });
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    // A position is checked before the query's validation: 400 naming it, at once (no wait for a 504).
    const malformed = await auth(http().get('/api/v1/customers')).query({ minPosition: "1' or 1=1" });
    expect({ status: malformed.status, rule: malformed.body.rule }).toEqual({ status: 400, rule: 'read_your_writes.invalid_position' });
  });

  it('keeps answering reads while a projection is rebuilt from zero and switched (no downtime)', async () => {
    const runtime = testApp.app.get(ProjectionRuntime);
    const before = await list({ sort: 'fullName', total: true });
    const rebuilding = runtime.rebuildProjection('customer_list', { batchSize: 5 });
    const answers: number[] = [];
    let done = false;
    void rebuilding.finally(() => (done = true));
    while (!done) {
      const response = await read('/customers', { sort: 'fullName', total: true });
      answers.push(response.status);
      expect(response.body).toEqual(before);
    }
    const result = await rebuilding;
    expect(result.version).toBeGreaterThan(result.fromVersion ?? 0);
    expect(answers.every((status) => status === 200)).toBe(true);
    expect(await list({ sort: 'fullName', total: true })).toEqual(before);
  });
});
