/**
 * Benchmark 4: list and search at --customers customers (default 1,000,000).
 *
 * Generates the customers (realistic names, emails, phones, streets, cities, partners, locations,
 * statuses) as CustomerCreated events straight into es_events, builds the customer list by the real
 * projection rebuild (ProjectionRuntime.rebuildProjection: this also prints the rebuild rate of
 * 1M creations), then times the read side's own query code (CustomerReadModels.list, what
 * GET /customers runs) for:
 *   - filter + sort + first page (a mix of filters and sorts, 50 rows);
 *   - search by partial name (3–5 letters of a first or last name, and "first last" pairs);
 *   - search by phone digits (6–7 consecutive digits of a real customer's phone);
 *   - a deep keyset page (cursor at 25 %–90 % of the sorted list).
 *
 *   npm run bench:list -- --customers=1000000 --iterations=200
 *   npm run bench:list -- --reuse          (keep the generated database of a previous --keep run)
 */
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/database/database.js';
import { migrateEventStore } from '../src/event-store/postgres/event-store-migrations.js';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.js';
import { ProjectionRuntime } from '../src/projections-runtime/projection-runtime.js';
import { CustomerReadModels, type CustomerListFilter } from '../src/customers/queries/customer-read-models.js';
import { encodeCursor } from '../src/common/cursor.js';
import { LIST_SORT_EXPRESSIONS, type ListSortKey } from '../projections/customer-list/customer-list.projection.js';
import { allProjections } from '../projections/index.js';
import { Args, existingDatabase, formatInt, freshDatabase, now, printFigures, printHeader, runMain, Samples } from './support/common.js';
import { FIRST_NAMES, generateCustomers, insertReferenceData, LAST_NAMES, lifecycleTemplates, LOCATIONS, PARTNERS } from './support/generate.js';
import { rebuildEach } from './rebuild.js';

/** Deterministic pseudo-random numbers (the same queries on every run). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The phone the generator gave customer i (see generate.ts): 10 digits. */
function phoneDigitsOf(i: number): string {
  return String((BigInt(i) * 48271n) % 9000000000n + 1000000000n).padStart(10, '0');
}

async function prepare(database: Database, customers: number): Promise<void> {
  await migrateEventStore(database.db);
  await insertReferenceData(database.db);
  const store = new PostgresEventStore(database);
  const runtime = new ProjectionRuntime({ database, store, projections: allProjections, autoRebuild: false });
  // Reference data first (a few events), so the list query finds its field definitions.
  await runtime.rebuildProjection('reference_data', { restart: true, total: 'none' });
  await runtime.stop();
  await store.close();
  const generated = await generateCustomers(database.db, { customers, templates: lifecycleTemplates('create-only'), chunkCustomers: 100_000, log: true });
  console.log(`generated ${formatInt(generated.events)} CustomerCreated events in ${(generated.ms / 1000).toFixed(1)} s`);
  const [figure] = await rebuildEach(database, ['customer_list']);
  console.log(`customer list built by the real rebuild: ${formatInt(figure.eventsPerSecond)} events/s`);
  await sql`vacuum analyze`.execute(database.db);
}

