import { sql } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import type { Projection } from '../../src/projections-runtime/projection.js';
import { customerStreamId, evolveCustomer, toCustomerView, type Customer, type CustomerEvent, type CustomerState } from '../../src/customers/domain/index.js';
import { customerListProjection } from '../../projections/customer-list/customer-list.projection.js';
import { customerProfileProjection, profileView } from '../../projections/customer-profile/customer-profile.projection.js';
import { customerActivityProjection } from '../../projections/customer-activity/customer-activity.projection.js';
import { customerStatsProjection } from '../../projections/customer-stats/customer-stats.projection.js';
import { referenceDataProjection } from '../../projections/reference-data/reference-data.projection.js';
import { databaseBackends, type TestDatabase } from '../support/test-databases.js';
import { History, JANE, variedHistory } from './history.js';
import { applyEvents, createTables, dumpTable, dumpTables } from './projection-harness.js';

const CUSTOMER_PROJECTIONS: Projection<any>[] = [customerListProjection, customerProfileProjection, customerActivityProjection, customerStatsProjection, referenceDataProjection];

/** The domain's own fold of one customer's events (what the profile must hold). */
function foldCustomer(events: readonly RecordedEvent[], id: number): CustomerState {
  return events
    .filter((event) => event.streamId === customerStreamId(id))
    .reduce((state, event) => evolveCustomer(state, { type: event.type, data: event.data } as unknown as CustomerEvent), { exists: false, revision: -1 } as CustomerState);
}

