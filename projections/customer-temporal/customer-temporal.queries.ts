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
