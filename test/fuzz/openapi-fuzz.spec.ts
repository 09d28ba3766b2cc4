/**
 * The bounded run of the property-based fuzz (test/fuzz/openapi-fuzz.ts): every operation of
 * docs/openapi.json, a few generated requests each (a fixed seed, so a failure replays), against
 * the app as users get it. No answer may be a 5xx, and no refused request may change the event
 * store. The long run: `npm run reliability:fuzz -- --runs 200` (RELIABILITY.md § 5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import request from 'supertest';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { API, startHarness, type Harness } from '../e2e/customers-e2e-support.js';
import { seedFuzzTargets } from './fuzz-fixture.js';
import { COUNTED_EVENTS_SQL, describeFinding, fuzzOperations, OpenApiFuzzer, type FuzzRequest, type OpenApiDocument } from './openapi-fuzz.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5);
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);

describe('fuzz of every OpenAPI operation', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness();
    token = h.headers.Authorization;
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`answers no 5xx and writes nothing on a refusal (${RUNS} requests per operation, seed ${SEED})`, async () => {
    const server = h.testApp.app.getHttpServer();
    const database = h.testApp.app.get<Database>(DATABASE);
    const call = async (method: string, path: string, body?: unknown) => {
      const answer = await request(server)[method.toLowerCase() as 'post'](API + path).set('Authorization', token).send(body as object);
      return { status: answer.status, body: answer.body };
    };
    const known = await seedFuzzTargets(call);
    const document = JSON.parse(readFileSync(join(process.cwd(), 'docs/openapi.json'), 'utf8')) as OpenApiDocument;
    const relogin = async () => {
      const login = await request(server).post(`${API}/auth/login`).send({ email: h.testApp.config.adminEmail, password: h.testApp.config.adminPassword });
      if (login.status === 200) token = `Bearer ${login.body.accessToken}`;
    };
    const summary = await fuzzOperations(
      new OpenApiFuzzer(document, known),
      {
        async send(fuzz: FuzzRequest) {
          let test = request(server)[fuzz.method.toLowerCase() as 'get'](fuzz.path);
          try {
            for (const [name, value] of Object.entries(fuzz.headers)) test = test.set(name, value);
          } catch {
            return { status: 400, text: 'header not sendable' };
          }
          if (fuzz.authenticated) test = test.set('Authorization', token);
          if (fuzz.body !== undefined) test = test.set('Content-Type', 'application/json').send(fuzz.body);
          const answer = await test.catch((error: Error) => ({ status: 0, text: error.message }));
          // A fuzzed logout, password change or deactivation may end the session: log in again.
          if (answer.status === 401 && fuzz.authenticated) await relogin();
          return { status: answer.status, text: answer.text ?? '' };
        },
        async eventCount() {
          const { rows } = await sql<{ n: string }>`${sql.raw(COUNTED_EVENTS_SQL)}`.execute(database.db);
          return Number(rows[0].n);
        },
      },
      { runs: RUNS, seed: SEED },
    );
    expect(summary.operations).toBeGreaterThan(80);
    if (summary.findings.length) throw new Error(`${summary.findings.length} findings of ${summary.requests} requests:\n${summary.findings.map(describeFinding).join('\n')}`);
  });
});
