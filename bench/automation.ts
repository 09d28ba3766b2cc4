/**
 * Benchmark: automation at scale. 1,000,000 timers in due_actions, of which 10,000 fall due at
 * the same moment, on PostgreSQL:
 *  - the cost of an idle tick (the claim query and the next-due query when nothing is due), over
 *    the partial index on pending due times, with the query plan;
 *  - the time to process the 10,000 due rows (each: read the customer stream, decide with the
 *    customer decider, append at the exact revision with derived event ids, mark the row), with
 *    one app instance or two (--instances=2), and a check that each ran exactly once.
 *
 * Seeding: 10,000 real customers (real event streams, as the write side makes them) get one due
 * row each; the other 990,000 rows are seeded straight into due_actions, due later (spread over
 * a year, for customer ids that have no stream: never touched by the run). Streams for 1,000,000
 * customers would only slow the seeding; the runner never looks at a customer that is not due.
 *
 *   npm run bench:automation -- --timers=1000000 --due=10000 --instances=1
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { sql } from 'kysely';
import { AppModule } from '../src/app.module.js';
import { DueActionRegistry } from '../src/automation/due-action-registry.js';
import { DueActionRunner } from '../src/automation/due-action-runner.js';
import { IN_MEMORY, loadAppConfig } from '../src/config/app-config.js';
import { openDatabase } from '../src/database/database.js';
import { CLOCK, ManualClock } from '../src/domain-kernel/clock.js';
import { migrateEventStore } from '../src/event-store/postgres/event-store-migrations.js';
import { Args, formatInt, freshDatabase, now, printFigures, printHeader, runMain, Samples } from './support/common.js';
import { generateCustomers, insertReferenceData, lifecycleTemplates } from './support/generate.js';

const KIND = 'bench.toggle';

async function startInstance(databaseUrl: string, clock: ManualClock): Promise<INestApplication> {
  const config = loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl }, { dataDir: IN_MEMORY, port: 0 });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(CLOCK)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  // Blocks an Active / New customer, activates a Blocked / Inactive one: always a legal transition.
  app.get(DueActionRegistry).register(KIND, {
    decide: (_action, customer) => {
      if (!customer.exists) return { skip: 'no such customer' };
      const status = customer.status === 'active' || customer.status === 'new' ? 'blocked' : 'active';
      return { command: { type: 'ChangeStatus', data: { status } }, reason: 'benchmark' };
    },
  });
  return app;
}

async function main(): Promise<void> {
  const args = new Args();
  const timers = args.int('timers', 1_000_000);
  const due = args.int('due', 10_000);
  const instances = Math.max(1, Math.min(2, args.int('instances', 1)));
  const idleIterations = args.int('idle-iterations', 500);
  const keep = args.flag('keep');
  await printHeader('Benchmark: automation (due actions) on PostgreSQL', args.used);
  const fresh = await freshDatabase('chronicle_bench_automation');
  const seeding = await openDatabase({ connectionString: fresh.url, poolSize: 4 });
  const apps: INestApplication[] = [];
  try {
    await migrateEventStore(seeding.db);
    await insertReferenceData(seeding.db);
    let t0 = now();
    await generateCustomers(seeding.db, { customers: due, firstId: 1, templates: lifecycleTemplates('lifecycle') });
    console.log(`seeded ${formatInt(due)} customers with real streams in ${((now() - t0) / 1000).toFixed(1)} s`);

    const dueAt = new Date('2031-01-01T00:00:00.000Z');
    const clock = new ManualClock(new Date(dueAt.getTime() - 3_600_000));
    for (let i = 0; i < instances; i++) apps.push(await startInstance(fresh.url, clock));

    t0 = now();
    // The 10,000 due at once (within the same second), one per real customer.
    await sql`INSERT INTO due_actions (id, kind, customer_id, due_at, payload)
      SELECT 'bench:due:' || i, ${KIND}, i, ${dueAt.toISOString()}::timestamptz - (i % 1000) * interval '1 millisecond', '{}'::jsonb
      FROM generate_series(1, ${due}::int) AS g(i)`.execute(seeding.db);
    // The rest: due over the next year, for customers without streams (never due in this run).
    for (let lo = 1; lo <= timers - due; lo += 200_000) {
      const hi = Math.min(timers - due, lo + 200_000 - 1);
      await sql`INSERT INTO due_actions (id, kind, customer_id, due_at, payload)
        SELECT 'bench:later:' || i, ${KIND}, ${due}::int + i, ${dueAt.toISOString()}::timestamptz + interval '1 day' + i * interval '30 seconds', '{}'::jsonb
        FROM generate_series(${lo}::int, ${hi}::int) AS g(i)`.execute(seeding.db);
    }
    await sql`ANALYZE due_actions`.execute(seeding.db);
    const size = (await sql<{ table: string; index: string }>`SELECT pg_size_pretty(pg_total_relation_size('due_actions')) AS table,
      pg_size_pretty(pg_relation_size('due_actions_pending_due')) AS index`.execute(seeding.db)).rows[0];
    console.log(`seeded ${formatInt(timers)} due_actions rows in ${((now() - t0) / 1000).toFixed(1)} s (table with indexes ${size.table}, pending-due index ${size.index})`);

    // Idle: nothing due yet (the clock is an hour before). What one tick of the loop costs.
    const runner = apps[0].get(DueActionRunner);
    await runner.runDue();
    const idleClaim = new Samples();
    const idleNext = new Samples();
    for (let i = 0; i < idleIterations; i++) {
      let start = now();
      await runner.runDue();
      idleClaim.add(now() - start);
      start = now();
      await runner.nextDueAt();
      idleNext.add(now() - start);
    }
    const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
      SELECT id FROM due_actions WHERE state = 'pending' AND due_at <= ${clock.now().toISOString()}::timestamptz
        AND (claimed_until IS NULL OR claimed_until <= ${clock.now().toISOString()}::timestamptz)
      ORDER BY due_at, id LIMIT 100 FOR UPDATE SKIP LOCKED`.execute(seeding.db);
    console.log('idle claim query plan:');
    for (const row of plan.rows) console.log(`  ${row['QUERY PLAN']}`);
    console.log('');

    // The moment: 10,000 fall due at once.
    const eventsBefore = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM es_events`.execute(seeding.db)).rows[0].n);
    t0 = now();
    clock.set(new Date(dueAt.getTime() + 1000));
    await Promise.all(apps.map((app) => app.get(DueActionRunner).runDue()));
    // Bounded: the loops may still hold a last batch; run until none is due.
    for (let round = 0; round < 100; round++) {
      const left = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM due_actions WHERE state = 'pending' AND due_at <= ${clock.now().toISOString()}::timestamptz`.execute(seeding.db)).rows[0].n);
      if (left === 0) break;
      await Promise.all(apps.map((app) => app.get(DueActionRunner).runDue()));
    }
    const processMs = now() - t0;
    const states = (await sql<{ state: string; n: string }>`SELECT state, count(*) AS n FROM due_actions WHERE id LIKE 'bench:due:%' GROUP BY state ORDER BY state`.execute(seeding.db)).rows;
    const eventsAfter = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM es_events`.execute(seeding.db)).rows[0].n);
    const automatic = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM es_events WHERE metadata->>'dueActionId' LIKE 'bench:due:%'`.execute(seeding.db)).rows[0].n);
    console.log(`due rows by state: ${states.map((row) => `${row.state} ${formatInt(Number(row.n))}`).join(', ')}`);
    console.log(`events appended: ${formatInt(eventsAfter - eventsBefore)} (by due rows: ${formatInt(automatic)}; expected ${formatInt(due)}, one each)`);
    console.log('');
    printFigures([
      ['timers in due_actions', formatInt(timers)],
      ['due at once', formatInt(due)],
      ['app instances', instances],
      ['idle tick: claim (nothing due) p50 / p95', `${idleClaim.percentile(50).toFixed(2)} / ${idleClaim.percentile(95).toFixed(2)} ms`],
      ['idle tick: next due time p50 / p95', `${idleNext.percentile(50).toFixed(2)} / ${idleNext.percentile(95).toFixed(2)} ms`],
      [`process ${formatInt(due)} due rows`, `${(processMs / 1000).toFixed(1)} s (${formatInt(Math.round(due / (processMs / 1000)))} rows/s)`],
      ['exactly once', automatic === due && states.length === 1 && states[0].state === 'done' ? 'yes' : 'NO'],
    ]);
  } finally {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
    await seeding.close();
    if (!keep) await fresh.drop();
  }
}

runMain(main, 3_600_000);
