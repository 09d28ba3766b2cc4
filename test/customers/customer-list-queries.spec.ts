/**
 * The list query's plans (GET /customers through CustomerReadModels.list) return exactly what the
 * definition says, whichever plan runs: a search page read window by window in id order (topped
 * up when the list filters reject a window's matches), a few-matches read of several filters
 * sorted in memory, or the sort-index walk. The expected pages are computed here, in JavaScript,
 * from the stored list and search rows; every page sequence is followed through its cursors.
 */
import { sql } from 'kysely';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { CustomerReadModels, type CustomerListFilter, type PartnerIds } from '../../src/customers/queries/customer-read-models.js';
import { allProjections } from '../../projections/index.js';
import { databaseBackends } from '../support/test-databases.js';
import { openFixture, type Fixture } from '../projections-runtime/support.js';
import { History } from '../projections/history.js';

const FIRST = ['Peter', 'Anna', 'Juris', 'Ilze', 'Mark', 'Petra', 'Sandra', 'Martins'];
const LAST = ['Peters', 'Peterson', 'Ozols', 'Kalnins', 'Smith', 'Berzins', 'Tamm', 'Nowak', 'Saar', 'Anderson', 'Miller'];
const STATUSES = ['new', 'active', 'active', 'blocked', 'inactive'] as const;
const CUSTOMERS = 360;

interface Stored {
  id: number;
  fullName: string;
  status: string;
  partnerId: number;
  locationId: number;
  category: string;
  billingType: string;
  balance: number;
  updatedAt: string;
  deleted: boolean;
  searchText: string;
  phoneDigits: string;
}

/** What `q` means (docs/api.md): every word is part of the searchable text, or a phone-like word part of the phone digits. */
function matchesQ(row: Stored, q: string): boolean {
  const words = q.trim().split(/\s+/).filter(Boolean);
  const phoneLike = (text: string) => /^[\d\s+().\-/]+$/.test(text) && text.replace(/\D/g, '').length >= 3;
  const wordMatches = (word: string) =>
    row.searchText.includes(word.toLowerCase()) || (phoneLike(word) && row.phoneDigits.includes(word.replace(/\D/g, '')));
  if (words.every(wordMatches)) return true;
  return words.length > 1 && phoneLike(q) && row.phoneDigits.includes(q.replace(/\D/g, ''));
}

type Sort = 'id' | '-id' | 'fullName' | '-fullName' | '-balance' | 'updatedAt' | '-updatedAt';
const COMPARE: Record<Sort, (a: Stored, b: Stored) => number> = {
  id: (a, b) => a.id - b.id,
  '-id': (a, b) => b.id - a.id,
  // lower(full_name) in "C" collation: code-unit order of the lower-cased (ASCII) names.
  fullName: (a, b) => byText(a.fullName.toLowerCase(), b.fullName.toLowerCase()) || a.id - b.id,
  '-fullName': (a, b) => byText(b.fullName.toLowerCase(), a.fullName.toLowerCase()) || b.id - a.id,
  '-balance': (a, b) => b.balance - a.balance || b.id - a.id,
  updatedAt: (a, b) => byText(a.updatedAt, b.updatedAt) || a.id - b.id,
  '-updatedAt': (a, b) => byText(b.updatedAt, a.updatedAt) || b.id - a.id,
};
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function expectedIds(rows: readonly Stored[], filter: CustomerListFilter, partnerIds: PartnerIds): number[] {
  return rows
    .filter((row) => filter.includeDeleted || !row.deleted)
    .filter((row) => !filter.status?.length || filter.status.includes(row.status))
    .filter((row) => !filter.partnerId?.length || filter.partnerId.includes(row.partnerId))
    .filter((row) => !filter.locationId?.length || filter.locationId.includes(row.locationId))
    .filter((row) => !filter.category?.length || filter.category.includes(row.category))
    .filter((row) => !filter.billingType?.length || filter.billingType.includes(row.billingType))
    .filter((row) => partnerIds === null || partnerIds.includes(row.partnerId))
    .filter((row) => !filter.q?.trim() || matchesQ(row, filter.q))
    .sort(COMPARE[(filter.sort ?? 'id') as Sort])
    .map((row) => row.id);
}

