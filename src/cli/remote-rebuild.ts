/**
 * projections:rebuild through the running app: on the embedded database the app holds the data
 * folder (one process per PGlite folder), so the CLI asks it over HTTP to run the rebuild
 * (POST /api/v1/projections/{name}/rebuild) and follows its progress.
 */
import type { AppConfig } from '../config/app-config.js';
import type { LockOwner } from '../database/data-dir-lock.js';

export interface RemoteRequest {
  names: string[];
  all: boolean;
  list: boolean;
  restart: boolean;
  batchSize?: number;
}

export interface RemoteIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** How often progress is polled (default 1,000 ms). */
  pollMs?: number;
}

interface Job {
  name: string;
  state: 'running' | 'done' | 'failed' | 'stopped';
  progress?: { version: number; eventsDone: number; totalEstimate: number | null; eventsPerSecond: number; phase: string; error?: string };
  result?: { version: number; fromVersion: number | null; eventsProcessed: number; durationMs: number; position: string | null; droppedTables: string[] };
  error?: string;
}

export class RemoteError extends Error {}

export async function rebuildThroughApp(request: RemoteRequest, owner: LockOwner, config: AppConfig, env: NodeJS.ProcessEnv, io: RemoteIo): Promise<number> {
  const base = `http://127.0.0.1:${owner.port}/api/v1`;
  io.err.write(`The app (process ${owner.pid}, port ${owner.port}) holds the embedded database; asking it to run the rebuild.\n`);
  const token = env.CHRONICLE_TOKEN || (await login(base, env.ADMIN_EMAIL ?? config.adminEmail, env.ADMIN_PASSWORD ?? config.adminPassword));
  const call = async (method: string, path: string, body?: object): Promise<{ status: number; body: any }> => {
    const response = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : null;
    if (response.status >= 400) throw new RemoteError(`${method} ${path} answered ${response.status}: ${parsed?.detail ?? text}`);
    return { status: response.status, body: parsed };
  };

  const { body: listed } = await call('GET', '/projections');
  const known: string[] = listed.items.map((item: { name: string }) => item.name);
  if (request.list) {
    for (const item of listed.items) {
      io.out.write(`${item.name} (code version ${item.codeVersion}): v${item.activeVersion ?? '-'} ${item.state} at ${item.position ?? '(start)'}, ${item.eventsBehind ?? '?'} behind${item.error ? ` — ${item.error}` : ''}\n`);
    }
    return 0;
  }
  const unknown = request.names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    io.err.write(`Unknown projection(s): ${unknown.join(', ')}. Known: ${known.join(', ')}\n`);
    return 2;
  }
  for (const name of request.all ? known : [...new Set(request.names)]) {
    const path = `/projections/${encodeURIComponent(name)}/rebuild`;
    const body = { ...(request.restart ? { restart: true } : {}), ...(request.batchSize ? { batchSize: request.batchSize } : {}) };
    const started = (await call('POST', path, body)).body as Job & { started: boolean };
    if (!started.started) io.err.write(`A rebuild of ${name} is already running in the app; following it.\n`);
    let job: Job = started;
    let lastLine = 0;
    while (job.state === 'running') {
      if (io.signal?.aborted) {
        job = (await call('DELETE', path)).body as Job;
        io.err.write(`\nRebuild of ${name} stopped: ${job.error ?? job.state}\n`);
        return 130;
      }
      await sleep(io.pollMs ?? 1000, io.signal);
      job = (await call('GET', path)).body as Job;
      if (job.progress && Date.now() - lastLine >= 5000) {
        lastLine = Date.now();
        const { version, eventsDone, totalEstimate, eventsPerSecond, phase, error } = job.progress;
        io.err.write(`${name} v${version} ${eventsDone}/${totalEstimate ?? '?'} events | ${Math.round(eventsPerSecond)} events/s | ${error ? `retrying: ${error}` : phase}\n`);
      }
    }
    if (job.state !== 'done' || !job.result) {
      io.err.write(`Rebuild of ${name} ${job.state}: ${job.error ?? 'no result'}\n`);
      return job.state === 'stopped' ? 130 : 1;
    }
    const result = job.result;
    io.out.write(
      `${name}: v${result.version} is active (${result.fromVersion === null ? 'no previous version' : `replacing v${result.fromVersion}`}; rebuilt by the app)\n` +
        `  events processed: ${result.eventsProcessed.toLocaleString('en-US')} in ${Math.round(result.durationMs / 1000)}s\n` +
        `  checkpoint: ${result.position ?? '(empty store)'}\n` +
        `  dropped: ${result.droppedTables.length ? result.droppedTables.join(', ') : 'nothing'}\n`,
    );
  }
  return 0;
}

async function login(base: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (response.status !== 200) {
    throw new RemoteError(
      `Logging in to the app as ${email} answered ${response.status}. Set CHRONICLE_TOKEN to an access token, or ADMIN_EMAIL / ADMIN_PASSWORD, of an admin with the permission 'operations'.`,
    );
  }
  return ((await response.json()) as { accessToken: string }).accessToken;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
