/**
 * What-if for the rebuild: the projection's own createTables/createIndexes/apply driven by a minimal
 * loop (read a batch with readAll, apply it in one transaction), once with every index in place
 * while rows are written (a live build) and once with the secondary indexes (createIndexes) built
 * after the rows, as a rebuild does before its switch. Same events, same code
 * path for the rows; only the index timing differs. Used by `bench:rebuild -- --what-if`.
 */
import { sql } from 'kysely';
import type { Database } from '../../src/database/database.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { createProjectionIndexes, type Projection } from '../../src/projections-runtime/projection.js';
import { formatInt, now } from './common.js';

export interface WhatIfFigure {
  label: string;
  events: number;
  applySeconds: number;
  indexSeconds: number;
  eventsPerSecond: number;
}

export async function rebuildWhatIf(database: Database, store: EventStore, projection: Projection<any>, options: { maxEvents: number; batchSize: number; deferIndexes: boolean; version: number }): Promise<WhatIfFigure> {
  const db = database.db;
  const tables = projection.tables(options.version);
  for (const table of Object.values(tables) as string[]) await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  await db.transaction().execute((trx) => projection.createTables(trx, tables, options.version));
  // Secondary indexes: the projection's createIndexes, before the rows or after them.
  if (!options.deferIndexes) await createProjectionIndexes(db, projection, tables, options.version, '256MB');
  const indexCount = async () =>
    Number(
      (
        await sql<{ n: number }>`
          select count(*)::int as n from pg_indexes i
          where i.tablename = any(${Object.values(tables) as string[]}::text[])
            and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`.execute(db)
      ).rows[0].n,
    );
  const handles = projection.handles ? new Set(projection.handles) : null;
  const started = now();
  let after: string | undefined;
  let events = 0;
  while (events < options.maxEvents) {
    const batch = await store.readAll({ after, maxCount: Math.min(options.batchSize, options.maxEvents - events) });
    if (batch.length === 0) break;
    const handled = handles ? batch.filter((event) => handles.has(event.type)) : batch;
    await db.transaction().execute(async (trx) => {
      if (handled.length > 0) await projection.apply(trx, handled, tables);
    });
    events += batch.length;
    after = batch[batch.length - 1].position;
  }
  const applySeconds = (now() - started) / 1000;
  const indexStarted = now();
  if (options.deferIndexes) await createProjectionIndexes(db, projection, tables, options.version, '256MB');
  const indexes = await indexCount();
  const indexSeconds = (now() - indexStarted) / 1000;
  for (const table of Object.values(tables) as string[]) await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  const label = `${projection.name} ${options.deferIndexes ? `indexes created after the rows (${indexes})` : 'indexes in place while writing'}`;
  const figure = { label, events, applySeconds, indexSeconds, eventsPerSecond: events / (applySeconds + indexSeconds) };
  console.log(
    `what-if ${label.padEnd(62)} ${formatInt(events)} events: rows ${applySeconds.toFixed(1)} s + indexes ${indexSeconds.toFixed(1)} s = ${formatInt(figure.eventsPerSecond)} events/s`,
  );
  return figure;
}
