/**
 * Benchmark 5: time travel on a customer with --events events (default 10,000).
 *
 * Generates one customer stream (created, activated, then a cycle of comments, charges, payments,
 * notes, CAP bonuses, phone edits, block / unblock decided by the real decider) plus --others
 * other customers around it, then times CustomerHistory.stateAt (what GET /customers/:id/state
 * runs): as of a random revision, as of a random time, and at the latest revision.
 *
 *   npm run bench:time-travel -- --events=10000 --iterations=100
 */
import { openDatabase } from '../src/database/database.js';
import { migrateEventStore } from '../src/event-store/postgres/event-store-migrations.js';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.js';
import { CustomerHistory } from '../src/customers/application/customer-history.js';
import { Args, formatInt, freshDatabase, now, printFigures, printHeader, runMain, Samples } from './support/common.js';
import { generateCustomers, generateLongStream, insertReferenceData, lifecycleTemplates } from './support/generate.js';

async function main(): Promise<void> {
  const args = new Args();
  const events = args.int('events', 10_000);
  const others = args.int('others', 10_000);
  const iterations = args.int('iterations', 100);
  const dbName = args.string('db', 'chronicle_bench_time_travel');
  const keep = args.flag('keep');
  await printHeader('Benchmark 5: time travel on a long stream (PostgreSQL)', args.used);
  const fresh = await freshDatabase(dbName);
  const database = await openDatabase({ connectionString: fresh.url, poolSize: 4 });
  const store = new PostgresEventStore(database);
  try {
    await migrateEventStore(database.db);
    await insertReferenceData(database.db);
    // Other customers around it (10 events each), so the long stream is not alone in the table.
    if (others > 0) await generateCustomers(database.db, { customers: others, firstId: 2, templates: lifecycleTemplates('lifecycle') });
    const customerId = 1;
    await generateLongStream(database.db, customerId, events);
    const stream = await store.readStream(`customer-${customerId}`);
    console.log(`customer ${customerId}: ${formatInt(stream.length)} events (revisions 0..${stream.at(-1)!.revision}); ${formatInt(others)} other customers`);
    const history = new CustomerHistory(store);
    const first = stream[0].recordedAt.getTime();
    const last = stream.at(-1)!.recordedAt.getTime();
    let seed = 7;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const kinds: Array<[string, () => { asOf?: Date; revision?: number }]> = [
      ['as of a random revision', () => ({ revision: Math.floor(rand() * stream.length) })],
      ['as of a random time', () => ({ asOf: new Date(first + rand() * (last - first)) })],
      ['at the latest revision', () => ({ revision: stream.length - 1 })],
    ];
    // Cold: the first time travel on this stream in a process (no snapshot yet: folds from zero).
    const cold = new Samples();
    for (let k = 0; k < Math.min(20, iterations); k++) {
      const fresh = new CustomerHistory(store);
      const t0 = now();
      await fresh.stateAt(customerId, { revision: stream.length - 1 });
      cold.add(now() - t0);
    }
    console.log(`${'cold: first read, full fold'.padEnd(26)} ${cold.summary()}`);
    for (const [, make] of kinds) for (let k = 0; k < 5; k++) await history.stateAt(customerId, make());
    const all = new Samples();
    const rows: Array<[string, string]> = [['cold (first read in a process) p95', `${cold.percentile(95).toFixed(2)} ms`]];
    for (const [label, make] of kinds) {
      const samples = new Samples();
      for (let k = 0; k < iterations; k++) {
        const at = make();
        const t0 = now();
        await history.stateAt(customerId, at);
        const ms = now() - t0;
        samples.add(ms);
        all.add(ms);
      }
      console.log(`${label.padEnd(26)} ${samples.summary()}`);
      rows.push([`${label} p95`, `${samples.percentile(95).toFixed(2)} ms`]);
    }
    console.log('');
    rows.push(['all warm time-travel reads p95', `${all.percentile(95).toFixed(2)} ms`]);
    printFigures(rows);
    console.log('goal: p95 under 50 ms (service level: CustomerHistory.stateAt, the code GET /customers/:id/state runs)');
  } finally {
    await store.close();
    await database.close();
    if (!keep) await fresh.drop();
  }
}

runMain(main, 30 * 60_000);
