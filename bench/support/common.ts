/**
 * Shared by the benchmark scripts: arguments, the machine header, percentiles, a fresh database
 * per run on the real server, memory sampling. Benchmarks are scripts, never timed tests.
 */
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

/** Server the benchmarks use (traffic to 127.0.0.1 only). Each script makes its own database on it. */
export const BENCH_SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `--name=value` / `--flag` arguments, with typed defaults. */
export class Args {
  private readonly values = new Map<string, string>();
  readonly used: Record<string, string | number | boolean> = {};

  constructor(argv: readonly string[] = process.argv.slice(2)) {
    for (const arg of argv) {
      const match = /^--([a-z0-9-]+)(?:=(.*))?$/i.exec(arg);
      if (!match) throw new Error(`Unexpected argument ${arg} (use --name=value)`);
      this.values.set(match[1], match[2] ?? 'true');
    }
  }

  int(name: string, fallback: number): number {
    const raw = this.values.get(name);
    const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''));
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got ${raw}`);
    this.used[name] = value;
    return value;
  }

  string(name: string, fallback: string): string {
    const value = this.values.get(name) ?? fallback;
    this.used[name] = value;
    return value;
  }

  flag(name: string, fallback = false): boolean {
    const raw = this.values.get(name);
    const value = raw === undefined ? fallback : raw !== 'false' && raw !== '0';
    this.used[name] = value;
    return value;
  }
}

export interface MachineInfo {
  cores: number;
  cpu: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  postgres: string | null;
  loadAverage: string;
}

export async function machineInfo(serverUrl: string | null = BENCH_SERVER_URL): Promise<MachineInfo> {
  let postgres: string | null = null;
  if (serverUrl) {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string }>('select version()');
      postgres = rows[0].version.replace(/ on .*$/, '');
    } finally {
      await client.end();
    }
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(freemem() / 2 ** 30, 1),
    node: process.version,
    postgres,
    loadAverage: loadavg()
      .map((value) => value.toFixed(2))
      .join(' '),
  };
}

/** Prints what a result needs beside it: the machine, the load at start, the parameters. */
export async function printHeader(title: string, parameters: Record<string, unknown>, options: { postgres?: string | null; pglite?: string } = {}): Promise<MachineInfo> {
  const info = await machineInfo(options.postgres === undefined ? BENCH_SERVER_URL : options.postgres);
  const line = '='.repeat(Math.max(40, title.length + 4));
  console.log(line);
  console.log(`  ${title}`);
  console.log(line);
  console.log(`date:          ${new Date().toISOString()}`);
  console.log(`machine:       ${info.cores} cores (${info.cpu}), ${info.memoryGiB} GiB memory (${info.freeMemoryGiB} GiB free)`);
  console.log(`node:          ${info.node}`);
  if (info.postgres) console.log(`postgresql:    ${info.postgres} at ${redact(BENCH_SERVER_URL)}`);
  if (options.pglite) console.log(`pglite:        ${options.pglite}`);
  const busy = Number(info.loadAverage.split(' ')[0]) > info.cores * 0.75;
  console.log(`load average:  ${info.loadAverage} (1/5/15 min) at start${busy ? '  <-- machine busy: figures are pessimistic' : ''}`);
  console.log(`parameters:    ${JSON.stringify(parameters)}`);
  console.log('');
  return info;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Sorted copy + nearest-rank percentiles. */
export class Samples {
  readonly values: number[] = [];
  add(value: number): void {
    this.values.push(value);
  }
  get count(): number {
    return this.values.length;
  }
  percentile(p: number): number {
    if (this.values.length === 0) return NaN;
    const sorted = [...this.values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[rank];
  }
  get max(): number {
    return this.values.reduce((a, b) => Math.max(a, b), -Infinity);
  }
  get mean(): number {
    return this.values.reduce((a, b) => a + b, 0) / this.values.length;
  }
  summary(unit = 'ms', digits = 2): string {
    const f = (value: number) => value.toFixed(digits);
    return `n=${this.count} p50=${f(this.percentile(50))}${unit} p95=${f(this.percentile(95))}${unit} p99=${f(this.percentile(99))}${unit} max=${f(this.max)}${unit}`;
  }
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export const now = (): number => performance.now();

export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A fresh, empty database on the bench server (dropped first if a previous run left it). */
export async function freshDatabase(name: string, serverUrl = BENCH_SERVER_URL): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Bad database name ${name}`);
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A database that already exists (kept between runs with --keep), or null. */
export async function existingDatabase(name: string, serverUrl = BENCH_SERVER_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rows.length === 0) return null;
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Samples this process's memory every `everyMs` and keeps the peaks. */
export class MemoryPeak {
  peakRss = 0;
  peakHeapUsed = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(everyMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  sample(): void {
    const usage = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, usage.rss);
    this.peakHeapUsed = Math.max(this.peakHeapUsed, usage.heapUsed);
  }
  stop(): { peakRssMiB: number; peakHeapUsedMiB: number; maxRssMiB: number } {
    clearInterval(this.timer);
    this.sample();
    return {
      peakRssMiB: round(this.peakRss / 2 ** 20, 1),
      peakHeapUsedMiB: round(this.peakHeapUsed / 2 ** 20, 1),
      // Kernel's high-water mark for the whole process life (KiB on Linux).
      maxRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
    };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Prints a figures table: label → value. */
export function printFigures(rows: Array<[string, string | number]>): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
  console.log('');
}

/** Fail loud on anything unhandled; a benchmark must never hang. */
export function runMain(main: () => Promise<void>, hardTimeoutMs: number): void {
  const timer = setTimeout(() => {
    console.error(`benchmark exceeded its hard limit of ${hardTimeoutMs} ms; exiting`);
    process.exit(3);
  }, hardTimeoutMs);
  timer.unref();
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
