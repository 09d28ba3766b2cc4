/**
 * Benchmark 1: event-store appends on the real PostgreSQL server.
 *
 * In ONE run, on one fresh database, at the same concurrency and with the same payload:
 *   a) raw ceiling: plain single-row INSERTs (autocommit) into a plain table with the same columns;
 *   b) PostgresEventStore.append: one event per call with an expected revision (concurrency check);
 *   c) PostgresEventStore.appendMany: each writer commits --batch commands (one event each, on
 *      different streams, each with its expected revision) in one transaction.
 * Each writer owns its share of the streams (round robin), so it always knows the right expected
 * revision: every append is checked and none is refused.
 *
 * --seconds is each mode's total, split over --rounds alternating rounds (so load changes hit all
 * modes alike).
 *
 *   npm run bench:appends -- --writers=16 --streams=500 --seconds=30 --rounds=3 --batch=16
 */
import { randomBytes } from 'node:crypto';
import { PersonalDataEventStore } from '../src/crypto/personal-data-event-store.js';
import { migratePersonalDataKeys, PersonalDataKeys } from '../src/crypto/personal-data-keys.js';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/database/database.js';
import { migrateEventStore } from '../src/event-store/postgres/event-store-migrations.js';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.js';
import { newEventId } from '../src/event-store/event-id.js';
import { Args, formatInt, freshDatabase, printFigures, printHeader, round, runMain, type Samples } from './support/common.js';
import { closedLoop, commentEvent, type LoadResult } from './support/load.js';

export interface AppendFigures {
  /** 'raw' | 'append' | 'appendMany' */
  key: string;
  mode: string;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  operations: number;
  errors: number;
  /** CPU time per event (µs) of this process, and of everything else on the machine (the server). */
  appCpuPerEvent?: number;
  otherCpuPerEvent?: number;
}

