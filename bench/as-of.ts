/**
 * Benchmark: reports as of a date. Generates --events customer events straight into es_events
 * (the rebuild benchmark's history: --events / 10 customers, each a 10-event lifecycle decided by
 * the real decider; event time = recorded time, spread over the customers' creation dates), then
 *
 * 1. rebuilds the customer_temporal projection from zero (events/s: projection throughput), and
 * 2. asks GET /customers/stats?asOf= (CustomerReadModels.statsAsOf, the same code the route runs)
 *    at --dates dates spread over the history, --rounds times each: latency for every partner and
 *    for an admin limited to one partner, with the query plan of one read.
 *
 *   npm run bench:as-of -- --events=1000000
 *   npm run bench:as-of -- --events=200000 --dates=10 --rounds=3 --keep   (--reuse: keep the history and its rebuild)
 */
import { sql } from 'kysely';
import { openDatabase } from '../src/database/database.js';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.js';
import { ProjectionRuntime } from '../src/projections-runtime/projection-runtime.js';
import { CustomerReadModels } from '../src/customers/queries/customer-read-models.js';
import { allProjections } from '../projections/index.js';
import { customerTemporalProjection } from '../projections/customer-temporal/customer-temporal.projection.js';
import { Args, existingDatabase, formatInt, freshDatabase, now, printFigures, printHeader, runMain, Samples } from './support/common.js';
import { lifecycleTemplates } from './support/generate.js';
import { prepareHistory, rebuildEach } from './rebuild.js';

async function main(): Promise<void> {
  const args = new Args();
  const events = args.int('events', 1_000_000);
  const dates = args.int('dates', 20);
  const rounds = args.int('rounds', 5);
  const dbName = args.string('db', 'chronicle_bench_as_of');
  const reuse = args.flag('reuse');
  const keep = args.flag('keep') || reuse;
  await printHeader('Benchmark: reports as of a date (PostgreSQL)', args.used);
  const existing = reuse ? await existingDatabase(dbName) : null;
  const fresh = existing ? { url: existing, drop: async () => undefined } : await freshDatabase(dbName);
  const database = await openDatabase({ connectionString: fresh.url, poolSize: 4 });
  try {
    let rebuilt: Awaited<ReturnType<typeof rebuildEach>> = [];
    if (!existing) {
      // Event time = recorded time (the generator spreads it over the creation dates): no occurredAt, no `at`.
      const templates = lifecycleTemplates('lifecycle').map((event) => {
        const { occurredAt: _occurredAt, ...metadata } = event.metadata;
        const { at: _at, ...data } = event.data as Record<string, unknown>;
        return { ...event, metadata, data };
      });
      await prepareHistory(database, events, templates);
      rebuilt = await rebuildEach(database, [customerTemporalProjection.name]);
    } else console.log(`reusing ${dbName} (--reuse)`);

    const store = new PostgresEventStore(database);
    const runtime = new ProjectionRuntime({ database, store, projections: allProjections, autoRebuild: false });
    try {
      const { periods } = await runtime.tables(customerTemporalProjection);
      await sql`vacuum analyze ${sql.table(periods)}`.execute(database.db);
      const range = (await sql<{ first: Date; last: Date; rows: string }>`
        select min(valid_from) as first, max(valid_from) as last, count(*) as rows from ${sql.table(periods)}`.execute(database.db)).rows[0];
      const first = new Date(range.first).getTime();
      const last = new Date(range.last).getTime();
      console.log(`${formatInt(Number(range.rows))} periods from ${new Date(first).toISOString()} to ${new Date(last).toISOString()}`);
      const readModels = new CustomerReadModels(runtime, database, store);
      const at = Array.from({ length: dates }, (_, index) => new Date(first + ((last - first) * (index + 1)) / dates));
      const all = new Samples();
      const scoped = new Samples();
      let counted = 0;
      for (let round = 0; round < rounds; round++) {
        for (const asOf of at) {
          let started = now();
          const stats = await readModels.statsAsOf(asOf, null);
          all.add(now() - started);
          counted = Math.max(counted, stats.total);
          started = now();
          await readModels.statsAsOf(asOf, [1]);
          scoped.add(now() - started);
        }
      }
      const middle = at[Math.floor(at.length / 2)].toISOString();
      const plan = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers off, costs off)
        select status, billing_type, category, partner_id, location_id, is_lead, count(*) from ${sql.table(periods)}
        where valid_from <= ${middle}::timestamptz and valid_to > ${middle}::timestamptz and not deleted
        group by status, billing_type, category, partner_id, location_id, is_lead`.execute(database.db);
      console.log(`query plan at ${middle}:\n  ${plan.rows.map((row) => row['QUERY PLAN']).join('\n  ')}`);
      console.log('');
      printFigures([
        ...rebuilt.map((figure): [string, string] => [`${figure.projection} rebuild events/s (peak RSS)`, `${formatInt(figure.eventsPerSecond)} (${figure.peakRssMiB} MiB)`]),
        ['customers counted at the last date', formatInt(counted)],
        ['stats?asOf= every partner', all.summary()],
        ['stats?asOf= one partner of 5', scoped.summary()],
      ]);
    } finally {
      await runtime.stop();
      await store.close();
    }
  } finally {
    await database.close();
    if (!keep) await fresh.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main, 60 * 60_000);
