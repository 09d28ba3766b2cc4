import { Injectable } from '@nestjs/common';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { Inject } from '@nestjs/common';
import { DATABASE } from '../../database/database.module.js';
import type { Database } from '../../database/database.js';
import { ProjectionRuntime } from '../../projections-runtime/projection-runtime.js';
import { customerDecider, customerStreamId, definedAdditionalFields, type AdditionalFieldValue, type Customer, type CustomerView } from '../domain/index.js';
import type { AdditionalFieldDefinition } from '../../reference-data/domain/index.js';
import {
  customerListProjection,
  LIST_SORT_EXPRESSIONS,
  rowFromDb,
  type ListSortKey,
} from '../../../projections/customer-list/customer-list.projection.js';
import { customerProfileProjection, profileView, withoutSecrets } from '../../../projections/customer-profile/customer-profile.projection.js';
import { loadAggregate } from '../../event-sourcing/command-runner.js';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port.js';
import { readActivity, type ActivityEntry, type ActivityFilter } from '../../../projections/customer-activity/customer-activity.queries.js';
import { customerStatsProjection, type StatsDimension } from '../../../projections/customer-stats/customer-stats.projection.js';
import { readCombinationsAsOf, readMembersAsOf } from '../../../projections/customer-temporal/customer-temporal.queries.js';
import { fieldsProblem } from '../../common/problem.js';
import { referenceDataProjection } from '../../../projections/reference-data/reference-data.projection.js';
import { decodeCursor, encodeCursor, invalidCursor } from '../../common/cursor.js';

/** Which partners' customers the caller may see: null = every partner (see src/auth PartnerScope). */
export type PartnerIds = readonly number[] | null;

export interface CustomerListFilter {
  status?: string[];
  partnerId?: number[];
  locationId?: number[];
  billingType?: string[];
  category?: string[];
  labels?: string[];
  isLead?: boolean;
  q?: string;
  sort?: string;
  limit?: number;
  cursor?: string;
  total?: boolean;
  includeDeleted?: boolean;
  /** The list as of this time (ISO): see listAsOf. */
  asOf?: string;
}

export interface CustomerListItem {
  id: number;
  login: string;
  fullName: string;
  status: string;
  billingType: string;
  category: string;
  partnerId: number;
  locationId: number;
  emails: string[];
  phones: string[];
  street: string | null;
  street2: string | null;
  zipCode: string | null;
  city: string | null;
  accountNumber: string | null;
  balance: number;
  dateAdded: string;
  labels: string[];
  /** Only the fields whose definition says showInList. */
  additionalFields: Record<string, unknown>;
  isLead: boolean;
  deleted: boolean;
  createdAt: string;
  updatedAt: string;
  revision: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
}

export interface CustomerProfile extends CustomerView {
  /** Notes flagged as pop-up: what the admin UI shows as an alert when the profile opens. */
  alerts: CustomerView['notes'];
  /** Labels of the additional fields, by name, from their definitions. */
  additionalFieldLabels: Record<string, string>;
}

export type { ActivityEntry, ActivityFilter };

export interface CustomerStats {
  total: number;
  byStatus: Record<string, number>;
  byBillingType: Record<string, number>;
  byCategory: Record<string, number>;
  byPartner: Array<{ partnerId: number; count: number }>;
  byLocation: Array<{ locationId: number; count: number }>;
  leads: number;
}

type SortType = 'text' | 'integer' | 'numeric' | 'timestamptz';
const SORT_TYPES: Record<ListSortKey, SortType> = {
  id: 'integer',
  login: 'text',
  fullName: 'text',
  status: 'text',
  billingType: 'text',
  category: 'text',
  partnerId: 'integer',
  locationId: 'integer',
  city: 'text',
  accountNumber: 'text',
  balance: 'numeric',
  dateAdded: 'text',
  updatedAt: 'timestamptz',
};

