/**
 * Starts the real app (the compiled src/main.ts) as a child process on 127.0.0.1, so the load
 * generator and the server do not share one event loop, and talks to it over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD } from '../../src/config/app-config.js';

export const API = '/api/v1';

export interface RunningApp {
  url: string;
  pid: number;
  /** Resident memory of the app process now and its peak (VmHWM), in MiB. */
  memory(): { rssMiB: number; peakRssMiB: number };
  /** CPU time (user + system) the app process has used so far, in seconds. */
  cpuSeconds(): number;
  login(): Promise<string>;
  /** Sends `signal` (e.g. SIGKILL for crash runs) and resolves when the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Boots dist/bench/src/main.js with DATABASE_URL (or PGlite when undefined); resolves once it listens. */
export async function startApp(options: { databaseUrl?: string; env?: Record<string, string>; startTimeoutMs?: number; port?: number } = {}): Promise<RunningApp> {
  const port = options.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-bench-'));
  const main = join(dirname(fileURLToPath(import.meta.url)), '../../src/main.js');
  // BENCH_APP_NODE_ARGS: extra node flags for the app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
  const nodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, main], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // The start banner ("Chronicle ready in …") is printed as such only in the pretty format (JSON: an info log line).
      LOG_FORMAT: 'pretty',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output = (output + String(chunk)).slice(-4000)));
  child.stderr!.on('data', (chunk) => (output = (output + String(chunk)).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start within ${options.startTimeoutMs ?? 120_000} ms:\n${output}`)), options.startTimeoutMs ?? 120_000);
    const check = () => {
      if (/listening on|Chronicle ready in/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code}:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const pid = child.pid!;
  return {
    url,
    pid,
    memory() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, peakRssMiB: Math.round(kib('VmHWM') / 102.4) / 10 };
    },
    cpuSeconds() {
      // /proc/<pid>/stat: fields 14 and 15 (after the parenthesised command) are utime and stime in ticks (100/s).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async login() {
      const response = await fetch(`${url}${API}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: DEV_ADMIN_EMAIL, password: DEV_ADMIN_PASSWORD }),
      });
      const body = (await response.json()) as { accessToken?: string };
      if (response.status !== 200 || !body.accessToken) throw new Error(`login answered ${response.status}: ${JSON.stringify(body)}`);
      return body.accessToken;
    },
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Kept-alive connections to the app (node:http; no extra client library). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** JSON over HTTP with the bearer token; throws unless 2xx. */
export function api<T = any>(url: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise<T>((resolve, reject) => {
    const request = http.request(
      `${url}${API}${path}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) return reject(new Error(`${method} ${path} answered ${status}: ${text.slice(0, 500)}`));
          try {
            resolve((text ? JSON.parse(text) : undefined) as T);
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Creates a partner, a location and `count` customers through the API; returns their ids and revisions. */
export async function seedCustomers(url: string, token: string, count: number): Promise<Array<{ id: number; revision: number }>> {
  const partner = await api<{ id: number }>(url, token, 'POST', '/partners', { name: 'Bench ISP' });
  const location = await api<{ id: number }>(url, token, 'POST', '/locations', { name: 'Springfield' });
  const customers: Array<{ id: number; revision: number }> = [];
  for (let k = 0; k < count; k++) {
    const create = () => api<{ id: number; revision: number }>(url, token, 'POST', '/customers', {
      fullName: `Bench Customer ${k + 1}`,
      partnerId: partner.id,
      locationId: location.id,
      emails: [`bench${k + 1}@example.com`],
      phones: [`+1 555-010-${String(1000 + k).slice(-4)}`],
      city: 'Springfield',
    });
    let created: { id: number; revision: number } | undefined;
    // The first create may come before the reference data is projected: retry for a while.
    for (let attempt = 0; !created; attempt++) {
      try {
        created = await create();
      } catch (error) {
        if (k > 0 || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    customers.push({ id: created.id, revision: created.revision });
  }
  return customers;
}
