import { sql, type Kysely, type Transaction } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import { ERASED, PERSONAL_DATA_ERASED_EVENT, type Change, type CustomerCreatedData } from '../../src/customers/domain/index.js';
import {
  CUSTOMER_PROJECTION_EVENT_TYPES,
  columnList,
  ensureTrigramExtension,
  excludedAssignments,
  groupByCustomer,
  intArray,
  isoOf,
  numberOf,
  recordset,
  startsStream,
} from '../customer-common/customer-events.js';

/**
 * The customer list: one row per customer with what the admin UI's customer table shows, filters
 * and sorts on (`list`), and its search columns in a table of their own (`search`):
 * - `search_text`: name, login, emails, phones, address, city, ZIP and account number, lower-cased;
 *   pg_trgm GIN-indexed (substring search, `LIKE '%…%'`) where the extension is available;
 * - `search`: a tsvector ('simple' config) over the same text, GIN-indexed instead when pg_trgm is
 *   not available (word-prefix search);
 * - `phone_digits`: every phone reduced to its digits, space separated ("+1 555-010-2000" → 15550102000).
 * Keeping them apart means the GIN indexes are written only when the searchable text changes
 * (create, name / contact / address edits), not on every status change, payment or comment.
 *
 * Rows are folded in memory per customer per batch (the stored row, then the batch's events), then
 * written with ONE multi-row upsert per table, guarded by the stream revision (replay-safe).
 * `additional_fields` holds every value; the query shows those whose definition has showInList.
 */
export type CustomerListTables = { list: string; search: string };

/** The folded row (what the table holds, before the derived search columns). */
export interface CustomerListRow {
  customer_id: number;
  login: string;
  full_name: string;
  status: string;
  billing_type: string;
  category: string;
  partner_id: number;
  location_id: number;
  emails: string[];
  phones: string[];
  street: string | null;
  street2: string | null;
  zip_code: string | null;
  city: string | null;
  account_number: string | null;
  balance: number;
  date_added: string;
  labels: string[];
  additional_fields: Record<string, unknown>;
  is_lead: boolean;
  deleted: boolean;
  created_at: string;
  updated_at: string;
  last_revision: number;
  last_position: string;
}

const COLUMNS = {
  customer_id: 'integer',
  login: 'text',
  full_name: 'text',
  status: 'text',
  billing_type: 'text',
  category: 'text',
  partner_id: 'integer',
  location_id: 'integer',
  emails: 'text[]',
  phones: 'text[]',
  street: 'text',
  street2: 'text',
  zip_code: 'text',
  city: 'text',
  account_number: 'text',
  balance: 'numeric',
  date_added: 'text',
  labels: 'text[]',
  additional_fields: 'jsonb',
  is_lead: 'boolean',
  deleted: 'boolean',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  last_revision: 'integer',
  last_position: 'text',
} as const;

const SEARCH_COLUMNS = { customer_id: 'integer', last_revision: 'integer', search_text: 'text', phone_digits: 'text' } as const;

/**
 * Sort expressions shared by the indexes and the list query (they must match for index use). Text
 * sorts are case-insensitive and in "C" collation, so keyset pages are the same on every server
 * whatever its locale. The enum columns (status, billing type, category) and the ids sort as they
 * are, through the indexes that also serve their filters.
 */
export const LIST_SORT_EXPRESSIONS = {
  id: 'customer_id',
  login: 'lower(login) collate "C"',
  fullName: 'lower(full_name) collate "C"',
  status: 'status',
  billingType: 'billing_type',
  category: 'category',
  partnerId: 'partner_id',
  locationId: 'location_id',
  city: `lower(coalesce(city, '')) collate "C"`,
  accountNumber: `coalesce(account_number, '') collate "C"`,
  balance: 'balance',
  dateAdded: 'date_added collate "C"',
  updatedAt: 'updated_at',
} as const;

/** Sorts served by the filter indexes `(<column>, customer_id)`. */
const FILTER_COLUMNS = ['status', 'billing_type', 'category', 'partner_id', 'location_id'];

export type ListSortKey = keyof typeof LIST_SORT_EXPRESSIONS;

