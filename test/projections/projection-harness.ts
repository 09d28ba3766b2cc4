import { sql, type Kysely } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { createProjectionIndexes, type Projection, type ProjectionTables } from '../../src/projections-runtime/projection.js';

/** Creates a projection's tables (version 1) and secondary indexes inside a transaction, as the runtime does for a live first build. */
export async function createTables<T extends ProjectionTables>(db: Kysely<any>, projection: Projection<T>, version = 1): Promise<T> {
  const tables = projection.tables(version);
  await db.transaction().execute(async (trx) => {
    await projection.createTables(trx, tables, version);
    await createProjectionIndexes(trx, projection, tables, version);
  });
  return tables;
}

/** Applies events in batches of `batchSize`, each in its own transaction, filtered by `handles` like the runner. */
export async function applyEvents<T extends ProjectionTables>(
  db: Kysely<any>,
  projection: Projection<T>,
  tables: T,
  events: readonly RecordedEvent[],
  batchSize = 1000,
): Promise<void> {
  const handles = projection.handles ? new Set(projection.handles) : undefined;
  for (let start = 0; start < events.length; start += batchSize) {
    const batch = events.slice(start, start + batchSize).filter((event) => !handles || handles.has(event.type));
    if (batch.length === 0) continue;
    await db.transaction().execute((trx) => projection.apply(trx, batch, tables));
  }
}

/** Every row of a table in primary-key order, normalised (Dates → ISO, numerics → numbers). */
export async function dumpTable(db: Kysely<any>, table: string): Promise<Record<string, unknown>[]> {
  const { rows: keys } = await sql<{ column_name: string }>`
    select a.attname as column_name
    from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = ${table}::regclass and i.indisprimary
    order by array_position(i.indkey::int2[], a.attnum)`.execute(db);
  const order = keys.length ? keys.map((key) => `"${key.column_name}"`).join(', ') : '1';
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(db);
  return rows.map(normalise);
}

/** Every table of the projection. */
export async function dumpTables(db: Kysely<any>, tables: ProjectionTables): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [logical, physical] of Object.entries(tables)) out[logical] = await dumpTable(db, physical);
  return out;
}

function normalise(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => {
      if (value instanceof Date) return [key, value.toISOString()];
      if (typeof value === 'bigint') return [key, Number(value)];
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) && (key === 'balance' || key === 'count')) return [key, Number(value)];
      return [key, value];
    }),
  );
}
