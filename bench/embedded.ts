/**
 * Benchmark 7: the embedded default (PGlite, in-process PostgreSQL in a local data folder), the
 * same measurements as benchmarks 1 and 3: appends (raw ceiling, append with expected revision,
 * appendMany) and projection rebuild from zero, with events/s and peak memory.
 * PGlite is one session in this process: "concurrent" writers queue on it.
 *
 *   npm run bench:embedded -- --writers=16 --streams=500 --seconds=10 --events=100000
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/database/database.js';
import { Args, formatInt, MemoryPeak, printFigures, printHeader, runMain } from './support/common.js';
import { ratioLines, runAppendModes } from './appends.js';
import { CUSTOMER_PROJECTIONS, prepareHistory, rebuildEach } from './rebuild.js';

async function main(): Promise<void> {
  const args = new Args();
  const writers = args.int('writers', 16);
  const streams = args.int('streams', 500);
  const seconds = args.int('seconds', 10);
  const batch = args.int('batch', 16);
  const rounds = args.int('rounds', 1);
  const events = args.int('events', 100_000);
  const names = args.string('projections', CUSTOMER_PROJECTIONS.join(',')).split(',').filter(Boolean);
  const inMemory = args.flag('memory');
  const pgliteVersion = readPackageVersion('node_modules/@electric-sql/pglite/package.json');
  await printHeader('Benchmark 7: embedded default (PGlite)', args.used, { postgres: null, pglite: `@electric-sql/pglite ${pgliteVersion ?? '?'} (${inMemory ? 'in memory' : 'data folder on local disk'})` });
  const memory = new MemoryPeak(50);

  // 1. Appends, on a fresh data folder.
  let dir = inMemory ? undefined : mkdtempSync(join(tmpdir(), 'chronicle-bench-pglite-'));
  let database = await openDatabase({ dataDir: dir });
  try {
    console.log('-- appends');
    const figures = await runAppendModes(database, { writers, streams, seconds, warmupSeconds: 1, batch, rounds });
    console.log('');
    printFigures(ratioLines(figures));
  } finally {
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }

  // 3. Rebuild, on another fresh data folder.
  dir = inMemory ? undefined : mkdtempSync(join(tmpdir(), 'chronicle-bench-pglite-'));
  database = await openDatabase({ dataDir: dir });
  try {
    console.log('-- rebuild');
    await prepareHistory(database, events);
    const figures = await rebuildEach(database, names);
    console.log('');
    printFigures(figures.map((figure) => [`${figure.projection} events/s (peak RSS)`, `${formatInt(figure.eventsPerSecond)} (${figure.peakRssMiB} MiB)`]));
  } finally {
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  const peak = memory.stop();
  console.log(`process peak RSS over the whole run: ${peak.maxRssMiB} MiB (PGlite's WASM heap included)`);
}

function readPackageVersion(path: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

runMain(main, 60 * 60_000);