interface ListCursor {
  s: string;
  v: string | number | null;
  id: number;
}

const PHONE_LIKE = /^[\d\s+().\-/]+$/;

/** A search's first walk (see searchPageById), and how many rows it may walk in all (~1 µs a row). */
const FIRST_WALK_ROWS = 4_000;
const WALK_ROWS = 25_000;

/** The list filters (everything but `q`), on the list table's columns. */
function listConditions(filter: CustomerListFilter, partnerIds: PartnerIds): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  const anyOf = (column: string, values: readonly (string | number)[] | undefined) => {
    if (values && values.length) conditions.push(sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql`${value}`))})`);
  };
  if (!filter.includeDeleted) conditions.push(sql`not deleted`);
  anyOf('status', filter.status);
  anyOf('partner_id', filter.partnerId);
  anyOf('location_id', filter.locationId);
  anyOf('billing_type', filter.billingType);
  anyOf('category', filter.category);
  if (filter.labels?.length) conditions.push(sql`labels @> ${sql`array[${sql.join(filter.labels.map((label) => sql`${label}`))}]::text[]`}`);
  if (filter.isLead !== undefined) conditions.push(sql`is_lead = ${filter.isLead}`);
  if (partnerIds !== null) {
    conditions.push(partnerIds.length ? sql`partner_id in (${sql.join(partnerIds.map((id) => sql`${id}`))})` : sql`false`);
  }
  return conditions;
}

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * The customer read side: every GET on customers answers from these projections' ACTIVE tables
 * (through ProjectionRuntime.read, which survives a blue/green switch), never from the event store.
 */
@Injectable()
export class CustomerReadModels {
  private readonly trigram = new Map<string, Promise<boolean>>();

  constructor(
    private readonly runtime: ProjectionRuntime,
    @Inject(DATABASE) private readonly database: Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  private get db(): Kysely<any> {
    return this.database.db;
  }

  // ---------------------------------------------------------------- list

  async list(filter: CustomerListFilter, partnerIds: PartnerIds): Promise<Page<CustomerListItem>> {
    if (filter.asOf !== undefined) return this.listAsOf(filter, new Date(filter.asOf), partnerIds);
    const sortParam = filter.sort ?? 'id';
    const descending = sortParam.startsWith('-');
    const sortKey = (descending ? sortParam.slice(1) : sortParam) as ListSortKey;
    const expression = sql.raw(LIST_SORT_EXPRESSIONS[sortKey]);
    const sortType = SORT_TYPES[sortKey];
    const limit = filter.limit ?? 50;
    const cursor = filter.cursor
      ? decodeCursor<ListCursor>(
          filter.cursor,
          (value): value is ListCursor & Record<string, unknown> =>
            typeof value.s === 'string' && Number.isSafeInteger(value.id) && (typeof value.v === 'string' || typeof value.v === 'number' || value.v === null),
        )
      : undefined;
    if (cursor && cursor.s !== sortParam) throw invalidCursor(`cursor belongs to sort=${cursor.s}, not sort=${sortParam}`);
    const listFields = await this.listFieldNames();

    return this.runtime.read(customerListProjection, async ({ list, search }) => {
      const conditions = listConditions(filter, partnerIds);
      const q = filter.q?.trim();
      const matchesQ = q ? await this.searchCondition(search, q) : undefined;
      const direction = sql.raw(descending ? 'desc' : 'asc');
      const keyset: RawBuilder<unknown>[] = [];
      if (cursor) {
        const value = sql`cast(${cursor.v === null ? null : String(cursor.v)} as ${sql.raw(sortType)})`;
        keyset.push(descending ? sql`(${expression}, customer_id) < (${value}, ${cursor.id})` : sql`(${expression}, customer_id) > (${value}, ${cursor.id})`);
      }
      const inSearch = matchesQ ? [sql`customer_id in (select customer_id from ${sql.table(search)} where ${matchesQ})`] : [];
      const where = (all: RawBuilder<unknown>[]) => (all.length ? sql`where ${sql.join(all, sql` and `)}` : sql``);

      let rows: Record<string, unknown>[];
      if (q && matchesQ && sortKey === 'id') {
        rows = await this.searchPageById({ list, search, q, matchesQ, conditions, after: cursor?.id, descending, wanted: limit + 1 });
      } else {
        // The page's ids first, from the sort index alone where it covers the filters (index-only:
        // the rows the filters reject are never fetched), then those rows.
        ({ rows } = await sql<Record<string, unknown>>`
          select customer_list.*, top.sort_value from (
            select customer_id, ${expression} as sort_key, (${expression})::text as sort_value from ${sql.table(list)}
            ${where([...conditions, ...inSearch, ...keyset])}
            order by ${expression} ${direction}, customer_id ${direction}
            limit ${limit + 1}) top
          join ${sql.table(list)} customer_list using (customer_id)
          order by top.sort_key ${direction}, customer_id ${direction}`.execute(this.db));
      }
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextCursor =
        rows.length > limit && last
          ? encodeCursor({ s: sortParam, v: (last.sort_value as string | null) ?? null, id: Number(last.customer_id) } satisfies ListCursor)
          : null;
      const result: Page<CustomerListItem> = { items: page.map((row) => toListItem(row, listFields)), nextCursor };
      if (filter.total) {
        const counted = await sql<{ count: string | number }>`select count(*) as count from ${sql.table(list)} ${where([...conditions, ...inSearch])}`.execute(this.db);
        result.total = Number(counted.rows[0].count);
      }
      return result;
    });
  }

  /**
   * The list as of a time: the customers whose reported dimensions (status, partner, location,
   * billing type, category, lead, deleted) matched the filters then, from the temporal read model,
   * in id order; each item is the customer's list row of now with those dimensions as they were.
   */
  private async listAsOf(filter: CustomerListFilter, asOf: Date, partnerIds: PartnerIds): Promise<Page<CustomerListItem>> {
    const refused = [
      ...(filter.q !== undefined ? [{ field: 'q', rule: 'not_with_as_of', message: 'q cannot be combined with asOf' }] : []),
      ...(filter.labels?.length ? [{ field: 'labels', rule: 'not_with_as_of', message: 'labels cannot be combined with asOf' }] : []),
      ...(filter.sort !== undefined && filter.sort !== 'id' && filter.sort !== '-id' ? [{ field: 'sort', rule: 'not_with_as_of', message: 'with asOf the list is sorted by id (id or -id)' }] : []),
    ];
    if (refused.length) throw fieldsProblem(refused);
    const sortParam = filter.sort ?? 'id';
    const descending = sortParam === '-id';
    const limit = filter.limit ?? 50;
    const marker = `asOf:${sortParam}`;
    const cursor = filter.cursor
      ? decodeCursor<ListCursor>(filter.cursor, (value): value is ListCursor & Record<string, unknown> => typeof value.s === 'string' && Number.isSafeInteger(value.id))
      : undefined;
    if (cursor && cursor.s !== marker) throw invalidCursor(`cursor does not belong to an asOf list sorted by ${sortParam}`);
    const { members, total } = await readMembersAsOf(this.runtime, this.db, { asOf, filter, partnerIds, afterId: cursor?.id, descending, limit: limit + 1, total: filter.total });
    const page = members.slice(0, limit);
    const listFields = await this.listFieldNames();
    const rows = page.length
      ? await this.runtime.read(customerListProjection, async ({ list }) => {
          const { rows: found } = await sql<Record<string, unknown>>`select * from ${sql.table(list)} where customer_id = any(${`{${page.map((member) => member.customerId).join(',')}}`}::integer[])`.execute(this.db);
          return new Map(found.map((row) => [Number(row.customer_id), row]));
        })
      : new Map<number, Record<string, unknown>>();
    const items = page.flatMap((member) => {
      const row = rows.get(member.customerId);
      if (!row) return [];
      const item = toListItem(row, listFields);
      return [{ ...item, status: member.status, billingType: member.billingType, category: member.category, partnerId: member.partnerId, locationId: member.locationId, isLead: member.isLead, deleted: member.deleted }];
    });
    const last = page[page.length - 1];
    const nextCursor = members.length > limit && last ? encodeCursor({ s: marker, v: null, id: last.customerId } satisfies ListCursor) : null;
    return { items, nextCursor, ...(total !== undefined ? { total } : {}) };
  }

  /**
   * A search page in id order, read a window of the search table at a time, so the trigram index's
   * matches are never all fetched and joined to the list: only a window's matches are checked
   * against the list filters (deleted, partner scope, status, …), and the next window tops the page
   * up until it is full or the matches run out. A window is either
   * - a walk: the next rows in id order, each tested against `q`. A frequent fragment ("son",
   *   "eters": 0.5–10 % of the customers) fills the page within a few thousand rows, whereas the
   *   trigram index would fetch its thousands of matches (and lossy candidates) from all over the table;
   * - an index read: the next matches through the trigram index, in id order. For rare words (a full
   *   name, several words, phone digits) the index finds the few candidates at once.
   * Several words or a run of digits are rare: straight to the index. Otherwise a first walk measures
   * how often rows pass; the walk goes on only while it is expected to fill the page within WALK_ROWS.
   */
  private async searchPageById(query: {
    list: string;
    search: string;
    q: string;
    matchesQ: RawBuilder<unknown>;
    conditions: RawBuilder<unknown>[];
    after: number | undefined;
    descending: boolean;
    wanted: number;
  }): Promise<Record<string, unknown>[]> {
    const { list, search, matchesQ, conditions, descending, wanted } = query;
    const direction = sql.raw(descending ? 'desc' : 'asc');
    const passing = conditions.length ? sql`and ${sql.join(conditions, sql` and `)}` : sql``;
    const found: Record<string, unknown>[] = [];
    let after = query.after;
    let walk = !/\s/.test(query.q) && !/\d{4}/.test(query.q);
    let walked = 0;
    // Index reads: with no filter but `not deleted`, nearly every match passes.
    let indexWindow = conditions.length > 1 ? wanted * 4 : wanted + 8;
    let walkWindow = FIRST_WALK_ROWS;
    for (;;) {
      const beyond = after === undefined ? sql`true` : descending ? sql`customer_id < ${after}` : sql`customer_id > ${after}`;
      const windowSize = walk ? walkWindow : indexWindow;
      const scanned = walk
        ? sql`select customer_id, ${matchesQ} as matched from ${sql.table(search)} where ${beyond} order by customer_id ${direction} limit ${windowSize}`
        : // `customer_id + 0`: the trigram index, never a walk of the primary key (the walk is what we just gave up).
          sql`select customer_id, true as matched from ${sql.table(search)} where ${matchesQ} and ${beyond} order by customer_id + 0 ${direction} limit ${windowSize}`;
      const { rows } = await sql<Record<string, unknown>>`
        with scanned as (${scanned})
        select page.*, page.customer_id::text as sort_value, summary.window_rows, summary.window_end
        from (select count(*) as window_rows, ${sql.raw(descending ? 'min' : 'max')}(customer_id) as window_end from scanned) summary
        left join lateral (
          select * from ${sql.table(list)} where customer_id = any(array(select customer_id from scanned where matched)) ${passing}
          order by customer_id ${direction} limit ${wanted - found.length}) page on true
        order by page.customer_id ${direction}`.execute(this.db);
      const pageRows = rows.filter((row) => row.customer_id !== null && row.customer_id !== undefined);
      found.push(...pageRows);
      const summary = rows[0];
      if (found.length >= wanted || !summary || Number(summary.window_rows) < windowSize || summary.window_end === null) return found;
      after = Number(summary.window_end);
      if (!walk) {
        indexWindow *= 4;
        continue;
      }
      walked += windowSize;
      // Rows still to walk at the rate seen so far; beyond the budget the index is cheaper.
      const rowsToFill = pageRows.length ? Math.ceil(((wanted - found.length) * windowSize * 1.25) / pageRows.length) : Infinity;
      if (walked + rowsToFill <= WALK_ROWS) walkWindow = Math.max(rowsToFill, 1_000);
      else walk = false;
    }
  }

  /**
   * Every word of `q` must match (as part of a word: pg_trgm-indexed ILIKE; without pg_trgm, as a
   * word prefix through the tsvector); a word that is a number also matches phone digits. A query
   * that is a whole phone number ("+371 2000-1234") matches by its digits too.
   */
  private async searchCondition(search: string, q: string): Promise<RawBuilder<unknown>> {
    const trigram = await this.hasTrigram(search);
    const words = q.split(/\s+/).filter(Boolean).slice(0, 10);
    const wordConditions = words.map((word) => {
      const text = trigram
        ? sql`search_text like ${`%${likeEscape(word.toLowerCase())}%`}`
        : sql`search @@ to_tsquery('simple', quote_literal(${word.toLowerCase()}) || ':*')`;
      const digits = word.replace(/\D/g, '');
      return PHONE_LIKE.test(word) && digits.length >= 3 ? sql`(${text} or phone_digits like ${`%${digits}%`})` : text;
    });
    const all = sql`(${sql.join(wordConditions, sql` and `)})`;
    const digits = q.replace(/\D/g, '');
    if (words.length > 1 && PHONE_LIKE.test(q) && digits.length >= 3) return sql`(${all} or phone_digits like ${`%${digits}%`})`;
    return all;
  }

  /** Whether this version's search table got its pg_trgm index (createTables decides, per server). */
  private hasTrigram(search: string): Promise<boolean> {
    let known = this.trigram.get(search);
    if (!known) {
      known = sql<{ ok: boolean }>`select exists(select 1 from pg_indexes where indexname = ${`${search}_trgm`}) as ok`
        .execute(this.db)
        .then((result) => result.rows[0].ok === true);
      known.catch(() => this.trigram.delete(search));
      this.trigram.set(search, known);
    }
    return known;
  }

  /** The additional fields shown in the list (definitions with showInList). */
  private async listFieldNames(): Promise<AdditionalFieldDefinition[]> {
    return (await this.definitions()).filter((definition) => definition.showInList === true);
  }

  /** The current additional field definitions, from the reference-data read model. */
  private async definitions(): Promise<AdditionalFieldDefinition[]> {
    const rows = await this.runtime.read(referenceDataProjection, async ({ fields }) => {
      const { rows } = await sql<{ name: string; definition: AdditionalFieldDefinition }>`select name, definition from ${sql.table(fields)}`.execute(this.db);
      return rows;
    });
    return rows.map((row) => ({ ...row.definition, name: row.name }));
  }

  // ---------------------------------------------------------------- profile

  /**
   * The profile document, or null when absent, deleted (unless asked for) or outside the partner
   * scope. From the profile read model (its revision may trail the stream), or with `consistent`
   * folded from the event store: the stream's current head, so its revision is what If-Match needs.
   */
  async profile(id: number, partnerIds: PartnerIds, options: { includeDeleted?: boolean; now?: string; consistent?: boolean } = {}): Promise<CustomerProfile | null> {
    const includeDeleted = options.includeDeleted ?? false;
    const state = options.consistent ? await this.headState(id, partnerIds, includeDeleted) : await this.state(id, partnerIds, includeDeleted);
    if (!state) return null;
    const view = profileView(state, options.now ?? new Date().toISOString());
    const definitions = await this.definitions();
    // Values of removed or re-typed fields are not part of the profile (see definedAdditionalFields).
    const document = { ...view, additionalFields: definedAdditionalFields(view.additionalFields as Record<string, AdditionalFieldValue>, definitions) };
    const additionalFieldLabels: Record<string, string> = {};
    for (const definition of definitions) if (definition.name in document.additionalFields) additionalFieldLabels[definition.name] = definition.label ?? definition.name;
    return {
      ...document,
      alerts: document.notes.filter((note) => note.popup),
      additionalFieldLabels,
    };
  }

  /** The customer folded from its stream (the write side's truth), secrets blanked as in the read model. */
  private async headState(id: number, partnerIds: PartnerIds, includeDeleted: boolean): Promise<Customer | null> {
    const { state } = await loadAggregate(this.store, customerStreamId(id), customerDecider);
    if (!state.exists) return null;
    if (state.deleted && !includeDeleted) return null;
    if (partnerIds !== null && !partnerIds.includes(Number(state.partnerId))) return null;
    return withoutSecrets(state);
  }

  private async state(id: number, partnerIds: PartnerIds, includeDeleted: boolean): Promise<Customer | null> {
    const row = await this.runtime.read(customerProfileProjection, async ({ profile }) => {
      const { rows } = await sql<{ state: Customer; deleted: boolean; partner_id: number }>`
        select state, deleted, partner_id from ${sql.table(profile)} where customer_id = ${id}`.execute(this.db);
      return rows[0];
    });
    if (!row) return null;
    if (row.deleted && !includeDeleted) return null;
    if (partnerIds !== null && !partnerIds.includes(Number(row.partner_id))) return null;
    return row.state;
  }

  /** Whether the customer has ever existed (deleted included) and is inside the partner scope. */
  async exists(id: number, partnerIds: PartnerIds): Promise<boolean> {
    const row = await this.runtime.read(customerProfileProjection, async ({ profile }) => {
      const { rows } = await sql<{ deleted: boolean; partner_id: number }>`
        select deleted, partner_id from ${sql.table(profile)} where customer_id = ${id}`.execute(this.db);
      return rows[0];
    });
    return row !== undefined && (partnerIds === null || partnerIds.includes(Number(row.partner_id)));
  }

  /** The partners of these customers (deleted ones included); ids without a profile are left out. */
  async partnersOf(ids: readonly number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    return this.runtime.read(customerProfileProjection, async ({ profile }) => {
      const { rows } = await sql<{ customer_id: number | string; partner_id: number | string }>`
        select customer_id, partner_id from ${sql.table(profile)} where customer_id in (${sql.join([...new Set(ids)].map((id) => sql`${id}`))})`.execute(this.db);
      return new Map(rows.map((row) => [Number(row.customer_id), Number(row.partner_id)]));
    });
  }

  // ---------------------------------------------------------------- activity

  activity(id: number, filter: ActivityFilter): Promise<Page<ActivityEntry>> {
    return readActivity(this.runtime, this.db, id, filter);
  }

  // ---------------------------------------------------------------- stats

  async stats(partnerIds: PartnerIds): Promise<CustomerStats> {
    const rows = await this.runtime.read(customerStatsProjection, async ({ members, counts }) => {
      if (partnerIds === null) {
        const result = await sql<{ dimension: StatsDimension; key: string; count: string | number }>`
          select dimension, key, count from ${sql.table(counts)} where count <> 0`.execute(this.db);
        return result.rows;
      }
      if (partnerIds.length === 0) return [];
      // A partner-restricted admin: count their customers only (an indexed scan of their members).
      const scoped = sql`from ${sql.table(members)} where not deleted and partner_id in (${sql.join(partnerIds.map((id) => sql`${id}`))})`;
      const result = await sql<{ dimension: StatsDimension; key: string; count: string | number }>`
        select 'total' as dimension, 'all' as key, count(*) as count ${scoped}
        union all select 'status', status, count(*) ${scoped} group by status
        union all select 'billingType', billing_type, count(*) ${scoped} group by billing_type
        union all select 'category', category, count(*) ${scoped} group by category
        union all select 'partner', partner_id::text, count(*) ${scoped} group by partner_id
        union all select 'location', location_id::text, count(*) ${scoped} group by location_id
        union all select 'lead', 'true', count(*) ${scoped} and is_lead`.execute(this.db);
      return result.rows.filter((row) => Number(row.count) !== 0);
    });
    return statsOf(rows);
  }

  /**
   * The counts as they were at `asOf` (event time), from the temporal read model: every customer
   * period valid then (index range on valid_from, then valid_to checked from the index), grouped
   * by its dimensions in one pass.
   */
  async statsAsOf(asOf: Date, partnerIds: PartnerIds): Promise<CustomerStats> {
    const combinations = await readCombinationsAsOf(this.runtime, this.db, asOf, partnerIds);
    const totals = new Map<string, { dimension: StatsDimension; key: string; count: number }>();
    const add = (dimension: StatsDimension, key: string, count: number) => {
      const id = `${dimension}\u0000${key}`;
      const entry = totals.get(id) ?? { dimension, key, count: 0 };
      entry.count += count;
      totals.set(id, entry);
    };
    for (const row of combinations) {
      const count = row.count;
      add('total', 'all', count);
      add('status', row.status, count);
      add('billingType', row.billingType, count);
      add('category', row.category, count);
      add('partner', String(row.partnerId), count);
      add('location', String(row.locationId), count);
      if (row.isLead) add('lead', 'true', count);
    }
    return statsOf([...totals.values()]);
  }
}

/** The answer of GET /customers/stats from (dimension, key, count) rows. */
function statsOf(rows: ReadonlyArray<{ dimension: StatsDimension; key: string; count: string | number }>): CustomerStats {
  const stats: CustomerStats = {
    total: 0,
    byStatus: { new: 0, active: 0, blocked: 0, inactive: 0 },
    byBillingType: { recurring: 0, prepaid_custom: 0, prepaid_daily: 0 },
    byCategory: { person: 0, company: 0 },
    byPartner: [],
    byLocation: [],
    leads: 0,
  };
  for (const row of rows) {
    const count = Number(row.count);
    switch (row.dimension) {
      case 'total':
        stats.total = count;
        break;
      case 'status':
        stats.byStatus[row.key] = count;
        break;
      case 'billingType':
        stats.byBillingType[row.key] = count;
        break;
      case 'category':
        stats.byCategory[row.key] = count;
        break;
      case 'partner':
        stats.byPartner.push({ partnerId: Number(row.key), count });
        break;
      case 'location':
        stats.byLocation.push({ locationId: Number(row.key), count });
        break;
      case 'lead':
        stats.leads = count;
        break;
    }
  }
  stats.byPartner.sort((a, b) => a.partnerId - b.partnerId);
  stats.byLocation.sort((a, b) => a.locationId - b.locationId);
  return stats;
}

function toListItem(raw: Record<string, unknown>, listFields: readonly AdditionalFieldDefinition[]): CustomerListItem {
  const row = rowFromDb(raw);
  return {
    id: row.customer_id,
    login: row.login,
    fullName: row.full_name,
    status: row.status,
    billingType: row.billing_type,
    category: row.category,
    partnerId: row.partner_id,
    locationId: row.location_id,
    emails: row.emails,
    phones: row.phones,
    street: row.street,
    street2: row.street2,
    zipCode: row.zip_code,
    city: row.city,
    accountNumber: row.account_number,
    balance: row.balance,
    dateAdded: row.date_added,
    labels: row.labels,
    additionalFields: definedAdditionalFields(row.additional_fields as Record<string, AdditionalFieldValue>, listFields),
    isLead: row.is_lead,
    deleted: row.deleted,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revision: row.last_revision,
  };
}