/** The filter columns stored in the sort indexes (labels excepted: an array, served by its GIN index). */
const COVERED_FILTER_COLUMNS = ['deleted', 'status', 'partner_id', 'location_id', 'billing_type', 'category', 'is_lead'];
/** The column a sort expression is computed from: PostgreSQL reads an expression index-only only when it also holds the column. */
const SORT_SOURCE_COLUMNS: Partial<Record<ListSortKey, string[]>> = {
  login: ['login'],
  fullName: ['full_name'],
  city: ['city'],
  accountNumber: ['account_number'],
  dateAdded: ['date_added'],
};

export const customerListProjection = defineProjection<CustomerListTables>({
  name: 'customer_list',
  // 2: search columns in their own table. 3: the sort indexes cover the filter columns.
  version: 3,
  handles: CUSTOMER_PROJECTION_EVENT_TYPES,
  tables: (version: number) => ({ list: versionedTable('customer_list', version), search: versionedTable('customer_list_search', version) }),

  async createTables(db, { list, search }) {
    const table = sql.table(list);
    await sql`create table ${table} (
      customer_id integer primary key,
      login text not null,
      full_name text not null,
      status text not null,
      billing_type text not null,
      category text not null,
      partner_id integer not null,
      location_id integer not null,
      emails text[] not null,
      phones text[] not null,
      street text,
      street2 text,
      zip_code text,
      city text,
      account_number text,
      balance numeric not null,
      date_added text not null,
      labels text[] not null,
      additional_fields jsonb not null,
      is_lead boolean not null,
      deleted boolean not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      last_revision integer not null,
      last_position text not null
    ) with (fillfactor = 85)`.execute(db);
    await sql`create table ${sql.table(search)} (
      customer_id integer primary key,
      last_revision integer not null,
      search_text text not null,
      phone_digits text not null,
      search tsvector generated always as (to_tsvector('simple'::regconfig, search_text)) stored
    )`.execute(db);
  },

  // A rebuild writes its rows without these and builds them before the switch (15 index builds
  // cost far less than maintaining 15 indexes on every upsert).
  async createIndexes(db, { list, search }) {
    const index = async (on: string, suffix: string, definition: string, using = 'btree', include: readonly string[] = []) =>
      sql`create index if not exists ${sql.raw(`${on}_${suffix}`)} on ${sql.table(on)} using ${sql.raw(using)} (${sql.raw(definition)})${sql.raw(include.length ? ` include (${include.join(', ')})` : '')}`.execute(db);
    // Every index costs on each write (most events change updated_at, so list updates are rarely
    // HOT): one per filter, one per other sort.
    for (const column of FILTER_COLUMNS) await index(list, column, `${column}, customer_id`);
    for (const [key, expression] of Object.entries(LIST_SORT_EXPRESSIONS)) {
      if (key === 'id' || FILTER_COLUMNS.includes(expression)) continue;
      // Covering: a filtered first page walks the sort index testing the filters on the index
      // entries (index-only), instead of fetching every walked row from the table.
      await index(list, `sort_${key.toLowerCase()}`, `(${expression}), customer_id`, 'btree', [...(SORT_SOURCE_COLUMNS[key as ListSortKey] ?? []), ...COVERED_FILTER_COLUMNS]);
    }
    await index(list, 'labels', 'labels', 'gin');
    if (await ensureTrigramExtension(db)) {
      await index(search, 'trgm', 'search_text gin_trgm_ops', 'gin');
      await index(search, 'phone_trgm', 'phone_digits gin_trgm_ops', 'gin');
    } else {
      // Without pg_trgm the query searches word prefixes through the tsvector.
      await index(search, 'words', 'search', 'gin');
    }
  },

  needsMetadata: false,

  async apply(trx, events, tables) {
    const groups = groupByCustomer(events);
    if (groups.size === 0) return;
    const toLoad = [...groups].filter(([, group]) => !startsStream(group)).map(([id]) => id);
    await foldAndWrite(trx, groups, await loadRows(trx, tables.list, toLoad), tables);
  },

  // Rebuild: each customer's whole history at once, on empty tables (one write per customer).
  async applyStreams(trx, streams, tables) {
    const groups = groupByCustomer(streams.flat());
    if (groups.size > 0) await foldAndWrite(trx, groups, new Map(), tables);
  },
});