/** Runs the three modes against `database` (PostgreSQL or PGlite). */
export async function runAppendModes(
  database: Database,
  options: {
    writers: number;
    streams: number;
    seconds: number;
    warmupSeconds: number;
    batch: number;
    modes?: string[];
    rounds?: number;
    /** 'random': callers send their own randomUUID() ids (as this bench did before); default: none, the store makes them. */
    callerIds?: 'none' | 'random';
    /** Append through the personal-data encryption (src/crypto/personal-data-event-store.ts), as the app does ('append' mode only). */
    encrypt?: boolean;
  },
): Promise<AppendFigures[]> {
  await migrateEventStore(database.db);
  await sql`create table bench_raw_events (
    id bigserial primary key,
    event_id uuid not null,
    stream_id text not null,
    revision bigint not null,
    event_type text not null,
    data jsonb not null,
    metadata jsonb not null,
    recorded_at timestamptz not null default now()
  )`.execute(database.db);
  const plainStore = new PostgresEventStore(database, process.env.BENCH_ANNOUNCE_MS ? { announceIntervalMs: Number(process.env.BENCH_ANNOUNCE_MS) } : {});
  if (options.encrypt) await migratePersonalDataKeys(database.db);
  const store = (options.encrypt ? new PersonalDataEventStore(plainStore, new PersonalDataKeys(database.db, randomBytes(32))) : plainStore) as PostgresEventStore;
  const { writers, streams } = options;
  const commandEvent = options.callerIds === 'random' ? commentEvent : eventWithoutId;
  const rounds = Math.max(1, options.rounds ?? 1);
  // Modes alternate round by round (raw, append, appendMany, raw, …) so a change in the machine's
  // load hits them alike; each mode's figures are over all its rounds.
  const durationMs = (options.seconds * 1000) / rounds;
  const warmupMs = options.warmupSeconds * 1000;
  const modes = options.modes ?? ['raw', 'append', 'appendMany'];
  const figures: AppendFigures[] = [];
  const totals = new Map<string, LoadResult>();
  // CPU per mode, over whole rounds (warm-up included, so over every event written, not only the counted ones).
  const cpu = new Map<string, { app: number; machine: number | null; events: number }>();
  let written = 0;
  const counted =
    (operation: (writer: number, iteration: number) => Promise<number>) =>
    async (writer: number, iteration: number): Promise<number> => {
      const events = await operation(writer, iteration);
      written += events;
      return events;
    };
  const metered = async (key: string, run: () => Promise<LoadResult>): Promise<LoadResult> => {
    written = 0;
    const before = cpuNow();
    const result = await run();
    const after = cpuNow();
    const known = cpu.get(key) ?? { app: 0, machine: 0, events: 0 };
    known.app += after.app - before.app;
    known.machine = known.machine === null || after.machine === null || before.machine === null ? null : known.machine + after.machine - before.machine;
    known.events += written;
    cpu.set(key, known);
    return result;
  };
  const report = (key: string, mode: string, round: LoadResult, perCall = 1) => {
    const known = totals.get(mode);
    if (known) {
      known.events += round.events;
      known.operations += round.operations;
      known.errors += round.errors;
      known.elapsedMs += round.elapsedMs;
      known.firstError ??= round.firstError;
      for (const value of round.latency.values) known.latency.add(value);
    } else totals.set(mode, round);
    const result = totals.get(mode)!;
    if (rounds > 1) console.log(`  round: ${mode} ${formatInt((round.events * 1000) / round.elapsedMs)} events/s`);
    if (result === round ? rounds > 1 : !lastRound) return;
    const row: AppendFigures = {
      key,
      mode,
      eventsPerSecond: (result.events * 1000) / result.elapsedMs,
      p50: result.latency.percentile(50),
      p99: result.latency.percentile(99),
      operations: result.operations,
      errors: result.errors,
    };
    const used = cpu.get(key);
    if (used && used.events > 0) {
      row.appCpuPerEvent = used.app / used.events;
      if (used.machine !== null) row.otherCpuPerEvent = Math.max(0, used.machine - used.app) / used.events;
    }
    figures.push(row);
    console.log(
      `${mode.padEnd(44)} ${formatInt(row.eventsPerSecond).padStart(8)} events/s   latency per call p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms` +
        `   (${formatInt(result.events)} events in ${formatInt(result.operations)} calls of ${perCall}, ${(result.elapsedMs / 1000).toFixed(1)} s${result.errors ? `, ${result.errors} errors: ${result.firstError}` : ''})`,
    );
    if (row.appCpuPerEvent !== undefined) {
      console.log(
        `${''.padEnd(44)} CPU per event: this process ${row.appCpuPerEvent.toFixed(0)} µs` +
          (row.otherCpuPerEvent !== undefined ? `, rest of the machine (server) ${row.otherCpuPerEvent.toFixed(0)} µs` : ''),
      );
    }
  };
  // Writer w owns streams w, w + writers, w + 2·writers, …; it tracks their revisions.
  const owned = Array.from({ length: writers }, (_, writer) => {
    const mine: number[] = [];
    for (let stream = writer; stream < streams; stream += writers) mine.push(stream);
    return mine;
  });
  const revisions = new Map<number, number>();
  const streamId = (stream: number) => `customer-${stream + 1}`;
  const expectedOf = (stream: number) => {
    const revision = revisions.get(stream);
    return revision === undefined ? ('no_stream' as const) : revision;
  };

  let lastRound = false;
  for (let round = 0; round < rounds; round++) {
  lastRound = round === rounds - 1;
  for (const mode of modes) {
    if (mode === 'raw') {
      let sequence = 0;
      const result = await metered('raw', () => closedLoop({
        writers,
        durationMs,
        warmupMs,
        operation: counted(async (writer, iteration) => {
          const mine = owned[writer];
          const stream = mine[iteration % mine.length];
          const event = commandEvent(stream + 1, ++sequence);
          await sql`insert into bench_raw_events (event_id, stream_id, revision, event_type, data, metadata)
            values (${(event as { id?: string }).id ?? newEventId()}, ${streamId(stream)}, ${iteration}, ${event.type}, ${JSON.stringify(event.data)}::text::jsonb, ${JSON.stringify(event.metadata)}::text::jsonb)`.execute(database.db);
          return 1;
        }),
      }));
      report('raw', 'raw ceiling: single-row INSERT', result);
    } else if (mode === 'append') {
      let sequence = 0;
      const result = await metered('append', () => closedLoop({
        writers,
        durationMs,
        warmupMs,
        operation: counted(async (writer, iteration) => {
          const mine = owned[writer];
          const stream = mine[iteration % mine.length];
          const appended = await store.append(streamId(stream), [commandEvent(stream + 1, ++sequence)], expectedOf(stream));
          revisions.set(stream, appended.nextRevision);
          return 1;
        }),
      }));
      report('append', 'event store: append(1 event, expected rev)', result);
    } else if (mode === 'appendMany') {
      let sequence = 0;
      const batch = options.batch;
      const result = await metered('appendMany', () => closedLoop({
        writers,
        durationMs,
        warmupMs,
        operation: counted(async (writer, iteration) => {
          const mine = owned[writer];
          const chosen: number[] = [];
          for (let k = 0; k < Math.min(batch, mine.length); k++) chosen.push(mine[(iteration * batch + k) % mine.length]);
          const results = await store.appendMany(
            chosen.map((stream) => ({ streamId: streamId(stream), events: [commandEvent(stream + 1, ++sequence)], expectedRevision: expectedOf(stream) })),
          );
          chosen.forEach((stream, index) => revisions.set(stream, results[index].nextRevision));
          return chosen.length;
        }),
      }));
      report('appendMany', `event store: appendMany(${Math.min(batch, owned[0].length)} streams, 1 commit)`, result, Math.min(batch, owned[0].length));
    } else {
      throw new Error(`Unknown mode ${mode}`);
    }
  }
  }
  await store.close();

  // Sanity: every counted event is really there, every stream's revisions are gap-free.
  const { rows } = await sql<{ events: string; streams: string; bad: string }>`
    select count(*) as events, count(distinct stream_id) as streams,
      (select count(*) from es_streams s where s.revision + 1 <> (select count(*) from es_events e where e.stream_id = s.stream_id)) as bad
    from es_events`.execute(database.db);
  console.log(`check: ${rows[0].events} events in ${rows[0].streams} streams, ${rows[0].bad} streams with a revision gap`);
  return figures;
}