describe.each(databaseBackends)('customer list queries on $name', ({ open }) => {
  let fixture: Fixture;
  let readModels: CustomerReadModels;
  let stored: Stored[];

  beforeAll(async () => {
    fixture = await open().then((test) => openFixture(async () => test));
    const h = new History();
    const partners = [h.partner('North'), h.partner('South'), h.partner('East')];
    const locations = [h.location('Riga'), h.location('Tallinn'), h.location('Vilnius'), h.location('Kaunas')];
    for (let id = 1; id <= CUSTOMERS; id++) {
      // Independent attributes (different strides), so every filter combination has members.
      const company = id % 9 === 0;
      const last = LAST[(id * 7) % LAST.length];
      h.create(id, {
        fullName: company ? `${last} Networks` : `${FIRST[(id * 5) % FIRST.length]} ${last}`,
        category: company ? 'company' : 'person',
        partnerId: partners[(id * 11) % partners.length],
        locationId: locations[(id * 13) % locations.length],
        billingType: id % 4 === 0 ? 'prepaid_custom' : 'recurring',
        emails: [`c${id}@example.com`],
        phones: [`+371 2${String(1_000_000 + id * 7919).slice(-7)}`],
        city: id % 2 ? 'Riga' : 'Tallinn',
      });
      if (id % 6 === 1) h.command(id, { type: 'RecordPayment', data: { amount: (id % 50) + 1 } });
      const status = STATUSES[(id * 3) % STATUSES.length];
      if (status !== 'new') h.command(id, { type: 'ChangeStatus', data: { status, reason: 'test' } });
      // A third of the inactive customers deleted: the search windows meet them and must skip them.
      if (status === 'inactive' && id % 3 !== 0) h.command(id, { type: 'DeleteCustomer', data: { reason: 'gone' } });
    }
    await h.appendTo(fixture.store);
    const runtime = new ProjectionRuntime({ database: fixture.database, store: fixture.store, projections: allProjections, autoRebuild: false });
    for (const name of ['reference_data', 'customer_list']) await runtime.rebuildProjection(name, { restart: true, total: 'none' });
    readModels = new CustomerReadModels(runtime, fixture.database, fixture.store);

    const { list, search } = await runtime.tables<{ list: string; search: string }>('customer_list');
    const { rows } = await sql<Record<string, unknown>>`
      select l.customer_id, l.full_name, l.status, l.partner_id, l.location_id, l.category, l.billing_type, l.balance, l.updated_at, l.deleted,
        s.search_text, s.phone_digits
      from ${sql.table(list)} l join ${sql.table(search)} s using (customer_id)`.execute(fixture.database.db);
    stored = rows.map((row) => ({
      id: Number(row.customer_id),
      fullName: row.full_name as string,
      status: row.status as string,
      partnerId: Number(row.partner_id),
      locationId: Number(row.location_id),
      category: row.category as string,
      billingType: row.billing_type as string,
      balance: Number(row.balance),
      updatedAt: new Date(row.updated_at as string).toISOString(),
      deleted: row.deleted as boolean,
      searchText: row.search_text as string,
      phoneDigits: row.phone_digits as string,
    }));
  }, 180_000);

  afterAll(async () => {
    await fixture?.close();
  });

  /** Every page through the cursors: the ids in order, each page no larger than asked. */
  async function allPages(filter: CustomerListFilter, partnerIds: PartnerIds): Promise<number[]> {
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 400; pages++) {
      const page = await readModels.list({ ...filter, ...(cursor ? { cursor } : {}) }, partnerIds);
      expect(page.items.length).toBeLessThanOrEqual(filter.limit ?? 50);
      seen.push(...page.items.map((item) => item.id));
      if (!page.nextCursor) return seen;
      cursor = page.nextCursor;
    }
    throw new Error('more than 400 pages');
  }

  it('has what the cases need: deleted customers among the matches, several partners and statuses', () => {
    expect(stored).toHaveLength(CUSTOMERS);
    const peters = stored.filter((row) => row.searchText.includes('eters'));
    expect(peters.filter((row) => row.deleted).length).toBeGreaterThan(5);
    expect(new Set(peters.map((row) => row.partnerId)).size).toBe(3);
    expect(new Set(peters.map((row) => row.status)).size).toBe(4);
    expect(stored.some((row) => row.balance > 0)).toBe(true);
  });

  const searches: Array<[string, CustomerListFilter, PartnerIds]> = [
    ['a frequent fragment', { q: 'eters' }, null],
    ['a frequent fragment, newest first', { q: 'eter', sort: '-id' }, null],
    ['a fragment and a second word', { q: 'anna pet' }, null],
    ['a fragment, deleted included', { q: 'eters', includeDeleted: true }, null],
    ['a fragment, one partner in scope', { q: 'son' }, [2]],
    ['a fragment, two partners in scope, newest first', { q: 'ozol', sort: '-id' }, [1, 3]],
    ['a fragment, an empty scope', { q: 'eters' }, []],
    ['a fragment with a rare status (windows topped up)', { q: 'e', status: ['blocked'] }, null],
    ['a fragment with status and location in a partner scope', { q: 'an', status: ['active'], locationId: [2] }, [1]],
    ['phone digits', { q: '2001' }, null],
    ['a whole phone number', { q: '+371 2' + String(1_000_000 + 42 * 7919).slice(-7) }, null],
    ['nothing matches', { q: 'zzzz' }, null],
    ['a fragment sorted by name (not the id order)', { q: 'eters', sort: '-fullName' }, [1, 2]],
  ];

  it.each(searches)('search: %s: every page in order, each match once', async (_label, filter, partnerIds) => {
    const expected = expectedIds(stored, filter, partnerIds);
    for (const limit of [1, 7, 50]) {
      expect({ limit, ids: await allPages({ ...filter, limit }, partnerIds) }).toEqual({ limit, ids: expected });
    }
  });

  it('search: the cases are not vacuous (most find several pages)', () => {
    const found = searches.map(([, filter, partnerIds]) => expectedIds(stored, filter, partnerIds).length);
    expect(found.filter((count) => count > 7).length).toBeGreaterThanOrEqual(6);
    expect(found.filter((count) => count > 50).length).toBeGreaterThanOrEqual(2);
    expect(found).toContain(0);
  });

  it('search: total counts every match of q and the filters, whatever the page', async () => {
    for (const [, filter, partnerIds] of searches) {
      const page = await readModels.list({ ...filter, limit: 3, total: true }, partnerIds);
      expect(page.total).toBe(expectedIds(stored, filter, partnerIds).length);
    }
  });

  const filters: Array<[string, CustomerListFilter, PartnerIds]> = [
    ['status and location, by name', { status: ['blocked'], locationId: [1], sort: 'fullName' }, null],
    ['status and location, by name descending', { status: ['active', 'new'], locationId: [2, 3], sort: '-fullName' }, null],
    ['category and billing type, by balance', { category: ['company'], billingType: ['recurring'], sort: '-balance' }, null],
    ['status and partner, by update time', { status: ['active'], partnerId: [2], sort: '-updatedAt' }, null],
    ['one status in a partner scope, by update time', { status: ['inactive'], sort: 'updatedAt', includeDeleted: true }, [1, 3]],
    ['one status, by name (the sort-index walk)', { status: ['new'], sort: 'fullName' }, null],
    ['three filters, by id', { status: ['active'], locationId: [4], category: ['person'], sort: '-id' }, [2, 3]],
  ];

  it.each(filters)('filters: %s: every page in order, each match once', async (_label, filter, partnerIds) => {
    const expected = expectedIds(stored, filter, partnerIds);
    expect(expected.length).toBeGreaterThan(7);
    for (const limit of [1, 7, 50]) {
      expect({ limit, ids: await allPages({ ...filter, limit }, partnerIds) }).toEqual({ limit, ids: expected });
    }
    const page = await readModels.list({ ...filter, limit: 2, total: true }, partnerIds);
    expect(page.total).toBe(expected.length);
  });
});