describe.each(databaseBackends)('customer projections on $name', ({ open }) => {
  let test: TestDatabase;
  let history: History;
  beforeAll(async () => {
    test = await open();
    history = variedHistory();
  });
  afterAll(async () => {
    await test?.close();
  });
  const db = () => test.database.db;

  describe.each(CUSTOMER_PROJECTIONS.map((projection) => ({ name: projection.name, projection })))('$name', ({ projection }) => {
    it('the same events applied twice change nothing, and batch boundaries do not matter', async () => {
      const once = await createTables(db(), projection, 101);
      await applyEvents(db(), projection, once, history.events);
      const expected = await dumpTables(db(), once);
      expect(Object.values(expected).some((rows) => rows.length > 0)).toBe(true);

      // Replayed: whole, then again in small batches that straddle the stored revisions.
      await applyEvents(db(), projection, once, history.events);
      await applyEvents(db(), projection, once, history.events, 7);
      await applyEvents(db(), projection, once, history.events.slice(40, 90), 3);
      expect(await dumpTables(db(), once)).toEqual(expected);

      // One event per transaction ends exactly where one big batch does.
      const oneByOne = await createTables(db(), projection, 102);
      await applyEvents(db(), projection, oneByOne, history.events, 1);
      const renamed = await dumpTables(db(), oneByOne);
      expect(Object.values(renamed)).toEqual(Object.values(expected));
    });
  });

  it('customer_list: given events → one row per customer with filters, search columns and list fields', async () => {
    const tables = await createTables(db(), customerListProjection, 201);
    const h = new History();
    const partner = h.partner('North');
    const location = h.location('Riga');
    h.create(1, { fullName: 'Jane Müller', emails: ['jane@example.com'], phones: ['+371 2000-1234'], city: 'Riga', street: '1 Brivibas iela', zipCode: 'LV-1010', labels: ['vip'], partnerId: partner, locationId: location });
    h.command(1, { type: 'ChangeStatus', data: { status: 'active', reason: 'paid' } });
    h.command(1, { type: 'EditCustomer', data: { emails: ['jane.m@example.org'], city: 'Jurmala' } });
    h.command(1, { type: 'RecordPayment', data: { amount: 12.5 } });
    h.create(2, { fullName: 'Old Account', partnerId: partner, locationId: location });
    h.command(2, { type: 'ChangeStatus', data: { status: 'inactive' } });
    h.command(2, { type: 'DeleteCustomer', data: {} });
    await applyEvents(db(), customerListProjection, tables, h.events);
    const rows = await dumpTable(db(), tables.list);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      customer_id: 1,
      login: 'user1',
      full_name: 'Jane Müller',
      status: 'active',
      billing_type: 'recurring',
      category: 'person',
      partner_id: partner,
      location_id: location,
      emails: ['jane.m@example.org'],
      phones: ['+371 2000-1234'],
      city: 'Jurmala',
      zip_code: 'LV-1010',
      account_number: '4000000001',
      balance: 12.5,
      labels: ['vip'],
      deleted: false,
      is_lead: false,
      last_revision: 4,
      last_position: h.events[h.events.length - 4].position,
    });
    const searchRows = await dumpTable(db(), tables.search);
    expect(searchRows.map(({ customer_id, search_text, phone_digits }) => ({ customer_id, search_text, phone_digits }))).toEqual([
      { customer_id: 1, search_text: 'jane müller user1 jane.m@example.org +371 2000-1234 1 brivibas iela lv-1010 jurmala 4000000001', phone_digits: '37120001234' },
      { customer_id: 2, search_text: 'old account user2 4000000002', phone_digits: '' },
    ]);
    // Written when the text changed (the email / city edit at revision 2 and 3), not on the payment.
    expect(searchRows[0].last_revision).toBe(3);
    expect(rows[1]).toMatchObject({ customer_id: 2, status: 'inactive', deleted: true, last_revision: 2 });

    // The search columns answer word-prefix (tsvector) and substring (pg_trgm) queries.
    const search = async (where: ReturnType<typeof sql>) =>
      (await sql<{ customer_id: number }>`select customer_id from ${sql.table(tables.search)} where ${where} order by customer_id`.execute(db())).rows.map((row) => row.customer_id);
    expect(await search(sql`search @@ to_tsquery('simple', 'jurm:*')`)).toEqual([1]);
    expect(await search(sql`search_text like '%ller%'`)).toEqual([1]);
    expect(await search(sql`phone_digits like '%20001234%'`)).toEqual([1]);
    // pg_trgm is loaded on both backends (PGlite as an extension bundle), so substring search is indexed.
    const { rows: indexes } = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = ${tables.search}`.execute(db());
    expect(indexes.map((index) => index.indexname)).toEqual(expect.arrayContaining([`${tables.search}_trgm`, `${tables.search}_phone_trgm`]));
  });

  it('customer_profile: the stored state is the domain fold without secrets; its view is the resource', async () => {
    const tables = await createTables(db(), customerProfileProjection, 201);
    await applyEvents(db(), customerProfileProjection, tables, history.events, 13);
    const rows = await dumpTable(db(), tables.profile);
    expect(rows.map((row) => row.customer_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const row of rows) {
      const state = foldCustomer(history.events, row.customer_id as number);
      expect(state.exists).toBe(true);
      if (!state.exists) continue;
      expect(profileView(row.state as Customer)).toEqual(toCustomerView(state));
      expect(row.revision).toBe(state.revision);
      expect(row.deleted).toBe(state.deleted);
      const stored = row.state as Record<string, any>;
      expect(stored.passwordCiphertext).toBe('');
      for (const key of ['pin', 'pinCiphertext']) if (key in stored.voip) expect(stored.voip[key]).toBe('');
    }
    const text = JSON.stringify(rows);
    expect(text).not.toContain('v1:secret-cipher');
    expect(text).not.toContain('v1:cipher');
    expect(text).not.toContain('v1:pin-cipher');
    expect(text).not.toContain('999999');
    // Customer 7 has a pop-up debtor note; customer 6 a CAP grant still counting.
    const seven = profileView(rows.find((row) => row.customer_id === 7)!.state as Customer);
    expect(seven.notes).toEqual([expect.objectContaining({ kind: 'debtor', popup: true, text: 'Owes money' })]);
  });

  it('customer_activity: one entry per event, plain-English summaries, actor, changes, never a secret', async () => {
    const tables = await createTables(db(), customerActivityProjection, 201);
    await applyEvents(db(), customerActivityProjection, tables, history.events, 50);
    const rows = await dumpTable(db(), tables.activity);
    const customerEvents = history.events.filter((event) => event.streamId.startsWith('customer-'));
    expect(rows).toHaveLength(customerEvents.length);
    const of = (id: number) => rows.filter((row) => row.customer_id === id);
    expect(of(1).map((row) => row.summary)).toEqual([
      'Customer Person H1 Surname (login user1) created by Jane',
      'Comment added by Jane',
      'Status changed from New to Active by Jane (reason: paid)',
      'Full name changed from Person H1 Surname to Renamed 1 by Jane',
      'Street cleared (was 1 Main Street); City changed from Riga to Vilnius by Jane',
      'VoIP PIN changed; Calls per second changed from 0 to 5 by Jane',
      'Account type changed from prepaid to postpaid; Credit limit set to 50 by Jane',
      'CAP bonus of 500 MB granted by Jane (reason: outage compensation)',
      'Payment of 10.00 recorded (balance 0.00 → 10.00) by Jane',
      'Status changed from Active to Blocked by Bob (reason: unpaid invoice)',
      'Phone changed from +371 2000 1001 to +1 555-010-2001 by Jane',
    ]);
    expect(of(3).map((row) => row.summary)).toContain('Email changed from c3@example.com to new3@example.org; Phone changed from +371 2000 1003 to +44 20 7946 1003 by Jane');
    const first = of(1)[2];
    expect(first).toMatchObject({
      revision: 2,
      type: 'CustomerActivated',
      actor: JANE,
      changes: [{ field: 'status', from: 'new', to: 'active' }],
    });
    expect(first.at).toBe(customerEvents.find((event) => event.type === 'CustomerActivated')!.metadata.occurredAt);
    const pinChange = of(1)[5].changes as Array<{ field: string; from: unknown; to: unknown }>;
    expect(pinChange).toContainEqual({ field: 'voip.pin', from: '[redacted]', to: '[redacted]' });
    const text = JSON.stringify(rows);
    expect(text).not.toContain('v1:secret-cipher');
    expect(text).not.toContain('v1:cipher');
    expect(text).not.toContain('v1:pin-cipher');
    expect(text).not.toContain('999999');
    expect(text).not.toContain('100001');
    expect(of(11).map((row) => row.summary)).toEqual(
      expect.arrayContaining(['Portal password reset to a generated one by Jane (reason: forgotten)', 'VoIP PIN revealed by Jane (reason: customer call)']),
    );
  });

  it('customer_stats: counts per status, billing type, category, partner and location, deleted excluded', async () => {
    const tables = await createTables(db(), customerStatsProjection, 201);
    await applyEvents(db(), customerStatsProjection, tables, history.events, 9);
    const counts = await dumpTable(db(), tables.counts);
    const expected = new Map<string, number>();
    const bump = (dimension: string, key: string) => expected.set(`${dimension}/${key}`, (expected.get(`${dimension}/${key}`) ?? 0) + 1);
    for (let id = 1; id <= 12; id++) {
      const state = foldCustomer(history.events, id);
      if (!state.exists || state.deleted) continue;
      bump('total', 'all');
      bump('status', state.status);
      bump('billingType', state.billingType);
      bump('category', state.category);
      bump('partner', String(state.partnerId));
      bump('location', String(state.locationId));
      if (state.isLead) bump('lead', 'true');
    }
    const actual = new Map(counts.filter((row) => row.count !== 0).map((row) => [`${row.dimension}/${row.key}`, row.count]));
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
    expect(actual.get('total/all')).toBe(12); // 8 was deleted and restored
  });

  it('reference_data: partners, locations, field definitions and settings', async () => {
    const tables = await createTables(db(), referenceDataProjection, 201);
    await applyEvents(db(), referenceDataProjection, tables, history.events, 4);
    expect((await dumpTable(db(), tables.partners)).map(({ id, name, deleted }) => ({ id, name, deleted }))).toEqual([
      { id: 1, name: 'North ISP', deleted: false },
      { id: 2, name: 'South Networks', deleted: false },
    ]);
    expect((await dumpTable(db(), tables.locations)).map(({ id, name, deleted }) => ({ id, name, deleted }))).toEqual([
      { id: 1, name: 'Riga', deleted: false },
      { id: 2, name: 'Tallinn', deleted: false },
      { id: 3, name: 'Vilnius', deleted: true },
    ]);
    const fields = await dumpTable(db(), tables.fields);
    expect(fields.map((row) => row.definition)).toEqual([
      expect.objectContaining({ name: 'contract_id', label: 'Contract ID', showInList: true }),
      expect.objectContaining({ name: 'floors', label: 'Number of floors', showInList: true, type: 'integer' }),
    ]);
    const [settings] = await dumpTable(db(), tables.settings);
    expect(settings.settings).toMatchObject({ pinLength: 8, loginPattern: '{id}' });
  });
});