/**
 * The event as the command path hands it to the store: without an id, so the store makes one
 * (as runCommand does; only retries that must be idempotent bring their own).
 */
function eventWithoutId(customerId: number, sequence: number) {
  const { id: _callerId, ...event } = commentEvent(customerId, sequence);
  return event;
}

/** CPU time used so far (µs): by this process, and by the whole machine (null where /proc/stat is missing). */
function cpuNow(): { app: number; machine: number | null } {
  const usage = process.cpuUsage();
  return { app: usage.user + usage.system, machine: machineBusyMicroseconds() };
}

function machineBusyMicroseconds(): number | null {
  try {
    // First line of /proc/stat: user nice system idle iowait irq softirq steal … in USER_HZ (1/100 s).
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq) * 10_000;
  } catch {
    return null;
  }
}

export function ratioLines(figures: AppendFigures[]): Array<[string, string]> {
  const raw = figures.find((row) => row.key === 'raw');
  const lines: Array<[string, string]> = [];
  for (const row of figures) {
    lines.push([`${row.mode} events/s`, formatInt(row.eventsPerSecond)]);
    lines.push([`${row.mode} p50 / p99 (ms per call)`, `${row.p50.toFixed(2)} / ${row.p99.toFixed(2)}`]);
    if (raw && row !== raw) lines.push([`${row.mode} vs raw ceiling`, `${round((100 * row.eventsPerSecond) / raw.eventsPerSecond, 1)} %`]);
  }
  return lines;
}

async function main(): Promise<void> {
  const args = new Args();
  const writers = args.int('writers', 16);
  const streams = args.int('streams', 500);
  const seconds = args.int('seconds', 30);
  const warmupSeconds = args.int('warmup', 2);
  const batch = args.int('batch', 16);
  const rounds = args.int('rounds', 3);
  const modes = args.string('modes', 'raw,append,appendMany').split(',').filter(Boolean);
  const callerIds = args.string('caller-ids', 'none') === 'random' ? 'random' : 'none';
  const dbName = args.string('db', 'chronicle_bench_appends');
  const keep = args.flag('keep');
  const encrypt = args.flag('encrypt');
  await printHeader('Benchmark 1: event-store appends (PostgreSQL)', args.used);
  const fresh = await freshDatabase(dbName);
  // One connection per writer, plus one for the store's NOTIFY announcer.
  const database = await openDatabase({ connectionString: fresh.url, poolSize: writers + 1 });
  try {
    const figures = await runAppendModes(database, { writers, streams, seconds, warmupSeconds, batch, modes, rounds, callerIds, encrypt });
    console.log('');
    printFigures(ratioLines(figures));
    console.log('goal: append >= 80 % of the raw ceiling; appendMany beyond it');
  } finally {
    await database.close();
    if (!keep) await fresh.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main, 30 * 60_000);
export type { Samples };
