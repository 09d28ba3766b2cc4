/**
 * Benchmark 3: projection rebuild from zero (ProjectionRuntime.rebuildProjection, as
 * `npm run projections:rebuild` runs it) over --events realistic customer events in PostgreSQL.
 *
 * The history is generated straight into es_events (INSERT … SELECT, chunked): --events / 10
 * customers, each with a 10-event lifecycle decided by the real decider (created, activated,
 * comment, payment, charge, note, CAP bonus, address change, charge, payment). Then each listed
 * projection is rebuilt from zero in turn; events/s and this process's peak memory are printed.
 *
 *   npm run bench:rebuild -- --events=1000000 --projections=customer_list,customer_profile,customer_activity,customer_stats
 *   npm run bench:rebuild -- --events=200000 --what-if=200000   (also: the same rows with indexes built after them)
 */
import { openDatabase, type Database } from '../src/database/database.js';
import { migrateEventStore } from '../src/event-store/postgres/event-store-migrations.js';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.js';
import { PersonalDataEventStore, sealPersonalData } from '../src/crypto/personal-data-event-store.js';
import { migratePersonalDataKeys, PersonalDataKeys } from '../src/crypto/personal-data-keys.js';
import { customerIdOfStream } from '../src/customers/domain/index.js';
import type { EventStore } from '../src/event-store/event-store.port.js';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { ProjectionRuntime } from '../src/projections-runtime/projection-runtime.js';
import { allProjections } from '../projections/index.js';
import { Args, existingDatabase, formatInt, freshDatabase, MemoryPeak, printFigures, printHeader, runMain } from './support/common.js';
import { generateCustomers, insertReferenceData, lifecycleTemplates } from './support/generate.js';
import { rebuildWhatIf } from './support/what-if.js';

export const CUSTOMER_PROJECTIONS = ['customer_list', 'customer_profile', 'customer_activity', 'customer_stats'];

export interface RebuildFigure {
  projection: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  peakRssMiB: number;
  peakHeapUsedMiB: number;
}

/** Generates the history (unless the database already has it) and returns the event count. */
export async function prepareHistory(database: Database, events: number, templates = lifecycleTemplates('lifecycle')): Promise<number> {
  await migrateEventStore(database.db);
  await insertReferenceData(database.db);
  const customers = Math.max(1, Math.round(events / templates.length));
  const generated = await generateCustomers(database.db, { customers, templates, log: true });
  console.log(`generated ${formatInt(generated.events)} events for ${formatInt(customers)} customers in ${(generated.ms / 1000).toFixed(1)} s`);
  return generated.events;
}

/** Rebuilds each projection from zero, one after the other, measuring each. */
/**
 * Rebuilds the named projections by the same `ProjectionRuntime.rebuildProjection` as `rebuildEach`, but up to
 * `concurrency` at a time: on two cores one rebuild leaves Node or PostgreSQL idle while the other works, so two
 * overlap. Figures are per projection (its own events/s while it shared the machine); no per-projection memory peak.
 */
export async function rebuildConcurrently(database: Database, names: readonly string[], concurrency: number): Promise<RebuildFigure[]> {
  const store = new PostgresEventStore(database);
  const runtime = new ProjectionRuntime({ database, store, projections: allProjections, autoRebuild: false });
  const figures: RebuildFigure[] = [];
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      let lastPrint = 0;
      const result = await runtime.rebuildProjection(name, {
        restart: true,
        total: 'none',
        progressIntervalMs: 500,
        onProgress: (progress) => {
          if (progress.elapsedMs - lastPrint < 30_000) return;
          lastPrint = progress.elapsedMs;
          console.log(`  … ${progress.name}: ${formatInt(progress.eventsDone)} events, ${formatInt(progress.eventsPerSecond)} events/s`);
        },
      });
      const figure: RebuildFigure = {
        projection: name,
        events: result.eventsProcessed,
        seconds: result.durationMs / 1000,
        eventsPerSecond: (result.eventsProcessed * 1000) / Math.max(1, result.durationMs),
        peakRssMiB: 0,
        peakHeapUsedMiB: 0,
      };
      figures.push(figure);
      console.log(`${name.padEnd(24)} ${formatInt(figure.events)} events in ${figure.seconds.toFixed(1)} s = ${formatInt(figure.eventsPerSecond).padStart(7)} events/s`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    await runtime.stop();
    await store.close();
  }
  return figures;
}

