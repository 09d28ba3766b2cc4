/**
 * Crash and restart under a steady write load (RELIABILITY.md § 7), on a PostgreSQL cluster of its
 * own (initdb into a temporary folder, its own port; the shared server is never touched):
 *
 *   npm run reliability:crash [-- --writers=16 --phase-ms=6000]
 *
 * Writers create customers and add comments while, in turn (each write carries an Idempotency-Key and,
 * when it got no answer, a 503 or 409 idempotency_key.in_progress, is sent again with the same key):
 * the app is SIGKILLed mid-command and restarted; SIGKILLed again during a projection rebuild;
 * PostgreSQL is stopped fast and started; then stopped immediate (crash) and started. Afterwards:
 * every acknowledged write is in the store exactly once, unacknowledged commits are counted, and
 * every read model equals a rebuild from zero. Prints the status codes seen per phase and the time
 * from each fault until writes succeed again. All traffic goes to 127.0.0.1; every loop is bounded.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { startOwnPostgres } from '../test/support/own-postgres.js';
import { Args } from './support/common.js';
import { API, startApp, type RunningApp } from './support/app.js';

const args = new Args();
const writers = args.int('writers', 16);
const phaseMs = args.int('phase-ms', 6000);
const appPort = args.int('port', 3870);
const env = { ENCRYPTION_KEY: randomBytes(32).toString('hex'), JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'error' };

interface Outcome {
  status: number;
  at: number;
}

const outcomes: Array<Outcome & { phase: string }> = [];
const ackedCustomers = new Set<number>();
const ackedComments = new Map<string, number>(); // marker → customer id
const sentComments = new Set<string>();
/** Customers a comment was sent to (acknowledged or not). */
const sentCommentCustomers = new Set<number>();
let phase = 'warm-up';
let stopping = false;
/** Set once the run is over: retries still waiting give up. */
let abandon = false;
let token = '';
let url = '';