/** Folds each customer's events onto its stored row and writes the rows that changed. */
async function foldAndWrite(
  trx: Transaction<any>,
  groups: ReadonlyMap<number, readonly RecordedEvent[]>,
  stored: ReadonlyMap<number, CustomerListRow>,
  { list, search }: CustomerListTables,
): Promise<void> {
  const rows: CustomerListRow[] = [];
  const searchRows: Array<{ customer_id: number; last_revision: number; search_text: string; phone_digits: string }> = [];
  for (const [id, group] of groups) {
    const before = stored.get(id);
    let row = before;
    let text = before ? searchColumns(before) : undefined;
    // The revision at which the searchable text last changed: the same whatever the batching.
    let textChangedAt: number | undefined;
    for (const event of group) {
      const next = foldListRow(row, event);
      if (next && next !== row && SEARCH_EVENTS.has(event.type)) {
        const columns = searchColumns(next);
        if (!text || text.search_text !== columns.search_text || text.phone_digits !== columns.phone_digits) {
          text = columns;
          textChangedAt = event.revision;
        }
      }
      row = next;
    }
    if (!row || row === before) continue;
    rows.push(row);
    if (text && textChangedAt !== undefined) searchRows.push({ customer_id: row.customer_id, last_revision: textChangedAt, ...text });
  }
  await upsert(trx, list, COLUMNS, rows);
  // Written only when the text changed; its revision guard keeps an older replayed text out.
  await upsert(trx, search, SEARCH_COLUMNS, searchRows);
}

/** The events that can change the searchable text (name, login, emails, phones, address). */
const SEARCH_EVENTS = new Set([
  'CustomerCreated',
  'CustomerMainInfoChanged',
  'CustomerContactInfoChanged',
  'CustomerAddressChanged',
  'CustomerVoipSettingsChanged',
  PERSONAL_DATA_ERASED_EVENT,
]);

/** Applies one event to the row (undefined: the customer does not exist yet). Pure; returns a new row. */
export function foldListRow(row: CustomerListRow | undefined, event: RecordedEvent): CustomerListRow | undefined {
  if (row && event.revision <= row.last_revision) return row;
  const data = event.data as Record<string, unknown>;
  if (event.type === 'CustomerCreated') {
    if (row) return row;
    const created = data as unknown as CustomerCreatedData;
    return {
      customer_id: created.customerId,
      login: created.login,
      full_name: created.fullName,
      status: created.status,
      billing_type: created.billingType,
      category: created.category,
      partner_id: created.partnerId,
      location_id: created.locationId,
      emails: [...(created.emails ?? [])],
      phones: [...(created.phones ?? [])],
      street: created.street ?? null,
      street2: created.street2 ?? null,
      zip_code: created.zipCode ?? null,
      city: created.city ?? null,
      account_number: created.voip?.accountNumber ?? null,
      balance: 0,
      date_added: created.dateAdded,
      labels: [...(created.labels ?? [])],
      additional_fields: { ...(created.additionalFields ?? {}) },
      is_lead: false,
      deleted: false,
      created_at: created.at,
      updated_at: created.at,
      last_revision: event.revision,
      last_position: event.position,
    };
  }
  if (!row) return undefined;
  const next: CustomerListRow = { ...row, last_revision: event.revision, last_position: event.position };
  if (typeof data.at === 'string') next.updated_at = data.at;
  for (const change of (data.changes as Change[] | undefined) ?? []) applyChange(next, change);
  // Status events also carry `to` (the change entry says the same; this keeps older events right).
  if ((event.type === 'CustomerActivated' || event.type === 'CustomerBlocked' || event.type === 'CustomerDeactivated') && typeof data.to === 'string') {
    next.status = data.to;
  }
  if (event.type === PERSONAL_DATA_ERASED_EVENT) {
    // The row reads as a replay reads the events now: personal values erased.
    const text = (value: string | null) => (value === null || value === '' ? value : ERASED);
    next.full_name = ERASED;
    next.emails = next.emails.length === 0 ? [] : [ERASED];
    next.phones = next.phones.length === 0 ? [] : [ERASED];
    next.street = text(next.street);
    next.street2 = text(next.street2);
    next.zip_code = text(next.zip_code);
    next.city = text(next.city);
  }
  return next;
}

