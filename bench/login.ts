/**
 * Benchmark: a burst of logins and what it does to everything else on the instance. Password hashing
 * that runs on the one Node thread stalls every other request while it works; hashing on the thread
 * pool leaves the event loop free.
 *
 * The app runs as a child process (its own event loop) on PostgreSQL. `--clients` parallel clients log
 * the development admin in `--logins` times in all; meanwhile a probe sends GET /health every
 * `--probe-ms` and records how long each answer takes (the delay a login burst adds to an unrelated
 * request), and the app's own event-loop delay is read from /metrics (prom-client's
 * nodejs_eventloop_lag_* gauges from monitorEventLoopDelay; each scrape resets the histogram, so a scrape
 * just before the burst makes the one after it cover the burst alone). Every loop is bounded.
 *
 *   npm run bench:login -- --logins=200 --clients=16 --probe-ms=20
 */
import { API, startApp } from './support/app.js';
import { Args, freshDatabase, now, printFigures, printHeader, round, runMain, Samples, sleep } from './support/common.js';
import { DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD } from '../src/config/app-config.js';

interface BurstFigures {
  logins: number;
  /** Answers by status (200 = logged in; a 503 means the instance could not reach its database in time). */
  statuses: Record<string, number>;
  seconds: number;
  loginLatency: Samples;
  probe: Samples;
  eventLoop: Record<string, number>;
}

async function login(url: string, ip: string): Promise<number> {
  const response = await fetch(`${url}${API}/auth/login`, {
    method: 'POST',
    // The limiter counts per address; a success never counts, but distinct addresses keep the run honest.
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ email: DEV_ADMIN_EMAIL, password: DEV_ADMIN_PASSWORD }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The app's event-loop delay gauges (seconds) from /metrics. */
async function eventLoopGauges(url: string, token: string): Promise<Record<string, number>> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  const out: Record<string, number> = {};
  for (const name of ['nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']) {
    const match = new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text);
    if (match) out[name] = Number(match[1]);
  }
  return out;
}

/** Probes GET /health every `everyMs` until `done()`, at most `maxProbes` times. */
async function probe(url: string, everyMs: number, done: () => boolean, maxProbes: number): Promise<Samples> {
  const samples = new Samples();
  for (let k = 0; k < maxProbes && !done(); k++) {
    const started = now();
    const response = await fetch(`${url}/health`);
    await response.arrayBuffer();
    samples.add(now() - started);
    await sleep(everyMs);
  }
  return samples;
}

async function burst(url: string, token: string, logins: number, clients: number, probeMs: number): Promise<BurstFigures> {
  let next = 0;
  let finished = false;
  const loginLatency = new Samples();
  const statuses: Record<string, number> = {};
  const probing = probe(url, probeMs, () => finished, 100_000);
  const started = now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (next < logins) {
        next++;
        const at = now();
        const status = await login(url, `10.0.${client}.1`);
        loginLatency.add(now() - at);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (now() - started) / 1000;
  finished = true;
  const probeSamples = await probing;
  return { logins, statuses, seconds, loginLatency, probe: probeSamples, eventLoop: await eventLoopGauges(url, token) };
}

async function main(): Promise<void> {
  const args = new Args();
  const logins = args.int('logins', 200);
  const clients = args.int('clients', 16);
  const probeMs = args.int('probe-ms', 20);
  const idleProbes = args.int('idle-probes', 100);
  const label = args.string('label', '');
  await printHeader(`Login burst${label ? ` (${label})` : ''}`, args.used);
  const database = await freshDatabase('chronicle_bench_login');
  const app = await startApp({
    databaseUrl: database.url,
    // Production hashing parameters (NODE_ENV is not test); TRUST_PROXY so each client has its own address.
    env: { TRUST_PROXY: 'true', METRICS_ENABLED: 'true', LOGIN_FREE_FAILURES_PER_PAIR: '5' },
  });
  try {
    const token = await app.login();
    // The first login of the burst may rehash an old hash: warm up once so every measured login verifies the same kind.
    await login(app.url, '10.0.255.1');

    let idleDone = false;
    const idle = await probe(app.url, probeMs, () => idleDone, idleProbes);
    idleDone = true;
    await eventLoopGauges(app.url, token);
    const cpuBefore = app.cpuSeconds();
    const figures = await burst(app.url, token, logins, clients, probeMs);
    const cpu = app.cpuSeconds() - cpuBefore;

    printFigures([
      ['logins', figures.logins],
      ['clients in parallel', clients],
      ['answers by status', JSON.stringify(figures.statuses)],
      ['logins/s (answered 200)', round((figures.statuses['200'] ?? 0) / figures.seconds, 1)],
      ['login latency', figures.loginLatency.summary()],
      ['GET /health while idle', idle.summary()],
      ['GET /health during the burst', figures.probe.summary()],
      ['app CPU seconds during the burst', round(cpu, 1)],
      ...Object.entries(figures.eventLoop).map(([name, value]): [string, string] => [`app ${name.replace('nodejs_', '')} during the burst`, `${round(value * 1000, 1)} ms`]),
    ]);
  } finally {
    await app.stop();
    await database.drop();
  }
}

runMain(main, 20 * 60_000);
