import { sql, type Transaction } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import { CUSTOMER_PROJECTION_EVENT_TYPES, columnList, excludedAssignments, groupByCustomer, intArray, isoOf, numberOf, occurredAt, recordset } from '../customer-common/customer-events.js';
import { foldMember, type StatsMember } from '../customer-stats/customer-stats.projection.js';

/**
 * The temporal read model behind "as of a date" reports: one row per PERIOD of each customer during
 * which its reported dimensions (status, billing type, category, partner, location, lead, deleted)
 * stayed the same, valid over [valid_from, valid_to) in event time (when the fact happened:
 * metadata.occurredAt, see occurredAt). A change opens a new period and closes the previous one;
 * the current period is open (`valid_to = 'infinity'`). Events that change none of the dimensions
 * only move `last_revision` of the open period. "As of T" is then the periods with
 * `valid_from <= T < valid_to`, read through an index (see createIndexes).
 *
 * Event times of one stream are taken as non-decreasing: an event whose time lies before its
 * predecessor's (clock skew between instances) counts at its predecessor's time.
 * Replay-safe: events at or below the open period's last_revision move nothing.
 */
export type CustomerTemporalTables = { periods: string };

export interface TemporalPeriod extends StatsMember {
  from_revision: number;
  valid_from: string;
  /** ISO time, or null while open ('infinity' in the table). */
  valid_to: string | null;
}

const PERIOD_COLUMNS = {
  customer_id: 'integer',
  from_revision: 'integer',
  valid_from: 'timestamptz',
  valid_to: 'timestamptz',
  status: 'text',
  billing_type: 'text',
  category: 'text',
  partner_id: 'integer',
  location_id: 'integer',
  is_lead: 'boolean',
  deleted: 'boolean',
  last_revision: 'integer',
} as const;

const DIMENSIONS = ['status', 'billing_type', 'category', 'partner_id', 'location_id', 'is_lead', 'deleted'] as const;

/** The open end of a period, as stored. */
const OPEN = 'infinity';

export const customerTemporalProjection = defineProjection<CustomerTemporalTables>({
  name: 'customer_temporal',
  version: 1,
  handles: CUSTOMER_PROJECTION_EVENT_TYPES,
  tables: (version: number) => ({ periods: versionedTable('customer_temporal_periods', version) }),

  async createTables(db, { periods }) {
    await sql`create table ${sql.table(periods)} (
      customer_id integer not null,
      from_revision integer not null,
      valid_from timestamptz not null,
      valid_to timestamptz not null,
      status text not null,
      billing_type text not null,
      category text not null,
      partner_id integer not null,
      location_id integer not null,
      is_lead boolean not null,
      deleted boolean not null,
      last_revision integer not null,
      primary key (customer_id, from_revision)
    ) with (fillfactor = 90)`.execute(db);
  },

  /**
   * As-of reads: every period valid at T, with the dimensions in the index (an index-only scan for
   * the counts); per partner for a partner-restricted admin. The list walks the primary key in
   * customer order and checks each customer's few periods.
   */
  async createIndexes(db, { periods }) {
    await sql`create index if not exists ${sql.raw(`${periods}_valid`)} on ${sql.table(periods)}
      (valid_from, valid_to) include (status, billing_type, category, partner_id, location_id, is_lead, deleted)`.execute(db);
    await sql`create index if not exists ${sql.raw(`${periods}_partner_valid`)} on ${sql.table(periods)}
      (partner_id, valid_from, valid_to) include (status, billing_type, category, location_id, is_lead, deleted)`.execute(db);
  },

  needsMetadata: true,

  async apply(trx, events, tables) {
    const groups = groupByCustomer(events);
    if (groups.size === 0) return;
    await foldAndWrite(trx, groups, await loadOpenPeriods(trx, tables.periods, [...groups.keys()]), tables);
  },

  async applyStreams(trx, streams, tables) {
    const groups = groupByCustomer(streams.flat());
    if (groups.size > 0) await foldAndWrite(trx, groups, new Map(), tables);
  },
});

