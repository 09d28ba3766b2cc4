/**
 * The long run of the property-based fuzz (RELIABILITY.md § 5): every operation of
 * docs/openapi.json, `--runs` generated requests each (fast-check, seeded), against the app started
 * as a child process on a fresh PostgreSQL database. Counts answers by status and lists every
 * finding: a 5xx, no answer, or a refused request that changed the event store.
 *
 *   npm run reliability:fuzz -- --runs 200 [--seed 7] [--port 3890]
 *
 * The bounded run of the same generator is part of the test suite (test/fuzz/openapi-fuzz.spec.ts).
 * All traffic to 127.0.0.1; the run ends after runs × operations requests.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { describeFinding, fuzzOperations, OpenApiFuzzer, type FuzzRequest, type OpenApiDocument } from '../test/fuzz/openapi-fuzz.js';
import { seedFuzzTargets } from '../test/fuzz/fuzz-fixture.js';
import { API, startApp } from './support/app.js';
import { freshDatabase, printHeader } from './support/common.js';
import { DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD } from '../src/config/app-config.js';

/** `--runs 200` or `--runs=200`. */
function option(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === `--${name}`) return Number(argv[index + 1]);
    if (argv[index].startsWith(`--${name}=`)) return Number(argv[index].slice(name.length + 3));
  }
  return fallback;
}
const runs = option('runs', 50);
const seed = option('seed', Date.now() % 1_000_000);
const port = option('port', 3890);
/** `--db NAME`: the database created (and dropped) for the run, so two runs on one server do not share one. */
const dbIndex = process.argv.findIndex((argument) => argument === '--db' || argument.startsWith('--db='));
const dbName = dbIndex < 0 ? 'chronicle_reliability_fuzz' : process.argv[dbIndex].startsWith('--db=') ? process.argv[dbIndex].slice(5) : process.argv[dbIndex + 1];
const env = { ENCRYPTION_KEY: randomBytes(32).toString('hex'), JWT_SECRET: randomBytes(32).toString('hex'), BCRYPT_COST: '10' };
const agent = new http.Agent({ keepAlive: true, maxSockets: 8, timeout: 3000 });

function send(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    let request: http.ClientRequest;
    try {
      request = http.request(`${base}${path}`, { method, agent, timeout: 30_000, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => resolve({ status: 0, text: error.message }));
      });
    } catch (error) {
      return resolve({ status: 400, text: `not sendable: ${(error as Error).message}` }); // a header Node refuses to send
    }
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => resolve({ status: 0, text: error.message }));
    request.end(body);
  });
}

async function main(): Promise<void> {
  await printHeader('Reliability: property-based fuzz of every OpenAPI operation', { runs, seed, port, db: dbName });
  const fresh = await freshDatabase(dbName);
  const app = await startApp({ databaseUrl: fresh.url, env, port });
  const client = new pg.Client({ connectionString: fresh.url });
  await client.connect();
  try {
    let token = await app.login();
    const call = async (method: string, path: string, body?: unknown) => {
      const answer = await send(app.url, method, `${API}${path}`, { authorization: `Bearer ${token}` }, body === undefined ? undefined : JSON.stringify(body));
      return { status: answer.status, body: answer.text ? JSON.parse(answer.text) : undefined };
    };
    const known = await seedFuzzTargets(call);
    const document = JSON.parse(readFileSync(join(process.cwd(), 'docs/openapi.json'), 'utf8')) as OpenApiDocument;
    const started = Date.now();
    const summary = await fuzzOperations(
      new OpenApiFuzzer(document, known),
      {
        async send(request: FuzzRequest) {
          const headers = { ...request.headers, ...(request.authenticated ? { authorization: `Bearer ${token}` } : {}) };
          const answer = await send(app.url, request.method, request.path, headers, request.body);
          if (answer.status === 401 && request.authenticated) {
            token = await app.login().catch(async () => {
              const response = await send(app.url, 'POST', `${API}/auth/login`, {}, JSON.stringify({ email: DEV_ADMIN_EMAIL, password: DEV_ADMIN_PASSWORD }));
              return JSON.parse(response.text).accessToken as string;
            });
          }
          return answer;
        },
        async eventCount() {
          const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM es_events WHERE coalesce(metadata->'actor'->>'id', '') <> 'system'`);
          return Number(rows[0].n);
        },
      },
      { runs, seed, onProgress: (done) => done % 500 === 0 && process.stdout.write(`… ${done} requests\n`) },
    );
    const report = {
      command: `npm run reliability:fuzz -- --runs ${runs} --seed ${seed}`,
      operations: summary.operations,
      requests: summary.requests,
      seconds: Math.round((Date.now() - started) / 1000),
      byStatus: summary.byStatus,
      fiveHundreds: summary.findings.filter((finding) => finding.problem === '5xx').length,
      noAnswer: summary.findings.filter((finding) => finding.problem === 'no answer').length,
      refusedButWritten: summary.findings.filter((finding) => finding.problem.startsWith('refused')).length,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    for (const finding of summary.findings.slice(0, 50)) process.stdout.write(`${describeFinding(finding)}\n`);
    process.stdout.write(summary.findings.length === 0 ? 'RESULT: no 5xx, and no refused request changed the event store\n' : `RESULT: FAILED (${summary.findings.length} findings)\n`);
    process.exitCode = summary.findings.length === 0 ? 0 : 1;
  } finally {
    await client.end().catch(() => undefined);
    await app.stop().catch(() => undefined);
    await fresh.drop().catch(() => undefined);
  }
}

await main();