const FIELD_TO_COLUMN: Record<string, keyof CustomerListRow> = {
  login: 'login',
  fullName: 'full_name',
  status: 'status',
  billingType: 'billing_type',
  category: 'category',
  partnerId: 'partner_id',
  locationId: 'location_id',
  emails: 'emails',
  phones: 'phones',
  street: 'street',
  street2: 'street2',
  zipCode: 'zip_code',
  city: 'city',
  'voip.accountNumber': 'account_number',
  balance: 'balance',
  dateAdded: 'date_added',
  labels: 'labels',
  isLead: 'is_lead',
  deleted: 'deleted',
};

function applyChange(row: CustomerListRow, change: Change): void {
  if (change.field.startsWith('additionalFields.')) {
    const name = change.field.slice('additionalFields.'.length);
    const fields = { ...row.additional_fields };
    if (change.to === null) delete fields[name];
    else fields[name] = change.to;
    row.additional_fields = fields;
    return;
  }
  const column = FIELD_TO_COLUMN[change.field];
  if (!column) return;
  (row as unknown as Record<string, unknown>)[column] = Array.isArray(change.to) ? [...change.to] : change.to;
}

/** The derived search columns of a row. */
export function searchColumns(row: CustomerListRow): { search_text: string; phone_digits: string } {
  const parts = [row.full_name, row.login, ...row.emails, ...row.phones, row.street, row.street2, row.zip_code, row.city, row.account_number];
  return {
    search_text: parts.filter((part): part is string => typeof part === 'string' && part !== '').join(' ').toLowerCase(),
    phone_digits: row.phones.map((phone) => phone.replace(/\D/g, '')).filter(Boolean).join(' '),
  };
}

async function loadRows(trx: Transaction<any> | Kysely<any>, list: string, ids: readonly number[]): Promise<Map<number, CustomerListRow>> {
  const rows = new Map<number, CustomerListRow>();
  if (ids.length === 0) return rows;
  const { rows: found } = await sql<Record<string, unknown>>`
    select ${columnList(COLUMNS)} from ${sql.table(list)} where customer_id = any(${intArray(ids)})`.execute(trx);
  for (const raw of found) {
    const row = rowFromDb(raw);
    rows.set(row.customer_id, row);
  }
  return rows;
}

/** A stored row back to the folded shape (drivers differ in how they return numeric, timestamptz). */
export function rowFromDb(raw: Record<string, unknown>): CustomerListRow {
  return {
    customer_id: numberOf(raw.customer_id),
    login: raw.login as string,
    full_name: raw.full_name as string,
    status: raw.status as string,
    billing_type: raw.billing_type as string,
    category: raw.category as string,
    partner_id: numberOf(raw.partner_id),
    location_id: numberOf(raw.location_id),
    emails: (raw.emails as string[]) ?? [],
    phones: (raw.phones as string[]) ?? [],
    street: (raw.street as string | null) ?? null,
    street2: (raw.street2 as string | null) ?? null,
    zip_code: (raw.zip_code as string | null) ?? null,
    city: (raw.city as string | null) ?? null,
    account_number: (raw.account_number as string | null) ?? null,
    balance: numberOf(raw.balance),
    date_added: raw.date_added as string,
    labels: (raw.labels as string[]) ?? [],
    additional_fields: (raw.additional_fields as Record<string, unknown>) ?? {},
    is_lead: raw.is_lead as boolean,
    deleted: raw.deleted as boolean,
    created_at: isoOf(raw.created_at),
    updated_at: isoOf(raw.updated_at),
    last_revision: numberOf(raw.last_revision),
    last_position: raw.last_position as string,
  };
}

async function upsert(trx: Transaction<any>, table: string, columns: Readonly<Record<string, string>>, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`insert into ${sql.table(table)} (${columnList(columns)})
    select ${columnList(columns)} from ${recordset(rows, columns)}
    on conflict (customer_id) do update set ${excludedAssignments(columns, ['customer_id'])}
    where ${sql.ref(`${table}.last_revision`)} < excluded.last_revision`.execute(trx);
}
