/**
 * The read side of the temporal read model (customer-temporal.projection.ts): what "as of a time"
 * reads ask of it. Partner scope: `partnerIds` null = every partner.
 */
import { sql, type Kysely } from 'kysely';
import type { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { customerTemporalProjection } from './customer-temporal.projection.js';

/** How many customers (not deleted) had one combination of the reported dimensions at a time. */
export interface TemporalCombination {
  status: string;
  billingType: string;
  category: string;
  partnerId: number;
  locationId: number;
  isLead: boolean;
  count: number;
}

/**
 * Every combination of dimensions the customers had at `asOf`, with its count: the periods valid
 * then (`valid_from <= asOf < valid_to`), found through the (valid_from, valid_to) index, whose
 * included columns answer the rest (an index-only scan once the table is vacuumed), or through the
 * (partner_id, valid_from, valid_to) index for a partner-restricted admin.
 */
export async function readCombinationsAsOf(runtime: ProjectionRuntime, db: Kysely<any>, asOf: Date, partnerIds: readonly number[] | null): Promise<TemporalCombination[]> {
  if (partnerIds !== null && partnerIds.length === 0) return [];
  const at = asOf.toISOString();
  return runtime.read(customerTemporalProjection, async ({ periods }) => {
    const scope = partnerIds === null ? sql`` : sql`and partner_id in (${sql.join(partnerIds.map((id) => sql`${id}`))})`;
    const { rows } = await sql<Record<string, unknown>>`
      select status, billing_type, category, partner_id, location_id, is_lead, count(*) as count
      from ${sql.table(periods)}
      where valid_from <= ${at}::timestamptz and valid_to > ${at}::timestamptz and not deleted ${scope}
      group by status, billing_type, category, partner_id, location_id, is_lead`.execute(db);
    return rows.map((row) => ({
      status: String(row.status),
      billingType: String(row.billing_type),
      category: String(row.category),
      partnerId: Number(row.partner_id),
      locationId: Number(row.location_id),
      isLead: row.is_lead === true,
      count: Number(row.count),
    }));
  });
}

/** The list filters an as-of list supports: the dimensions this read model keeps. */
export interface TemporalListFilter {
  status?: string[];
  partnerId?: number[];
  locationId?: number[];
  billingType?: string[];
  category?: string[];
  isLead?: boolean;
  includeDeleted?: boolean;
}

/** A customer as it was at a time, in the reported dimensions. */
export interface TemporalMember {
  customerId: number;
  status: string;
  billingType: string;
  category: string;
  partnerId: number;
  locationId: number;
  isLead: boolean;
  deleted: boolean;
}

/**
 * The customers that matched the filters at `asOf`, in id order after `afterId` (keyset), at most
 * `limit`: a walk of the primary key (customer_id, from_revision) that checks each customer's
 * periods for the one valid then. `total`: also count every match (the validity index).
 */
export async function readMembersAsOf(
  runtime: ProjectionRuntime,
  db: Kysely<any>,
  query: { asOf: Date; filter: TemporalListFilter; partnerIds: readonly number[] | null; afterId?: number; descending?: boolean; limit: number; total?: boolean },
): Promise<{ members: TemporalMember[]; total?: number }> {
  if (query.partnerIds !== null && query.partnerIds.length === 0) return { members: [], ...(query.total ? { total: 0 } : {}) };
  const at = query.asOf.toISOString();
  const { filter } = query;
  const conditions = [sql`valid_from <= ${at}::timestamptz`, sql`valid_to > ${at}::timestamptz`];
  const anyOf = (column: string, values: readonly (string | number)[] | undefined) => {
    if (values?.length) conditions.push(sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql`${value}`))})`);
  };
  if (!filter.includeDeleted) conditions.push(sql`not deleted`);
  anyOf('status', filter.status);
  anyOf('partner_id', filter.partnerId);
  anyOf('location_id', filter.locationId);
  anyOf('billing_type', filter.billingType);
  anyOf('category', filter.category);
  if (filter.isLead !== undefined) conditions.push(sql`is_lead = ${filter.isLead}`);
  if (query.partnerIds !== null) anyOf('partner_id', query.partnerIds);
  const where = sql.join(conditions, sql` and `);
  return runtime.read(customerTemporalProjection, async ({ periods }) => {
    const keyset = query.afterId === undefined ? sql`` : query.descending ? sql`and customer_id < ${query.afterId}` : sql`and customer_id > ${query.afterId}`;
    const direction = sql.raw(query.descending ? 'desc' : 'asc');
    const { rows } = await sql<Record<string, unknown>>`
      select customer_id, status, billing_type, category, partner_id, location_id, is_lead, deleted from ${sql.table(periods)}
      where ${where} ${keyset}
      order by customer_id ${direction} limit ${query.limit}`.execute(db);
    const members = rows.map((row) => ({
      customerId: Number(row.customer_id),
      status: String(row.status),
      billingType: String(row.billing_type),
      category: String(row.category),
      partnerId: Number(row.partner_id),
      locationId: Number(row.location_id),
      isLead: row.is_lead === true,
      deleted: row.deleted === true,
    }));
    if (!query.total) return { members };
    const counted = await sql<{ count: string | number }>`select count(*) as count from ${sql.table(periods)} where ${where}`.execute(db);
    return { members, total: Number(counted.rows[0].count) };
  });
}