export async function rebuildEach(database: Database, names: readonly string[], batchSize?: number, keys?: PersonalDataKeys): Promise<RebuildFigure[]> {
  const plain = new PostgresEventStore(database);
  const store: EventStore = keys ? new PersonalDataEventStore(plain, keys) : plain;
  const runtime = new ProjectionRuntime({ database, store, projections: allProjections, autoRebuild: false });
  const figures: RebuildFigure[] = [];
  try {
    for (const name of names) {
      (globalThis as { gc?: () => void }).gc?.();
      const memory = new MemoryPeak(50);
      let lastPrint = 0;
      const result = await runtime.rebuildProjection(name, {
        restart: true,
        batchSize,
        total: 'none',
        progressIntervalMs: 500,
        onProgress: (progress) => {
          if (progress.elapsedMs - lastPrint < 10_000) return;
          lastPrint = progress.elapsedMs;
          console.log(`  … ${name}: ${formatInt(progress.eventsDone)} events, ${formatInt(progress.eventsPerSecond)} events/s`);
        },
      });
      const peak = memory.stop();
      const figure: RebuildFigure = {
        projection: name,
        events: result.eventsProcessed,
        seconds: result.durationMs / 1000,
        eventsPerSecond: (result.eventsProcessed * 1000) / result.durationMs,
        peakRssMiB: peak.peakRssMiB,
        peakHeapUsedMiB: peak.peakHeapUsedMiB,
      };
      figures.push(figure);
      console.log(
        `${name.padEnd(20)} ${formatInt(figure.events)} events in ${figure.seconds.toFixed(1)} s = ${formatInt(figure.eventsPerSecond).padStart(7)} events/s; ` +
          `peak RSS ${figure.peakRssMiB} MiB, peak heap used ${figure.peakHeapUsedMiB} MiB`,
      );
    }
  } finally {
    await runtime.stop();
    await store.close();
  }
  return figures;
}

/** Seals the personal values of every customer event in place (per-customer keys, as the app writes them). */
async function sealHistory(database: Database): Promise<PersonalDataKeys> {
  await migratePersonalDataKeys(database.db);
  const keys = new PersonalDataKeys(database.db, randomBytes(32));
  const started = Date.now();
  let after = -1;
  let sealed = 0;
  for (;;) {
    const { rows } = await sql<{ global_position: string; stream_id: string; event_type: string; data: Record<string, unknown> }>`
      select global_position, stream_id, event_type, data from es_events where global_position > ${after} order by global_position limit 5000`.execute(database.db);
    if (rows.length === 0) break;
    const updates: { global_position: string; data: Record<string, unknown> }[] = [];
    for (const row of rows) {
      const customerId = customerIdOfStream(row.stream_id);
      if (customerId === null) continue;
      const data = sealPersonalData(row.event_type, row.data, await keys.keyForWrite(customerId), row.stream_id);
      if (data !== row.data) updates.push({ global_position: row.global_position, data });
    }
    if (updates.length > 0) {
      await sql`update es_events e set data = x.data from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as x(global_position bigint, data jsonb)
        where e.global_position = x.global_position`.execute(database.db);
    }
    sealed += updates.length;
    after = Number(rows[rows.length - 1].global_position);
  }
  console.log(`sealed the personal values of ${formatInt(sealed)} events in ${((Date.now() - started) / 1000).toFixed(1)} s (--encrypt)`);
  return keys;
}

async function main(): Promise<void> {
  const args = new Args();
  const events = args.int('events', 1_000_000);
  const names = args.string('projections', CUSTOMER_PROJECTIONS.join(',')).split(',').filter(Boolean);
  const batchSize = args.int('batch-size', 0) || undefined;
  const dbName = args.string('db', 'chronicle_bench_rebuild');
  const reuse = args.flag('reuse');
  const keep = args.flag('keep') || reuse;
  // --what-if=N: also drive each projection over the first N events with its indexes in place and
  // with them created after the rows (see support/what-if.ts), to size that fix.
  const whatIf = args.int('what-if', 0);
  // --encrypt: the personal values of the generated history sealed as the app stores them, and the
  // rebuild reading through the personal-data encryption (what it costs to open them).
  const encrypt = args.flag('encrypt');
  await printHeader('Benchmark 3: projection rebuild from zero (PostgreSQL)', args.used);
  for (const name of names) if (!allProjections.some((projection) => projection.name === name)) throw new Error(`Unknown projection ${name}`);
  const existing = reuse ? await existingDatabase(dbName) : null;
  const fresh = existing ? { url: existing, drop: async () => undefined } : await freshDatabase(dbName);
  const database = await openDatabase({ connectionString: fresh.url, poolSize: 4 });
  try {
    if (!existing) await prepareHistory(database, events);
    else console.log(`reusing ${dbName} (--reuse)`);
    const keys = encrypt ? await sealHistory(database) : undefined;
    const figures = await rebuildEach(database, names, batchSize, keys);
    if (whatIf > 0) {
      const store = new PostgresEventStore(database);
      for (const name of names) {
        const projection = allProjections.find((candidate) => candidate.name === name)!;
        for (const deferIndexes of [false, true]) {
          await rebuildWhatIf(database, store, projection, { maxEvents: whatIf, batchSize: batchSize ?? 1000, deferIndexes, version: 900 });
        }
      }
      await store.close();
    }
    console.log('');
    printFigures(figures.map((figure) => [`${figure.projection} events/s (peak RSS)`, `${formatInt(figure.eventsPerSecond)} (${figure.peakRssMiB} MiB)`]));
    console.log(`overall process max RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
    console.log('goal: above 50,000 events/s');
  } finally {
    await database.close();
    if (!keep) await fresh.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main, 60 * 60_000);
