/**
 * Erasure by crypto-shredding (POST /customers/{id}/erase). A customer is written with known
 * personal values; the raw event table never holds them (they are encrypted with the customer's
 * data key, read back in plain through the API); a refused erasure writes nothing; after the
 * erasure no table of the database, no read path (profile, list, timeline, /events, time travel,
 * export, feed, SSE, Socket.IO) holds them or answers them, while the hash chain still verifies,
 * rebuilds and time travel work and the money movements stay.
 */
import { sql } from 'kysely';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { createCustomer, customerStream, expectNothingWritten, expectProblem, fieldRules, seedReferenceData, startHarness, streamEvents, uniqueLogin, type Harness, type Reference } from './customers-e2e-support.js';
import { connectActivity, eventually, openSse } from './live-feed-support.js';

const PERSONAL = {
  fullName: 'Zelda Quimbyshred',
  email: 'zelda.quimbyshred@example.org',
  billingEmail: 'billing.quimbyshred@example.org',
  phone: '+49 30 98761234',
  street: 'Shredderstrasse 99',
  city: 'Quimbytown',
  zipCode: '98761',
  dateOfBirth: '1985-02-03',
  identification: 'PASS-ZQ-77819',
  newName: 'Zelda Q. Renamedshred',
  comment: 'Zelda called about her router, lives with Quimbyspouse',
  note: 'Debtor note about Zelda Quimbyshred',
  contactName: 'Otto Contactshred',
  contactEmail: 'otto.contactshred@example.org',
  addressStreet: 'Zweitwohnsitzgasse 17',
  lowCreditEmail: 'lowcredit.quimbyshred@example.org',
  // Free-text reasons typed with personal data: sealed like the personal values.
  editReason: 'Zelda Quimbyshred phoned from +49 30 98761234',
  capReason: 'Goodwill for Quimbyshred after the outage',
  scheduleReason: 'Zelda Quimbyshred is on holiday',
  statusReason: 'Moving out of Shredderstrasse 99',
};
const NEEDLES = [...Object.values(PERSONAL), 'Quimby', 'shred@', 'Shredder', '98761234', 'ZQ-77819', '1985-02-03'];

/** The needles found in a text (none expected). */
const leaked = (text: string): string[] => NEEDLES.filter((needle) => text.includes(needle));

