#!/usr/bin/env node
/**
 * Rebuilds read-model projections from zero, blue/green, with a progress bar:
 *
 *   npm run projections:rebuild -- <name> [<name> …]
 *   npm run projections:rebuild -- --all
 *   npm run projections:rebuild -- --list
 *
 * Each rebuild writes a NEW version of the projection's tables while the current version keeps
 * serving reads (the app may keep running), then switches atomically once caught up and drops the
 * old tables. Interrupted (Ctrl-C, crash), it resumes from its own checkpoint when run again — or a
 * running app instance finishes it. It uses the same environment as the app: DATABASE_URL (else
 * PGlite in DATA_DIR, default ./data) and EVENTSTORE_CONNECTION_STRING.
 *
 * On the embedded database only one process may open the data folder: when the app holds it, the
 * CLI asks the app to run the rebuild (POST /api/v1/projections/{name}/rebuild), logging in with
 * CHRONICLE_TOKEN, else ADMIN_EMAIL / ADMIN_PASSWORD.
 */
import cliProgress from 'cli-progress';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allProjections } from '../../projections/index.js';
import { IN_MEMORY, loadAppConfig } from '../config/app-config.js';
import { DataDirLockedError } from '../database/data-dir-lock.js';
import { openDatabase, type Database } from '../database/database.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { createEventStore } from '../event-store/event-store.module.js';
import { CheckpointStore } from '../projections-runtime/checkpoint-store.js';
import type { Projection } from '../projections-runtime/projection.js';
import {
  ProjectionRuntime,
  RebuildAbortedError,
  type RebuildProgress,
  type RebuildResult,
} from '../projections-runtime/projection-runtime.js';
import { rebuildThroughApp, RemoteError } from './remote-rebuild.js';

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Aborts the rebuild in progress (wired to SIGINT/SIGTERM by `main`). */
  signal?: AbortSignal;
}

export interface CliDependencies {
  database: Database;
  store: EventStore;
  projections: readonly Projection<any>[];
}

interface Arguments {
  names: string[];
  all: boolean;
  list: boolean;
  help: boolean;
  restart: boolean;
  batchSize?: number;
}

const USAGE = `Usage: npm run projections:rebuild -- <name> [<name> ...] [options]

Rebuilds projections from zero as a new version, switched in when caught up (no downtime for reads).

Options:
  --all              rebuild every projection
  --list             list projections, their versions and checkpoints, and exit
  --restart          discard an unfinished rebuild and start again from zero (default: resume it)
  --batch-size <n>   events per transaction (default 1000)
  -h, --help         show this help

Environment: DATABASE_URL (else PGlite in DATA_DIR, default ./data), EVENTSTORE_CONNECTION_STRING.
While the app runs on the embedded database, the rebuild runs inside the app (it holds the data folder):
the CLI logs in with CHRONICLE_TOKEN, else ADMIN_EMAIL / ADMIN_PASSWORD (permission 'operations').`;

export class UsageError extends Error {}

export function parseArguments(argv: readonly string[]): Arguments {
  const parsed: Arguments = { names: [], all: false, list: false, help: false, restart: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--all') parsed.all = true;
    else if (argument === '--list') parsed.list = true;
    else if (argument === '--restart') parsed.restart = true;
    else if (argument === '-h' || argument === '--help') parsed.help = true;
    else if (argument === '--batch-size' || argument.startsWith('--batch-size=')) {
      const value = argument.includes('=') ? argument.split('=')[1] : argv[++index];
      const size = Number(value);
      if (!Number.isInteger(size) || size < 1) throw new UsageError(`--batch-size needs a positive integer, got "${value ?? ''}"`);
      parsed.batchSize = size;
    } else if (argument.startsWith('-')) throw new UsageError(`Unknown option ${argument}`);
    else parsed.names.push(argument);
  }
  if (!parsed.help && !parsed.list && !parsed.all && parsed.names.length === 0) {
    throw new UsageError('Name a projection to rebuild, or pass --all');
  }
  return parsed;
}

