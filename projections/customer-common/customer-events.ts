import { sql, type RawBuilder } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { CUSTOMER_EVENT_TYPES, customerIdOfStream, type CustomerEvent } from '../../src/customers/domain/index.js';

/** Shared by the customer projections: which events they receive, grouped per customer. */
export const CUSTOMER_PROJECTION_EVENT_TYPES: readonly string[] = CUSTOMER_EVENT_TYPES;

/** The customer id of an event of a `customer-<id>` stream, else null. */
export function customerIdOf(event: Pick<RecordedEvent, 'streamId'>): number | null {
  return customerIdOfStream(event.streamId);
}

/**
 * The batch's customer events grouped per customer (Map order: first appearance), each group in
 * stream order. Events of other streams are left out.
 */
export function groupByCustomer(events: readonly RecordedEvent[]): Map<number, RecordedEvent[]> {
  const groups = new Map<number, RecordedEvent[]>();
  for (const event of events) {
    const id = customerIdOf(event);
    if (id === null) continue;
    const group = groups.get(id);
    if (group) group.push(event);
    else groups.set(id, [event]);
  }
  for (const group of groups.values()) group.sort((a, b) => a.revision - b.revision);
  return groups;
}

/** Whether a group starts at the stream's beginning, so nothing stored before matters. */
export function startsStream(group: readonly RecordedEvent[]): boolean {
  return group.length > 0 && group[0].revision === 0 && group[0].type === 'CustomerCreated';
}

/** A recorded event seen as the domain event the decider's evolve takes. */
export function asCustomerEvent(event: RecordedEvent): CustomerEvent {
  return { type: event.type, data: event.data } as unknown as CustomerEvent;
}

/** When the fact happened (one reading for every projection and the live timeline). */
export { occurredAt } from '../../src/event-store/event-facts.js';

/**
 * `jsonb_to_recordset($rows::jsonb) as x(col type, …)`: many rows as ONE parameter, so a batch of
 * any size is one statement (no 65,535-parameter limit) and PostgreSQL parses it in one go.
 * `columns` maps column name → SQL type (trusted: written in code, never from input).
 */
export function recordset(rows: readonly object[], columns: Readonly<Record<string, string>>, alias = 'x'): RawBuilder<unknown> {
  const definition = Object.entries(columns)
    .map(([name, type]) => `${quoteIdent(name)} ${type}`)
    .join(', ');
  return sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as ${sql.raw(quoteIdent(alias))}(${sql.raw(definition)})`;
}

/** `col1, col2, …` of a column map. */
export function columnList(columns: Readonly<Record<string, string>>): RawBuilder<unknown> {
  return sql.raw(Object.keys(columns).map(quoteIdent).join(', '));
}

/** `col = excluded.col, …` for the columns except the key(s). */
export function excludedAssignments(columns: Readonly<Record<string, string>>, keys: readonly string[]): RawBuilder<unknown> {
  return sql.raw(
    Object.keys(columns)
      .filter((name) => !keys.includes(name))
      .map((name) => `${quoteIdent(name)} = excluded.${quoteIdent(name)}`)
      .join(', '),
  );
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unexpected SQL identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Integer ids as ONE `integer[]` parameter (an array literal: the same on pg and PGlite), for `= any(…)`. */
export function intArray(ids: readonly number[]): RawBuilder<unknown> {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new Error(`Not an integer id: ${id}`);
  return sql`${`{${ids.join(',')}}`}::integer[]`;
}

/** Timestamps and numerics come back as Date / string depending on the driver: normalise. */
export function isoOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

export function numberOf(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** Whether pg_trgm is installed in this database (checked by createTables; may be absent on some servers). */
export async function ensureTrigramExtension(db: import('kysely').Kysely<any>): Promise<boolean> {
  const installed = await sql<{ ok: boolean }>`select exists(select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db);
  if (installed.rows[0]?.ok) return true;
  const available = await sql<{ ok: boolean }>`select exists(select 1 from pg_available_extensions where name = 'pg_trgm') as ok`.execute(db);
  if (!available.rows[0]?.ok) return false;
  if (!db.isTransaction) {
    return sql`create extension if not exists pg_trgm`.execute(db).then(
      () => true,
      () => false,
    );
  }
  // createTables runs in a transaction: a refusal (no privilege) must not abort it.
  await sql`savepoint chronicle_trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`release savepoint chronicle_trgm`.execute(db);
    return true;
  } catch {
    await sql`rollback to savepoint chronicle_trgm`.execute(db);
    return false;
  }
}