/**
 * A customer's events folded into periods, starting from its open period (if any): the periods
 * closed or opened or moved, to be written. Pure: the projection and its tests share it.
 */
export function foldPeriods(open: TemporalPeriod | undefined, events: readonly RecordedEvent[]): TemporalPeriod[] {
  const touched = new Map<number, TemporalPeriod>();
  let current = open;
  for (const event of events) {
    if (current && event.revision <= current.last_revision) continue;
    const next = foldMember(current, event);
    if (!next || next === current) continue;
    const at = occurredAt(event);
    const time = current && Date.parse(current.valid_from) > Date.parse(at) ? current.valid_from : at;
    if (!current) {
      current = { ...next, from_revision: event.revision, valid_from: time, valid_to: null };
    } else if (!DIMENSIONS.some((dimension) => next[dimension] !== current![dimension])) {
      current = { ...current, last_revision: next.last_revision };
    } else if (Date.parse(time) === Date.parse(current.valid_from)) {
      // A change at the same instant: the period's dimensions change in place (no empty period).
      current = { ...current, ...next, from_revision: current.from_revision, valid_from: current.valid_from, valid_to: null };
    } else {
      touched.set(current.from_revision, { ...current, valid_to: time });
      current = { ...next, from_revision: event.revision, valid_from: time, valid_to: null };
    }
    touched.set(current.from_revision, current);
  }
  return [...touched.values()];
}

async function foldAndWrite(
  trx: Transaction<any>,
  groups: ReadonlyMap<number, readonly RecordedEvent[]>,
  open: ReadonlyMap<number, TemporalPeriod>,
  { periods }: CustomerTemporalTables,
): Promise<void> {
  const rows: Array<Record<string, unknown>> = [];
  for (const [id, group] of groups) {
    for (const period of foldPeriods(open.get(id), group)) rows.push({ ...period, valid_to: period.valid_to ?? OPEN });
  }
  if (rows.length === 0) return;
  await sql`insert into ${sql.table(periods)} (${columnList(PERIOD_COLUMNS)})
    select ${columnList(PERIOD_COLUMNS)} from ${recordset(rows, PERIOD_COLUMNS)}
    on conflict (customer_id, from_revision) do update set ${excludedAssignments(PERIOD_COLUMNS, ['customer_id', 'from_revision'])}
    where ${sql.ref(`${periods}.last_revision`)} <= excluded.last_revision`.execute(trx);
}

async function loadOpenPeriods(trx: Transaction<any>, periods: string, ids: readonly number[]): Promise<Map<number, TemporalPeriod>> {
  const { rows } = await sql<Record<string, unknown>>`
    select customer_id, from_revision, valid_from, null::timestamptz as valid_to, status, billing_type, category, partner_id,
      location_id, is_lead, deleted, last_revision
    from ${sql.table(periods)}
    where customer_id = any(${intArray(ids)}) and valid_to = 'infinity'::timestamptz`.execute(trx);
  const found = new Map<number, TemporalPeriod>();
  for (const row of rows) {
    const period = periodFromRow(row);
    found.set(period.customer_id, period);
  }
  return found;
}

/** A row read with `valid_to` as null while open (select it as `nullif(valid_to, 'infinity')`). */
export function periodFromRow(row: Record<string, unknown>): TemporalPeriod {
  return {
    customer_id: numberOf(row.customer_id),
    from_revision: numberOf(row.from_revision),
    valid_from: isoOf(row.valid_from),
    valid_to: row.valid_to === null || row.valid_to === undefined ? null : isoOf(row.valid_to),
    status: String(row.status),
    billing_type: String(row.billing_type),
    category: String(row.category),
    partner_id: numberOf(row.partner_id),
    location_id: numberOf(row.location_id),
    is_lead: row.is_lead === true,
    deleted: row.deleted === true,
    last_revision: numberOf(row.last_revision),
  };
}