/** Opens the database and event store exactly as the app does (see DatabaseModule / EventStoreModule). */
export async function openFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<CliDependencies & { close(): Promise<void> }> {
  const config = loadAppConfig(env);
  const database = await openDatabase({
    connectionString: config.databaseUrl,
    dataDir: config.databaseUrl || config.dataDir === IN_MEMORY ? undefined : join(config.dataDir, 'pglite'),
    poolSize: 4,
  });
  try {
    const store = await createEventStore(config, database);
    return {
      database,
      store,
      projections: allProjections,
      async close() {
        await store.close().catch(() => undefined);
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** The CLI without process wiring; returns the exit code. */
export async function runCli(argv: readonly string[], dependencies: CliDependencies, io: CliIo): Promise<number> {
  let args: Arguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.out.write(`${USAGE}\n`);
    return 0;
  }
  const known = dependencies.projections.map((projection) => projection.name);
  const unknown = args.names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    io.err.write(`Unknown projection(s): ${unknown.join(', ')}. Known: ${known.join(', ') || '(none)'}\n`);
    return 2;
  }

  const runtime = new ProjectionRuntime({
    database: dependencies.database,
    store: dependencies.store,
    projections: dependencies.projections,
    logger: { log: () => undefined, warn: (message) => io.err.write(`${message}\n`), error: () => undefined },
  });
  await runtime.migrate();

  if (args.list) {
    await printList(runtime, dependencies.database, io);
    return 0;
  }

  const names = args.all ? known : [...new Set(args.names)];
  const results: RebuildResult[] = [];
  for (const name of names) {
    if (io.signal?.aborted) break;
    try {
      results.push(await rebuildWithBar(runtime, name, args, io));
    } catch (error) {
      if (error instanceof RebuildAbortedError) {
        io.err.write(`\n${error.message}\n`);
        return io.signal?.aborted ? 130 : 1;
      }
      io.err.write(`\nRebuild of ${name} failed: ${(error as Error).stack ?? error}\n`);
      return 1;
    }
  }
  printSummary(results, io);
  return 0;
}

async function rebuildWithBar(runtime: ProjectionRuntime, name: string, args: Arguments, io: CliIo): Promise<RebuildResult> {
  const bar = new cliProgress.SingleBar(
    {
      format: `${name} v{version} [{bar}] {percentage}% | {value}/{totalLabel} events | {speed} events/s | elapsed {elapsedText} | ETA {etaText} | {phase}`,
      stream: io.err,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const onProgress = (progress: RebuildProgress) => {
    const total = Math.max(progress.totalEstimate ?? 0, progress.eventsDone, 1);
    const payload = {
      version: progress.version,
      totalLabel: progress.totalEstimate === null ? '?' : String(total),
      speed: Math.round(progress.eventsPerSecond).toLocaleString('en-US'),
      elapsedText: formatDuration(progress.elapsedMs),
      etaText: progress.etaMs === null ? '?' : formatDuration(progress.etaMs),
      phase: progress.error ? `retrying: ${progress.error}` : progress.phase,
    };
    if (!started) {
      bar.start(total, progress.eventsDone, payload);
      started = true;
    } else {
      bar.setTotal(total);
      bar.update(progress.eventsDone, payload);
    }
  };
  try {
    return await runtime.rebuildProjection(name, {
      onProgress,
      batchSize: args.batchSize,
      restart: args.restart,
      signal: io.signal,
    });
  } finally {
    if (started) bar.stop();
  }
}

function printSummary(results: readonly RebuildResult[], io: CliIo): void {
  for (const result of results) {
    const from = result.fromVersion === null ? 'no previous version' : `replacing v${result.fromVersion}`;
    io.out.write(
      [
        `${result.name}: v${result.version} is active (${from}${result.resumed ? ', resumed' : ''})`,
        `  events processed: ${result.eventsProcessed.toLocaleString('en-US')} in ${formatDuration(result.durationMs)}` +
          ` (${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s; ${result.totalEventsProcessed.toLocaleString('en-US')} in this version)`,
        `  checkpoint: ${result.position ?? '(empty store)'}`,
        `  dropped: ${result.droppedTables.length ? result.droppedTables.join(', ') : 'nothing'}`,
      ].join('\n') + '\n',
    );
  }
}

async function printList(runtime: ProjectionRuntime, database: Database, io: CliIo): Promise<void> {
  const rows = await new CheckpointStore().list(database.db);
  for (const projection of runtime.projections) {
    io.out.write(`${projection.name} (code version ${projection.version})\n`);
    const versions = rows.filter((row) => row.name === projection.name);
    if (versions.length === 0) io.out.write('  not built yet\n');
    for (const row of versions) {
      io.out.write(
        `  v${row.version} ${row.status.padEnd(10)} ${String(row.eventsProcessed).padStart(10)} events  at ${row.position ?? '(start)'}  tables: ${Object.values(row.tables).join(', ')}\n`,
      );
    }
  }
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/** How long the CLI waits, after a signal or a fatal error, for a clean stop before it exits anyway. */
const STOP_GRACE_MS = 10_000;
const CLOSE_GRACE_MS = 5_000;

async function main(): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping after the current batch (again to quit at once; quitting anyway in ${STOP_GRACE_MS / 1000} s)…\n`);
    controller.abort();
    setTimeout(() => {
      process.stderr.write('The rebuild did not stop in time; quitting. It resumes from its last checkpoint when run again.\n');
      process.exit(130);
    }, STOP_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const argv = process.argv.slice(2);
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const io = { out: process.stdout, err: process.stderr, signal: controller.signal };
  let dependencies: Awaited<ReturnType<typeof openFromEnvironment>>;
  try {
    dependencies = await openFromEnvironment();
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    if (!error.owner.port) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    let args: Arguments;
    try {
      args = parseArguments(argv);
    } catch (usage) {
      if (!(usage instanceof UsageError)) throw usage;
      process.stderr.write(`${usage.message}\n\n${USAGE}\n`);
      return 2;
    }
    return rebuildThroughApp(args, error.owner, loadAppConfig(), process.env, io);
  }
  try {
    return await runCli(argv, dependencies, io);
  } finally {
    // A database that went away can leave close() waiting on a connection: bounded, then exit.
    await withTimeout(dependencies.close(), CLOSE_GRACE_MS);
  }
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => undefined, () => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Exits explicitly: a pool or timer left behind by a failed rebuild must not keep the process alive.
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof RemoteError ? error.message : ((error as Error).stack ?? error)}\n`);
      process.exit(1);
    },
  );
}
