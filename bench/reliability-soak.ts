/**
 * Soak (RELIABILITY.md § 9): a steady mixed load on one app for a fixed time, sampling the app's
 * memory, event-loop delay and projection lag, written as CSV and plotted as a PNG under docs/.
 *
 *   npm run reliability:soak [-- --minutes=30 --rate=20 --sample=10 --port=3850]
 *
 * Load, per second `--rate` operations started on a fixed schedule (at most 64 in flight; one that
 * would exceed it is skipped and counted): 30 % comments, 15 % payments (with Idempotency-Key),
 * 10 % profile edits with If-Match (a 412 is an expected conflict), 5 % new customers, 25 % profile
 * reads, 15 % list pages. Every `--sample` seconds: /metrics (RSS, heap used, event-loop delay p99 and
 * max since the previous scrape, events the projections are behind) and one probe: a comment, then the
 * time until `GET /customers/{id}?minPosition=` answers it (the projection lag a client sees).
 *
 * A fresh database on the PostgreSQL server of BENCH_DATABASE_URL (default the local one). All
 * traffic to 127.0.0.1; the run ends after `--minutes` whatever happens.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { API, seedCustomers, startApp } from './support/app.js';
import { linePanelsPng } from './support/chart.js';
import { Args, freshDatabase, printHeader, round, Samples, sleep } from './support/common.js';

const args = new Args();
const minutes = args.int('minutes', 30);
const rate = args.int('rate', 20);
const sampleSeconds = args.int('sample', 10);
const port = args.int('port', 3850);
const out = args.string('out', 'docs/reliability-soak');
const MAX_IN_FLIGHT = 64;
const env = { ENCRYPTION_KEY: randomBytes(32).toString('hex'), JWT_SECRET: randomBytes(32).toString('hex') };

// Idle sockets are dropped after 3 s, before the server's 5 s keep-alive timeout closes them under a
// request being sent (the client-side ECONNRESET race of a first run).
const agent = new http.Agent({ keepAlive: true, maxSockets: 128, timeout: 3000 });

interface Answer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

function call(base: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${base}${API}${path}`,
      {
        method,
        agent,
        timeout: 30_000,
        headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON (metrics)
          }
          resolve({ status: response.statusCode ?? 0, body: parsed, headers: response.headers });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out`)));
    request.on('error', reject);
    request.end(payload);
  });
}

async function metrics(base: string): Promise<Map<string, number>> {
  const text: string = await new Promise((resolve, reject) => {
    http.get(`${base}/metrics`, { agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      response.on('error', reject);
    }).on('error', reject);
  });
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, name, , value] = match;
    const number = Number(value);
    // Several label sets (projections): keep the largest.
    values.set(name, Math.max(values.get(name) ?? -Infinity, number));
  }
  return values;
}

interface Sample {
  minute: number;
  rssMiB: number;
  heapUsedMiB: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  eventsBehind: number;
  readableAfterMs: number;
  opsPerSecond: number;
}

async function main(): Promise<void> {
  await printHeader('Reliability: soak (steady mixed load)', args.used);
  const fresh = await freshDatabase('chronicle_reliability_soak');
  const app = await startApp({ databaseUrl: fresh.url, env, port });
  const statuses = new Map<string, number>();
  const fiveHundreds: string[] = [];
  let skipped = 0;
  let started = 0;
  let inFlight = 0;
  const samples: Sample[] = [];
  const latency = new Samples();
  try {
    let token = await app.login();
    const customers = await seedCustomers(app.url, token, 50);
    const partnerId = (await call(app.url, token, 'POST', '/partners', { name: 'Soak ISP' })).body.id;
    const locationId = (await call(app.url, token, 'POST', '/locations', { name: 'Soak Town' })).body.id;
    const revisions = new Map(customers.map((customer) => [customer.id, customer.revision]));
    const ids = customers.map((customer) => customer.id);
    const pick = () => ids[Math.floor(Math.random() * ids.length)];
    const count = (label: string, status: number) => {
      const key = `${label} ${status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (status >= 500 && fiveHundreds.length < 20) fiveHundreds.push(key);
    };

    const operation = async (): Promise<void> => {
      const roll = Math.random();
      const id = pick();
      const begun = Date.now();
      let label: string;
      let answer: Answer;
      if (roll < 0.3) {
        label = 'comment';
        answer = await call(app.url, token, 'POST', `/customers/${id}/comments`, { text: `soak ${started}` });
      } else if (roll < 0.45) {
        label = 'payment';
        answer = await call(app.url, token, 'POST', `/customers/${id}/payments`, { amount: 1.25, method: 'cash' }, { 'Idempotency-Key': randomUUID() });
      } else if (roll < 0.55) {
        label = 'edit';
        answer = await call(app.url, token, 'PATCH', `/customers/${id}`, { city: `Town ${started % 97}` }, { 'If-Match': `"${revisions.get(id) ?? 0}"` });
        if (answer.status === 412) revisions.set(id, Number(answer.body?.currentRevision ?? 0));
      } else if (roll < 0.6) {
        label = 'create';
        answer = await call(app.url, token, 'POST', '/customers', { fullName: `Soak ${started}`, partnerId, locationId }, { 'Idempotency-Key': randomUUID() });
        if (answer.status === 201) {
          ids.push(answer.body.id);
          revisions.set(answer.body.id, answer.body.revision);
        }
      } else if (roll < 0.85) {
        label = 'read';
        answer = await call(app.url, token, 'GET', `/customers/${id}`);
      } else {
        label = 'list';
        answer = await call(app.url, token, 'GET', `/customers?limit=25&sort=${roll < 0.92 ? 'fullName' : '-id'}`);
      }
      if (typeof answer.body?.revision === 'number' && answer.status < 300 && label !== 'read' && label !== 'list') revisions.set(id, Math.max(revisions.get(id) ?? 0, answer.body.revision));
      count(label, answer.status);
      latency.add(Date.now() - begun);
    };

    const startedAt = Date.now();
    const endAt = startedAt + minutes * 60_000;
    let lastSample = startedAt;
    let startedAtLastSample = 0;
    let nextLogin = startedAt + 10 * 60_000; // access tokens live 15 minutes
    const intervalMs = 1000 / Math.max(1, rate);
    let nextTick = startedAt;
    await metrics(app.url); // resets the event-loop histogram
    while (Date.now() < endAt) {
      const now = Date.now();
      if (now >= nextLogin) {
        token = await app.login();
        nextLogin = now + 10 * 60_000;
      }
      if (now >= nextTick) {
        nextTick += intervalMs;
        if (inFlight >= MAX_IN_FLIGHT) skipped++;
        else {
          started++;
          inFlight++;
          operation()
            .catch((error: Error) => count(`error ${error.message.slice(0, 60)}`, 0))
            .finally(() => inFlight--);
        }
        continue;
      }
      if (now - lastSample >= sampleSeconds * 1000) {
        const elapsed = (now - lastSample) / 1000;
        lastSample = now;
        const probeId = pick();
        const written = await call(app.url, token, 'POST', `/customers/${probeId}/comments`, { text: 'probe' });
        const written_at = Date.now();
        let readableAfterMs = NaN;
        if (written.status === 201) {
          const read = await call(app.url, token, 'GET', `/customers/${probeId}?minPosition=${encodeURIComponent(written.body.position)}`);
          if (read.status === 200) readableAfterMs = Date.now() - written_at;
        }
        const m = await metrics(app.url);
        const sample: Sample = {
          minute: round((now - startedAt) / 60_000, 2),
          rssMiB: round((m.get('process_resident_memory_bytes') ?? 0) / 2 ** 20, 1),
          heapUsedMiB: round((m.get('nodejs_heap_size_used_bytes') ?? 0) / 2 ** 20, 1),
          eventLoopP99Ms: round((m.get('nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000, 1),
          eventLoopMaxMs: round((m.get('nodejs_eventloop_lag_max_seconds') ?? 0) * 1000, 1),
          eventsBehind: m.get('chronicle_projection_events_behind') ?? 0,
          readableAfterMs,
          opsPerSecond: round((started - startedAtLastSample) / elapsed, 1),
        };
        startedAtLastSample = started;
        samples.push(sample);
        process.stdout.write(`${JSON.stringify(sample)}\n`);
        continue;
      }
      await sleep(Math.max(1, Math.min(nextTick, lastSample + sampleSeconds * 1000) - Date.now()));
    }
    const drainUntil = Date.now() + 30_000;
    while (inFlight > 0 && Date.now() < drainUntil) await sleep(50);

    mkdirSync(dirname(out), { recursive: true });
    const fields = Object.keys(samples[0] ?? { minute: 0 }) as Array<keyof Sample>;
    writeFileSync(`${out}.csv`, [fields.join(','), ...samples.map((sample) => fields.map((field) => sample[field]).join(','))].join('\n') + '\n');
    const png = await linePanelsPng(
      samples.map((sample) => ({ ...sample, readableAfterMs: Number.isFinite(sample.readableAfterMs) ? sample.readableAfterMs : -1 })) as unknown as Record<string, number>[],
      [
        { title: 'Memory of the app process', unit: 'MiB', series: { 'resident (RSS)': 'rssMiB', 'V8 heap used': 'heapUsedMiB' } },
        { title: 'Event-loop delay (per sample window)', unit: 'ms', series: { p99: 'eventLoopP99Ms', max: 'eventLoopMaxMs' } },
        { title: 'Projection lag', unit: 'ms / events', series: { 'write → readable (ms)': 'readableAfterMs', 'events behind': 'eventsBehind' } },
      ],
      `Chronicle soak: ${minutes} min at ${rate} ops/s (PostgreSQL, 2 shared cores)`,
    );
    writeFileSync(`${out}.png`, png);

    const third = Math.max(1, Math.floor(samples.length / 3));
    const mean = (values: number[]) => round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length), 1);
    const first = samples.slice(0, third);
    const last = samples.slice(-third);
    const finite = (values: number[]) => values.filter(Number.isFinite);
    const report = {
      command: `npm run reliability:soak -- --minutes=${minutes} --rate=${rate} --sample=${sampleSeconds}`,
      operations: started,
      skippedAtInFlightLimit: skipped,
      answers: Object.fromEntries([...statuses.entries()].sort()),
      fiveHundreds: fiveHundreds.length,
      latencyMs: latency.summary('ms', 0),
      rssMiB: { firstThird: mean(first.map((s) => s.rssMiB)), lastThird: mean(last.map((s) => s.rssMiB)), max: Math.max(...samples.map((s) => s.rssMiB)) },
      heapUsedMiB: { firstThird: mean(first.map((s) => s.heapUsedMiB)), lastThird: mean(last.map((s) => s.heapUsedMiB)), max: Math.max(...samples.map((s) => s.heapUsedMiB)) },
      eventLoopP99Ms: { firstThird: mean(first.map((s) => s.eventLoopP99Ms)), lastThird: mean(last.map((s) => s.eventLoopP99Ms)), max: Math.max(...samples.map((s) => s.eventLoopP99Ms)) },
      readableAfterMs: { firstThird: mean(finite(first.map((s) => s.readableAfterMs))), lastThird: mean(finite(last.map((s) => s.readableAfterMs))), max: Math.max(...finite(samples.map((s) => s.readableAfterMs))) },
      eventsBehindMax: Math.max(...samples.map((s) => s.eventsBehind)),
      files: [`${out}.csv`, `${out}.png`],
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = fiveHundreds.length === 0 ? 0 : 1;
  } finally {
    await app.stop().catch(() => undefined);
    await fresh.drop().catch(() => undefined);
  }
}

await main();