async function main(): Promise<void> {
  const args = new Args();
  const customers = args.int('customers', 1_000_000);
  const iterations = args.int('iterations', 200);
  const dbName = args.string('db', 'chronicle_bench_list');
  const reuse = args.flag('reuse');
  const keep = args.flag('keep') || reuse;
  const showSlowest = args.flag('slowest', true);
  await printHeader('Benchmark 4: customer list and search (PostgreSQL)', args.used);
  const existing = reuse ? await existingDatabase(dbName) : null;
  const fresh = existing ? { url: existing, drop: async () => undefined } : await freshDatabase(dbName);
  const database = await openDatabase({ connectionString: fresh.url, poolSize: 4 });
  try {
    if (!existing) await prepare(database, customers);
    else console.log(`reusing ${dbName} (--reuse)`);
    const store = new PostgresEventStore(database);
    const runtime = new ProjectionRuntime({ database, store, projections: allProjections, autoRebuild: false });
    const readModels = new CustomerReadModels(runtime, database, store);
    const { list } = await runtime.tables<{ list: string; search: string }>('customer_list');
    const rows = Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(list)}`.execute(database.db)).rows[0].n);
    const size = (await sql<{ size: string }>`select pg_size_pretty(pg_total_relation_size(${list}::regclass)) as size`.execute(database.db)).rows[0].size;
    console.log(`customer list: ${formatInt(rows)} rows, ${size} with indexes`);
    const maxId = rows;

    const rand = random(42);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(rand() * values.length)];
    const sorts: string[] = ['fullName', '-updatedAt', 'login', 'city', '-balance', 'id', 'dateAdded', '-fullName'];
    const filterQuery = (): CustomerListFilter => {
      const filter: CustomerListFilter = { sort: pick(sorts), limit: 50 };
      const shape = Math.floor(rand() * 5);
      if (shape === 0) filter.status = ['active'];
      if (shape === 1) filter.partnerId = [1 + Math.floor(rand() * PARTNERS)];
      if (shape === 2) Object.assign(filter, { status: ['blocked'], locationId: [1 + Math.floor(rand() * LOCATIONS)] });
      if (shape === 3) Object.assign(filter, { category: ['company'], billingType: ['prepaid_custom'] });
      if (shape === 4) Object.assign(filter, { status: ['new', 'active'], partnerId: [1 + Math.floor(rand() * PARTNERS)] });
      return filter;
    };
    const fragment = (name: string) => {
      const length = 3 + Math.floor(rand() * 3);
      const start = Math.floor(rand() * Math.max(1, name.length - length + 1));
      return name.slice(start, start + length).toLowerCase();
    };
    const nameQuery = (): CustomerListFilter => ({
      q: rand() < 0.7 ? fragment(pick(rand() < 0.5 ? FIRST_NAMES : LAST_NAMES)) : `${pick(FIRST_NAMES)} ${fragment(pick(LAST_NAMES))}`,
      limit: 50,
    });
    const phoneQuery = (): CustomerListFilter => {
      const digits = phoneDigitsOf(1 + Math.floor(rand() * maxId));
      const length = 6 + Math.floor(rand() * 2);
      const start = Math.floor(rand() * (10 - length + 1));
      return { q: digits.slice(start, start + length), limit: 50 };
    };
    // Deep keyset pages: a cursor as the API hands it out, for the row at 25–90 % of the order.
    const deepCursors: Array<{ sort: string; cursor: string }> = [];
    for (const sortParam of ['fullName', 'id', '-updatedAt', 'city']) {
      const descending = sortParam.startsWith('-');
      const key = (descending ? sortParam.slice(1) : sortParam) as ListSortKey;
      const expression = sql.raw(LIST_SORT_EXPRESSIONS[key]);
      for (const fraction of [0.25, 0.5, 0.75, 0.9]) {
        const offset = Math.floor(rows * fraction);
        const { rows: found } = await sql<{ v: string | null; id: number }>`
          select (${expression})::text as v, customer_id as id from ${sql.table(list)} where not deleted
          order by ${expression} ${sql.raw(descending ? 'desc' : 'asc')}, customer_id ${sql.raw(descending ? 'desc' : 'asc')}
          offset ${offset} limit 1`.execute(database.db);
        if (found[0]) deepCursors.push({ sort: sortParam, cursor: encodeCursor({ s: sortParam, v: key === 'id' ? Number(found[0].v) : found[0].v, id: Number(found[0].id) }) });
      }
    }
    const deepQuery = (): CustomerListFilter => ({ ...pick(deepCursors), limit: 50 });

    const kinds: Array<[string, () => CustomerListFilter]> = [
      ['filter + sort + first page', filterQuery],
      ['search by partial name', nameQuery],
      ['search by phone digits', phoneQuery],
      ['deep keyset page', deepQuery],
    ];
    // Warm-up: a few of each (plans, caches), not counted.
    for (const [, make] of kinds) for (let k = 0; k < 10; k++) await readModels.list(make(), null);
    const results: Array<[string, Samples, number]> = [];
    for (const [label, make] of kinds) {
      const samples = new Samples();
      let found = 0;
      const slowest: Array<[number, CustomerListFilter]> = [];
      for (let k = 0; k < iterations; k++) {
        const filter = make();
        const t0 = now();
        const page = await readModels.list(filter, null);
        const ms = now() - t0;
        samples.add(ms);
        found += page.items.length;
        slowest.push([ms, filter]);
        slowest.sort((a, b) => b[0] - a[0]);
        slowest.length = Math.min(slowest.length, 3);
      }
      results.push([label, samples, found / iterations]);
      console.log(`${label.padEnd(28)} ${samples.summary()}   (avg ${(found / iterations).toFixed(1)} rows per page)`);
      if (showSlowest) for (const [ms, filter] of slowest) console.log(`    slow: ${ms.toFixed(1)} ms ${JSON.stringify({ ...filter, cursor: filter.cursor ? '…' : undefined })}`);
    }
    console.log('');
    printFigures(results.map(([label, samples]) => [`${label} p95`, `${samples.percentile(95).toFixed(2)} ms`]));
    console.log('goal: p95 under 20 ms (service level: CustomerReadModels.list, the code GET /customers runs)');
    await store.close();
  } finally {
    await database.close();
    if (!keep) await fresh.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main, 90 * 60_000);