async function send(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<{ status: number; body: any; replayed?: boolean }> {
  try {
    const response = await fetch(`${url}${API}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, replayed: response.headers.get('idempotent-replayed') === 'true' };
  } catch {
    return { status: 0, body: null }; // connection refused / reset: the app is down
  }
}

/** Retries of writes that got no answer (or 503 / in progress), with the same Idempotency-Key. */
const retries = { retried: 0, answeredOnRetry: 0, replayed: 0, gaveUp: 0 };

/** A write as a careful client sends it: one Idempotency-Key, the same request again until it is answered (bounded). */
async function write(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const key = randomUUID();
  let result = await send('POST', path, body, key);
  outcomes.push({ status: result.status, at: Date.now(), phase });
  let attempts = 0;
  const retryable = (answer: { status: number; body: any }) =>
    answer.status === 0 || answer.status === 503 || answer.status === 401 || (answer.status === 409 && answer.body?.rule === 'idempotency_key.in_progress');
  if (!retryable(result)) return result;
  retries.retried++;
  while (retryable(result) && attempts < 120 && !abandon) {
    attempts++;
    if (result.status === 401) token = await login().catch(() => token);
    await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 250));
    result = await send('POST', path, body, key);
  }
  if (retryable(result)) retries.gaveUp++;
  else {
    retries.answeredOnRetry++;
    if (result.replayed) retries.replayed++;
  }
  return result;
}

async function writer(index: number, reference: { partnerId: number; locationId: number }): Promise<void> {
  for (let iteration = 0; !stopping && iteration < 1_000_000; iteration++) {
    const known = [...ackedCustomers];
    let result: { status: number; body: any };
    if (known.length > 10 && iteration % 3 === 0) {
      const id = known[(index * 7919 + iteration) % known.length];
      const marker = `c-${index}-${iteration}-${Date.now()}`;
      sentComments.add(marker);
      sentCommentCustomers.add(id);
      result = await write(`/customers/${id}/comments`, { text: marker });
      if (result.status === 201 || result.status === 200) ackedComments.set(marker, id);
    } else {
      result = await write('/customers', { fullName: `Crash ${index}-${iteration}`, ...reference });
      if (result.status === 201) ackedCustomers.add(result.body.id);
    }
    if (result.status === 0 || result.status === 401) await new Promise((resolve) => setTimeout(resolve, 100));
    if (result.status === 401) token = await login().catch(() => token);
  }
}

async function login(): Promise<string> {
  const response = await fetch(`${url}${API}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@chronicle.local', password: 'chronicle-admin-1' }),
  });
  if (response.status !== 200) throw new Error(`login ${response.status}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** ms from `since` until the first 2xx after it (the time writers needed to recover). */
function recoveredAfter(since: number): number | null {
  const first = outcomes.find((outcome) => outcome.at > since && outcome.status >= 200 && outcome.status < 300);
  return first ? first.at - since : null;
}

async function main(): Promise<void> {
  const own = await startOwnPostgres();
  const client = new pg.Client({ connectionString: own.url });
  let app: RunningApp | undefined;
  const faults: Array<{ name: string; startedAt: number; backAt: number }> = [];
  try {
    app = await startApp({ databaseUrl: own.url, env, port: appPort });
    url = app.url;
    const port = Number(new URL(url).port);
    token = await login();
    const partner = await send('POST', '/partners', { name: 'Crash ISP' });
    const location = await send('POST', '/locations', { name: 'Crash Town' });
    const reference = { partnerId: partner.body.id, locationId: location.body.id };
    await sleep(500); // reference data projected before the first customer
    const load = Promise.all(Array.from({ length: writers }, (_, index) => writer(index, reference)));

    const fault = async (name: string, action: () => Promise<void>) => {
      phase = name;
      const startedAt = Date.now();
      await action();
      faults.push({ name, startedAt, backAt: Date.now() });
      await sleep(phaseMs);
    };
    await sleep(phaseMs);
    await fault('app SIGKILL mid-command', async () => {
      await app!.kill('SIGKILL');
      app = await startApp({ databaseUrl: own.url, env, port });
    });
    await fault('app SIGKILL mid-rebuild batch', async () => {
      await send('POST', '/projections/customer_list/rebuild', { batchSize: 50 });
      await sleep(150);
      await app!.kill('SIGKILL');
      app = await startApp({ databaseUrl: own.url, env, port });
    });
    await fault('PostgreSQL fast restart', () => own.restart('fast', 1000));
    await fault('PostgreSQL immediate restart', () => own.restart('immediate', 1000));
    phase = 'steady after';
    stopping = true;
    // Writers finish their last request (retries of an unanswered one included, bounded: 120 × ≤ 0.5 s).
    await load;
    abandon = true;

    // Caught up: /health 200 with every projection at the head.
    for (let attempt = 0; attempt < 600; attempt++) {
      const health = await fetch(`${url}/health`).catch(() => null);
      const body = health?.status === 200 ? ((await health.json()) as any) : null;
      if (body?.info?.projections?.projections?.every((projection: { caughtUp: boolean }) => projection.caughtUp)) break;
      await sleep(200);
    }

    await client.connect();
    // 1. Every acknowledged write is stored exactly once.
    const created = await client.query<{ stream_id: string; n: number }>(
      `select stream_id, count(*)::int as n from es_events where event_type = 'CustomerCreated' group by stream_id`,
    );
    const createdCount = new Map(created.rows.map((row) => [row.stream_id, row.n]));
    const missingCustomers = [...ackedCustomers].filter((id) => createdCount.get(`customer-${id}`) !== 1);
    // A retried create that ran twice would be a second stream with the same (unique) name.
    const sameName = await client.query<{ n: number }>(`select count(*)::int as n from es_events where event_type = 'CustomerCreated' group by data->>'fullName' having count(*) > 1`);
    const doubledCustomers = created.rows.filter((row) => row.n > 1).length + sameName.rows.length;
    // Comment texts are personal data, encrypted in the store: read them decrypted from each stream's head
    // (`?consistent=true` folds the customer from the event store, not from a read model).
    const commentTexts = new Map<string, { n: number; customerId: number }>();
    let storedComments = 0;
    for (const id of sentCommentCustomers) {
      const answer = await send('GET', `/customers/${id}?consistent=true`);
      if (answer.status !== 200) throw new Error(`GET /customers/${id}?consistent=true answered ${answer.status}`);
      for (const comment of (answer.body?.comments ?? []) as Array<{ text: string }>) {
        storedComments++;
        const seen = commentTexts.get(comment.text);
        commentTexts.set(comment.text, { n: (seen?.n ?? 0) + 1, customerId: id });
      }
    }
    const missingComments = [...ackedComments].filter(([marker, id]) => commentTexts.get(marker)?.n !== 1 || commentTexts.get(marker)?.customerId !== id);
    const doubledComments = [...commentTexts.values()].filter((entry) => entry.n > 1).length;
    const foreignComments = [...commentTexts.keys()].filter((text) => !sentComments.has(text)).length;
    const unacknowledged = created.rows.length - ackedCustomers.size + (storedComments - ackedComments.size);

    // 2. Every read model equals a rebuild from zero.
    const snapshot = async () => {
      const { rows } = await client.query<{ name: string; tables: Record<string, string> }>(`select name, tables from projection_checkpoints where status = 'active' order by name`);
      const hashes: Record<string, string> = {};
      for (const row of rows) {
        for (const [role, table] of Object.entries(row.tables)) {
          const result = await client.query<{ hash: string; n: number }>(
            `select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as hash, count(*)::int as n from ${pg.escapeIdentifier(table)} t`,
          );
          hashes[`${row.name}.${role}`] = `${result.rows[0].n} rows ${result.rows[0].hash}`;
        }
      }
      return hashes;
    };
    const live = await snapshot();
    const names = Object.keys(live).map((key) => key.split('.')[0]).filter((name, index, all) => all.indexOf(name) === index);
    for (const name of names) {
      await send('POST', `/projections/${name}/rebuild`, { restart: true });
      for (let attempt = 0; attempt < 1500; attempt++) {
        const job = await send('GET', `/projections/${name}/rebuild`);
        if (job.body?.state && job.body.state !== 'running') {
          if (job.body.state !== 'done') throw new Error(`rebuild of ${name}: ${job.body.state} ${job.body.error}`);
          break;
        }
        await sleep(200);
      }
    }
    const rebuilt = await snapshot();
    const differing = Object.keys(live).filter((key) => live[key] !== rebuilt[key]);

    const byPhase: Record<string, Record<string, number>> = {};
    for (const outcome of outcomes) {
      const counts = (byPhase[outcome.phase] ??= {});
      const label = outcome.status === 0 ? 'no answer (connection refused/reset)' : String(outcome.status);
      counts[label] = (counts[label] ?? 0) + 1;
    }
    const report = {
      command: `npm run reliability:crash -- --writers=${writers} --phase-ms=${phaseMs}`,
      requests: outcomes.length,
      acknowledged: { customers: ackedCustomers.size, comments: ackedComments.size },
      missingAcknowledged: missingCustomers.length + missingComments.length,
      doubled: doubledCustomers + doubledComments,
      foreignComments,
      committedWithoutAnswer: unacknowledged,
      // Every write carries an Idempotency-Key; one without an answer (or 503 / in progress) is sent again with it.
      retriesWithIdempotencyKey: retries,
      statusCodesByPhase: byPhase,
      // outageMs: from the fault until the app / server is up again (process start included);
      // writesBackAfterMs: from then until the first acknowledged write.
      faults: faults.map(({ name, startedAt, backAt }) => ({ name, outageMs: backAt - startedAt, writesBackAfterMs: recoveredAfter(backAt) })),
      readModels: { compared: Object.keys(live).length, differingFromRebuild: differing, live, rebuilt },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const ok = report.missingAcknowledged === 0 && report.doubled === 0 && foreignComments === 0 && differing.length === 0;
    process.stdout.write(ok ? 'RESULT: nothing acknowledged lost or doubled; read models equal a rebuild\n' : 'RESULT: FAILED\n');
    process.exitCode = ok ? 0 : 1;
  } finally {
    stopping = true;
    await client.end().catch(() => undefined);
    await app?.stop().catch(() => undefined);
    await own.close();
  }
}

await main();