describe('erasure of personal data (crypto-shredding)', () => {
  let h: Harness;
  let ref: Reference;
  let database: Database;
  let id: number;
  let positions: { created: string; erased?: string };

  /** Every row of every table of the database as text (events, read models, keys, everything). */
  async function wholeDatabase(): Promise<Record<string, string>> {
    const { rows: tables } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(database.db);
    const dump: Record<string, string> = {};
    for (const { table_name } of tables) {
      const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(table_name)} t`.execute(database.db);
      dump[table_name] = rows.map((row) => row.row).join('\n');
    }
    return dump;
  }

  /** Tables holding a needle, with what they hold. */
  async function leakingTables(): Promise<Record<string, string[]>> {
    const dump = await wholeDatabase();
    return Object.fromEntries(Object.entries(dump).map(([table, text]) => [table, leaked(text)] as const).filter(([, found]) => found.length > 0));
  }

  async function rawEventsText(): Promise<string> {
    const { rows } = await sql<{ data: string }>`select data::text || metadata::text as data from es_events where stream_id = ${customerStream(id)} order by revision`.execute(database.db);
    return rows.map((row) => row.data).join('\n');
  }

  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
    database = h.testApp.app.get<Database>(DATABASE);
    const customer = await createCustomer(h, ref, {
      login: uniqueLogin('shred'),
      fullName: PERSONAL.fullName,
      emails: [PERSONAL.email],
      billingEmails: [PERSONAL.billingEmail],
      phones: [PERSONAL.phone],
      street: PERSONAL.street,
      city: PERSONAL.city,
      zipCode: PERSONAL.zipCode,
      geo: { lat: 52.1234567, lng: 13.7654321 },
      dateOfBirth: PERSONAL.dateOfBirth,
      identification: PERSONAL.identification,
      voip: { lowCreditNotificationEmail: PERSONAL.lowCreditEmail },
    });
    id = customer.id;
    positions = { created: customer.position };
    await h.patch(`/customers/${id}`, { fullName: PERSONAL.newName, phones: [PERSONAL.phone, '+49 30 98761235'], reason: PERSONAL.editReason }).expect(200);
    await h.post(`/customers/${id}/cap`, { megabytes: 1024, reason: PERSONAL.capReason }).expect(201);
    await h.post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'blocked', at: new Date(Date.now() + 30 * 86_400_000).toISOString(), reason: PERSONAL.scheduleReason }).expect(201);
    await h.post(`/customers/${id}/comments`, { text: PERSONAL.comment }).expect(201);
    await h.post(`/customers/${id}/notes`, { text: PERSONAL.note, kind: 'debtor' }).expect(201);
    await h.post(`/customers/${id}/contacts`, { name: PERSONAL.contactName, email: PERSONAL.contactEmail, role: 'spouse' }).expect(201);
    await h.post(`/customers/${id}/addresses`, { street: PERSONAL.addressStreet, city: PERSONAL.city }).expect(201);
    await h.post(`/customers/${id}/payments`, { amount: 25.5, method: 'cash' }).expect(201);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('stores personal values only encrypted: the raw event rows hold none, the API answers them', async () => {
    expect(leaked(await rawEventsText())).toEqual([]);
    expect(await rawEventsText()).toContain('"$pd": "v1.');
    const profile = (await h.get(`/customers/${id}?minPosition=${positions.created}`).expect(200)).body;
    expect(profile).toMatchObject({ fullName: PERSONAL.newName, emails: [PERSONAL.email], street: PERSONAL.street, dateOfBirth: PERSONAL.dateOfBirth, personalDataErasedAt: null });
    const events = (await h.get(`/customers/${id}/events`).expect(200)).body.events as Record<string, any>[];
    expect(events[0].data).toMatchObject({ fullName: PERSONAL.fullName, emails: [PERSONAL.email], geo: { lat: 52.1234567, lng: 13.7654321 } });
    expect((await h.get(`/customers/${id}/audit/verify`).expect(200)).body).toMatchObject({ verified: true, chained: events.length });
    // Reasons read in plain before the erasure: the event, the timeline, the audit log.
    expect(events.find((event) => event.type === 'CustomerMainInfoChanged')!.metadata.reason).toBe(PERSONAL.editReason);
    expect(events.find((event) => event.type === 'CapBonusGranted')!.data.reason).toBe(PERSONAL.capReason);
    const last = events.at(-1)!.position as string;
    const activity = (await h.get(`/customers/${id}/activity?limit=200&minPosition=${last}`).expect(200)).body;
    expect(JSON.stringify(activity)).toContain(`(reason: ${PERSONAL.editReason})`);
    const audit = (await h.get(`/audit/log?customerId=${id}&minPosition=${last}`).expect(200)).body;
    expect(audit.items.map((item: { reason: string | null }) => item.reason)).toEqual(expect.arrayContaining([PERSONAL.editReason, PERSONAL.capReason, PERSONAL.scheduleReason]));
  });

  it('GET /customers/{id}/events redacts the sealed password and PIN ("[redacted]"), as every read path does', async () => {
    const { body } = await h.get(`/customers/${id}/events`).expect(200);
    const created = body.events[0].data;
    expect(created.passwordCiphertext).toBe('[redacted]');
    expect(created.voip.pinCiphertext).toBe('[redacted]');
    expect(JSON.stringify(body)).not.toMatch(/"v[12]\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"/);
    await h.patch(`/customers/${id}`, { voip: { pin: '918273' } }).expect(200);
    await h.post(`/customers/${id}/password/reset`, { reason: 'rotation' }).expect(200);
    const after = (await h.get(`/customers/${id}/events`).expect(200)).body.events as Record<string, any>[];
    expect(after.find((event) => event.type === 'CustomerVoipSettingsChanged')!.data.pinCiphertext).toBe('[redacted]');
    expect(after.find((event) => event.type === 'CustomerPasswordReset')!.data.passwordCiphertext).toBe('[redacted]');
    // The store holds them padded: every sealed secret of the stream has the same length.
    const stored = await streamEvents(h.store, customerStream(id));
    const sealed = [stored[0].data.passwordCiphertext, (stored[0].data.voip as Record<string, string>).pinCiphertext] as string[];
    expect(sealed.every((value) => value.startsWith('v2.'))).toBe(true);
    expect(new Set(sealed.map((value) => value.length)).size).toBe(1);
  });

  it('refuses an erasure without a reason (422) or while the balance is not zero (409), writing nothing', async () => {
    const stream = customerStream(id);
    const noReason = await expectNothingWritten(h, stream, () => h.post(`/customers/${id}/erase`, {}));
    expectProblem(noReason, 422, 'request.validation_failed');
    expect(fieldRules(noReason).some((rule) => rule.startsWith('reason:'))).toBe(true);
    expectProblem(await expectNothingWritten(h, stream, () => h.post(`/customers/${id}/erase`, { reason: 'GDPR art. 17 request #4711' })), 409, 'customer.erase.balance_not_zero');
    await h.post(`/customers/${id}/charges`, { amount: 25.5, description: 'Final invoice' }).expect(201);
    // The default customer settings require an Inactive customer.
    expectProblem(await expectNothingWritten(h, stream, () => h.post(`/customers/${id}/erase`, { reason: 'GDPR art. 17 request #4711' })), 409, 'customer.erase.requires_inactive');
    await h.post(`/customers/${id}/status`, { status: 'inactive', reason: PERSONAL.statusReason }).expect(200);
    expect(leaked(await rawEventsText())).toEqual([]);
  });

  it('erases: 200 {customerId, erased, revision, position}; the key is destroyed; no table of the database holds a personal value', async () => {
    const response = await h.post(`/customers/${id}/erase`, { reason: 'GDPR art. 17 request #4711' }).expect(200);
    expect(response.body).toEqual({ customerId: id, erased: true, revision: expect.any(Number), position: expect.any(String) });
    positions.erased = response.body.position;
    const last = (await streamEvents(h.store, customerStream(id))).at(-1)!;
    expect(last).toMatchObject({ type: 'CustomerPersonalDataErased', revision: response.body.revision, data: { customerId: id, reason: 'GDPR art. 17 request #4711' } });
    const { rows } = await sql<{ wrapped_key: string | null; erased_at: Date | null }>`select wrapped_key, erased_at from personal_data_keys where customer_id = ${id}`.execute(database.db);
    expect(rows).toEqual([{ wrapped_key: null, erased_at: expect.anything() }]);

    // Every projection, not only the profile a GET ?minPosition= waits for: the dump reads all their tables.
    expect(await h.testApp.app.get(ProjectionRuntime).waitForPosition(response.body.position, { timeoutMs: 60_000 })).toBe(true);
    expect(await leakingTables()).toEqual({});
    expectProblem(await h.post(`/customers/${id}/erase`, { reason: 'again' }), 409, 'customer.erase.already_erased');
  });

  it('every read path answers "[erased]" and none a personal value; verify and time travel still work, money stays', async () => {
    const profile = (await h.get(`/customers/${id}?minPosition=${positions.erased}`).expect(200)).body;
    expect(profile).toMatchObject({
      fullName: '[erased]',
      emails: ['[erased]'],
      billingEmails: ['[erased]'],
      phones: ['[erased]'],
      street: '[erased]',
      city: '[erased]',
      geo: null,
      dateOfBirth: '[erased]',
      identification: '[erased]',
      balance: 0,
      status: 'inactive',
      personalDataErasedAt: expect.any(String),
      voip: { lowCreditNotificationEmail: '[erased]' },
      comments: [{ text: '[erased]' }],
      notes: [{ text: '[erased]', kind: 'debtor' }],
      contacts: [{ name: '[erased]', email: '[erased]', role: 'spouse' }],
      addresses: [{ street: '[erased]' }],
    });
    const reads = {
      profile,
      list: (await h.get(`/customers?q=erased&limit=200&minPosition=${positions.erased}`).expect(200)).body,
      search: (await h.get(`/customers?q=${encodeURIComponent('Quimbyshred')}`).expect(200)).body,
      activity: (await h.get(`/customers/${id}/activity?limit=200`).expect(200)).body,
      comments: (await h.get(`/customers/${id}/comments`).expect(200)).body,
      contacts: (await h.get(`/customers/${id}/contacts`).expect(200)).body,
      events: (await h.get(`/customers/${id}/events`).expect(200)).body,
      first: (await h.get(`/customers/${id}/state?revision=0`).expect(200)).body,
      asOfCreation: (await h.get(`/customers/${id}/state?asOf=${encodeURIComponent(new Date().toISOString())}`).expect(200)).body,
      exportJson: (await h.get(`/customers/${id}/audit/export`).expect(200)).text,
      exportNdjson: (await h.get(`/customers/${id}/audit/export?format=ndjson`).expect(200)).text,
      exportCsv: (await h.get(`/customers/${id}/audit/export?format=csv`).expect(200)).text,
      auditLog: (await h.get(`/audit/log?customerId=${id}&limit=200&minPosition=${positions.erased}`).expect(200)).body,
      auditLogNdjson: (await h.get(`/audit/log?customerId=${id}&format=ndjson`).expect(200)).text,
      auditLogCsv: (await h.get(`/audit/log?customerId=${id}&format=csv`).expect(200)).text,
      scheduled: (await h.get(`/customers/${id}/scheduled-changes`).expect(200)).body,
      cap: (await h.get(`/customers/${id}/cap`).expect(200)).body,
      feed: (await h.get(`/events?limit=1000`).expect(200)).body,
    };
    for (const [path, body] of Object.entries(reads)) expect({ path, leaked: leaked(typeof body === 'string' ? body : JSON.stringify(body)) }).toEqual({ path, leaked: [] });
    expect(reads.search.items).toEqual([]);
    expect(reads.list.items.map((item: { id: number }) => item.id)).toContain(id);
    expect(reads.first).toMatchObject({ fullName: '[erased]', emails: ['[erased]'] });
    expect(reads.events.events[0].data).toMatchObject({ fullName: '[erased]', emails: ['[erased]'], geo: null, dateOfBirth: '[erased]' });
    expect(JSON.stringify(reads.activity)).toContain('Personal data erased');
    // Reasons read "[erased]" everywhere, but the erasure's own (the record of why it was made).
    expect(JSON.stringify(reads.activity)).toContain('(reason: [erased])');
    const auditReasons = reads.auditLog.items.map((item: { type: string; reason: string | null }) => [item.type, item.reason]);
    expect(auditReasons).toEqual(expect.arrayContaining([['CustomerMainInfoChanged', '[erased]'], ['CapBonusGranted', '[erased]'], ['CustomerPersonalDataErased', 'GDPR art. 17 request #4711']]));
    expect(reads.events.events.find((event: { type: string }) => event.type === 'CustomerMainInfoChanged').metadata.reason).toBe('[erased]');
    const types = reads.events.events.map((event: { type: string }) => event.type);
    expect(types).toEqual(expect.arrayContaining(['PaymentRecorded', 'ChargeRecorded', 'CustomerPersonalDataErased']));
    expect(reads.events.events.find((event: { type: string }) => event.type === 'PaymentRecorded').data.amount).toBe(25.5);

    const verify = (await h.get(`/customers/${id}/audit/verify`).expect(200)).body;
    expect(verify).toMatchObject({ verified: true, chained: reads.events.events.length });
  });

  it('SSE and Socket.IO replay the stream with "[erased]" and no personal value', async () => {
    const sse = await openSse(h.testApp.url, { token: h.testApp.token, query: { types: 'CustomerCreated,CustomerMainInfoChanged,CustomerPersonalDataErased' } });
    try {
      expect(sse.status).toBe(200);
      const messages = await eventually(
        () => sse.messages.some((message) => message.event === 'CustomerPersonalDataErased' && JSON.parse(message.data).streamId === customerStream(id)) && sse.messages,
        'the erasure on SSE',
      );
      const mine = messages.filter((message) => JSON.parse(message.data).streamId === customerStream(id));
      expect(mine.length).toBeGreaterThanOrEqual(3);
      expect(leaked(mine.map((message) => message.data).join('\n'))).toEqual([]);
      expect(JSON.parse(mine[0].data).data.fullName).toBe('[erased]');
    } finally {
      sse.close();
    }

    const client = await connectActivity(h.testApp.url, h.testApp.token);
    try {
      // Replay from just before the customer was created.
      const all = await h.store.readAll();
      const before = all[all.findIndex((event) => event.streamId === customerStream(id)) - 1];
      expect(await client.subscribe({ customerId: id, after: before.position })).toMatchObject({ ok: true });
      const payloads = await eventually(() => client.received.some((payload) => payload.type === 'CustomerPersonalDataErased') && client.received, 'the erasure on Socket.IO');
      expect(payloads.length).toBeGreaterThan(5);
      expect(leaked(JSON.stringify(payloads))).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('rebuilds of the read models answer the same, with no personal value', async () => {
    const auditBefore = (await h.get(`/audit/log?customerId=${id}&limit=200`).expect(200)).body;
    for (const name of ['customer_list', 'customer_profile', 'customer_activity', 'audit_log']) {
      await h.post(`/projections/${name}/rebuild`, {}).expect(202);
      await eventually(async () => (await h.get(`/projections/${name}/rebuild`)).body.state === 'done', `rebuild of ${name}`, 100_000);
    }
    expect((await h.get(`/customers/${id}`).expect(200)).body).toMatchObject({ fullName: '[erased]', emails: ['[erased]'], balance: 0, personalDataErasedAt: expect.any(String) });
    expect(JSON.stringify((await h.get(`/customers/${id}/activity?limit=200`).expect(200)).body)).toContain('Personal data erased');
    expect((await h.get(`/audit/log?customerId=${id}&limit=200`).expect(200)).body).toEqual(auditBefore);
    expect(await leakingTables()).toEqual({});
    // Four rebuilds, each catching up to the head: on a shared PostgreSQL server another test file's open
    // transaction holds the head back (events show once every older transaction has ended).
  }, 420_000);

  it('after the erasure no new personal value is recorded (409, nothing written); other changes still are', async () => {
    const stream = customerStream(id);
    expectProblem(await expectNothingWritten(h, stream, () => h.patch(`/customers/${id}`, { fullName: 'Someone New' })), 409, 'customer.personal_data_erased');
    expectProblem(await expectNothingWritten(h, stream, () => h.post(`/customers/${id}/comments`, { text: 'hello' })), 409, 'customer.personal_data_erased');
    await h.post(`/customers/${id}/status`, { status: 'active' }).expect(200);
    await h.post(`/customers/${id}/payments`, { amount: 10, method: 'cash' }).expect(201);
    expect((await h.get(`/customers/${id}/audit/verify`).expect(200)).body).toMatchObject({ verified: true });
  });
});
