import { sql, type Transaction } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import type { Change, CustomerCreatedData } from '../../src/customers/domain/index.js';
import { CUSTOMER_PROJECTION_EVENT_TYPES, columnList, excludedAssignments, groupByCustomer, intArray, numberOf, recordset } from '../customer-common/customer-events.js';

/**
 * Customer counts per status, billing type, category, partner and location (deleted customers
 * excluded; leads included and also counted under `lead`). `members` keeps each customer's counted
 * attributes; `counts` the totals, moved by the difference each batch makes (before → after per
 * customer), so a query is a read of a few rows, not a GROUP BY over every customer.
 * Replay-safe: events at or below a member's last revision are skipped, so they move nothing.
 */
export type CustomerStatsTables = { members: string; counts: string };

export interface StatsMember {
  customer_id: number;
  status: string;
  billing_type: string;
  category: string;
  partner_id: number;
  location_id: number;
  is_lead: boolean;
  deleted: boolean;
  last_revision: number;
}

export const STATS_DIMENSIONS = ['total', 'status', 'billingType', 'category', 'partner', 'location', 'lead'] as const;
export type StatsDimension = (typeof STATS_DIMENSIONS)[number];

const MEMBER_COLUMNS = {
  customer_id: 'integer',
  status: 'text',
  billing_type: 'text',
  category: 'text',
  partner_id: 'integer',
  location_id: 'integer',
  is_lead: 'boolean',
  deleted: 'boolean',
  last_revision: 'integer',
} as const;

const COUNT_COLUMNS = { dimension: 'text', key: 'text', count: 'bigint' } as const;

export const customerStatsProjection = defineProjection<CustomerStatsTables>({
  name: 'customer_stats',
  version: 1,
  handles: CUSTOMER_PROJECTION_EVENT_TYPES,
  tables: (version: number) => ({ members: versionedTable('customer_stats_members', version), counts: versionedTable('customer_stats_counts', version) }),

  async createTables(db, { members, counts }) {
    await sql`create table ${sql.table(members)} (
      customer_id integer primary key,
      status text not null,
      billing_type text not null,
      category text not null,
      partner_id integer not null,
      location_id integer not null,
      is_lead boolean not null,
      deleted boolean not null,
      last_revision integer not null
    ) with (fillfactor = 85)`.execute(db);
    await sql`create table ${sql.table(counts)} (
      dimension text not null,
      key text not null,
      count bigint not null,
      primary key (dimension, key)
    )`.execute(db);
  },

  needsMetadata: false,

  async apply(trx, events, tables) {
    const groups = groupByCustomer(events);
    if (groups.size === 0) return;
    await foldAndWrite(trx, groups, await loadMembers(trx, tables.members, [...groups.keys()]), tables);
  },

  // Rebuild: each customer's whole history folded once; the counts add up page by page.
  async applyStreams(trx, streams, tables) {
    const groups = groupByCustomer(streams.flat());
    if (groups.size > 0) await foldAndWrite(trx, groups, new Map(), tables);
  },
});

/** Folds each customer's events onto its stored member, writes the changed members and moves the counts. */
async function foldAndWrite(
  trx: Transaction<any>,
  groups: ReadonlyMap<number, readonly RecordedEvent[]>,
  stored: ReadonlyMap<number, StatsMember>,
  { members, counts }: CustomerStatsTables,
): Promise<void> {
  const changed: StatsMember[] = [];
  const delta = new Map<string, { dimension: string; key: string; count: number }>();
  const move = (member: StatsMember | undefined, sign: 1 | -1) => {
    for (const [dimension, key] of countedKeys(member)) {
      const id = `${dimension}\u0000${key}`;
      const entry = delta.get(id) ?? { dimension, key, count: 0 };
      entry.count += sign;
      delta.set(id, entry);
    }
  };
  for (const [id, group] of groups) {
    const before = stored.get(id);
    let member = before;
    for (const event of group) member = foldMember(member, event);
    if (!member || member === before) continue;
    changed.push(member);
    move(before, -1);
    move(member, 1);
  }
  if (changed.length === 0) return;
  await sql`insert into ${sql.table(members)} (${columnList(MEMBER_COLUMNS)})
    select ${columnList(MEMBER_COLUMNS)} from ${recordset(changed, MEMBER_COLUMNS)}
    on conflict (customer_id) do update set ${excludedAssignments(MEMBER_COLUMNS, ['customer_id'])}
    where ${sql.ref(`${members}.last_revision`)} < excluded.last_revision`.execute(trx);
  const moves = [...delta.values()].filter((entry) => entry.count !== 0);
  if (moves.length === 0) return;
  await sql`insert into ${sql.table(counts)} (${columnList(COUNT_COLUMNS)})
    select ${columnList(COUNT_COLUMNS)} from ${recordset(moves, COUNT_COLUMNS)}
    on conflict (dimension, key) do update set count = ${sql.ref(`${counts}.count`)} + excluded.count`.execute(trx);
}

/** The (dimension, key) pairs a member counts under; none when absent or deleted. */
export function countedKeys(member: StatsMember | undefined): Array<[StatsDimension, string]> {
  if (!member || member.deleted) return [];
  const keys: Array<[StatsDimension, string]> = [
    ['total', 'all'],
    ['status', member.status],
    ['billingType', member.billing_type],
    ['category', member.category],
    ['partner', String(member.partner_id)],
    ['location', String(member.location_id)],
  ];
  if (member.is_lead) keys.push(['lead', 'true']);
  return keys;
}

const FIELDS: Record<string, keyof StatsMember> = {
  status: 'status',
  billingType: 'billing_type',
  category: 'category',
  partnerId: 'partner_id',
  locationId: 'location_id',
  isLead: 'is_lead',
  deleted: 'deleted',
};

export function foldMember(member: StatsMember | undefined, event: RecordedEvent): StatsMember | undefined {
  if (member && event.revision <= member.last_revision) return member;
  const data = event.data as Record<string, unknown>;
  if (event.type === 'CustomerCreated') {
    if (member) return member;
    const created = data as unknown as CustomerCreatedData;
    return {
      customer_id: created.customerId,
      status: created.status,
      billing_type: created.billingType,
      category: created.category,
      partner_id: created.partnerId,
      location_id: created.locationId,
      is_lead: false,
      deleted: false,
      last_revision: event.revision,
    };
  }
  if (!member) return undefined;
  const next: StatsMember = { ...member, last_revision: event.revision };
  for (const change of (data.changes as Change[] | undefined) ?? []) {
    const column = FIELDS[change.field];
    if (column) (next as unknown as Record<string, unknown>)[column] = change.to;
  }
  return next;
}

async function loadMembers(trx: Transaction<any>, members: string, ids: readonly number[]): Promise<Map<number, StatsMember>> {
  const { rows } = await sql<Record<string, unknown>>`
    select ${columnList(MEMBER_COLUMNS)} from ${sql.table(members)} where customer_id = any(${intArray(ids)})`.execute(trx);
  const found = new Map<number, StatsMember>();
  for (const row of rows) {
    const member = {
      ...(row as unknown as StatsMember),
      customer_id: numberOf(row.customer_id),
      partner_id: numberOf(row.partner_id),
      location_id: numberOf(row.location_id),
      last_revision: numberOf(row.last_revision),
    };
    found.set(member.customer_id, member);
  }
  return found;
}
