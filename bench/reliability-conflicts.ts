/**
 * Conflicts (RELIABILITY.md § 6): N admins (their own accounts, logged in) edit ONE customer at once
 * for a fixed time, each in a loop: read the customer, PATCH it with If-Match = the ETag read. Run
 * twice: re-reading the read model (plain GET), then the stream's head (GET ?consistent=true).
 * Afterwards every accepted change must be in the stream (one event at the revision its answer
 * named, with its value) and the read model must equal the stream head; every refused one must
 * have answered 412 (or 409 for a lost race), nothing else.
 *
 *   npm run reliability:conflicts [-- --admins=30 --seconds=30 --port=3860]
 *
 * A fresh database on the PostgreSQL server of BENCH_DATABASE_URL (default the local one). All
 * traffic to 127.0.0.1; every loop ends at its deadline.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { API, startApp } from './support/app.js';
import { Args, freshDatabase, printHeader } from './support/common.js';

const args = new Args();
const adminCount = args.int('admins', 30);
const seconds = args.int('seconds', 30);
const port = args.int('port', 3860);
const dbName = args.string('db', 'chronicle_reliability_conflicts');
const env = { ENCRYPTION_KEY: randomBytes(32).toString('hex'), JWT_SECRET: randomBytes(32).toString('hex'), BCRYPT_COST: '10' };
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 3000 });

interface Answer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

function call(base: string, token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${base}${API}${path}`,
      {
        method,
        agent,
        timeout: 30_000,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: response.headers });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out`)));
    request.on('error', reject);
    request.end(payload);
  });
}

interface Accepted {
  admin: number;
  value: string;
  revision: number;
  position: string;
}

async function run(base: string, rootToken: string, tokens: string[], customerId: number, mode: 'read-model' | 'consistent') {
  const readPath = mode === 'consistent' ? `/customers/${customerId}?consistent=true` : `/customers/${customerId}`;
  const accepted: Accepted[] = [];
  const refused = new Map<number, number>();
  const unexpected: string[] = [];
  const winsPerAdmin = new Array(tokens.length).fill(0);
  let reads = 0;
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    tokens.map(async (token, admin) => {
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        const read = await call(base, token, 'GET', readPath);
        reads++;
        if (read.status !== 200) {
          unexpected.push(`read ${read.status}`);
          continue;
        }
        const value = `admin ${admin} change ${attempt}`;
        const answer = await call(base, token, 'PATCH', `/customers/${customerId}`, { street: value }, { 'If-Match': String(read.headers.etag) });
        if (answer.status === 200) {
          accepted.push({ admin, value, revision: answer.body.revision, position: answer.body.position });
          winsPerAdmin[admin]++;
        } else if (answer.status === 412 || answer.status === 409) refused.set(answer.status, (refused.get(answer.status) ?? 0) + 1);
        else unexpected.push(`patch ${answer.status} ${answer.body?.rule ?? ''}`);
      }
    }),
  );

  // The stream: every accepted change is one CustomerAddressChanged at its revision, with its value.
  const events: Array<{ type: string; revision: number; data: { changes: Array<{ field: string; to: unknown }> } }> = [];
  for (let cursor: string | null = '0'; cursor !== null; ) {
    const page: Answer = await call(base, rootToken, 'GET', `/customers/${customerId}/events?cursor=${cursor}&limit=500`);
    if (page.status !== 200) throw new Error(`events answered ${page.status}`);
    events.push(...page.body.items);
    cursor = page.body.nextCursor;
  }
  const changes = new Map(
    events.filter((event) => event.type === 'CustomerAddressChanged').map((event) => [event.revision, event.data.changes.find((change) => change.field === 'street')?.to]),
  );
  const missing = accepted.filter((change) => changes.get(change.revision) !== change.value).length;
  const extra = changes.size - accepted.length;
  const last = accepted.reduce<Accepted | undefined>((a, b) => (a && a.revision > b.revision ? a : b), undefined);
  const head = await call(base, rootToken, 'GET', `/customers/${customerId}?consistent=true`);
  const projected = last ? await call(base, rootToken, 'GET', `/customers/${customerId}?minPosition=${encodeURIComponent(last.position)}`) : head;
  const readModelEqualsStream = JSON.stringify(projected.body) === JSON.stringify(head.body) && (!last || head.body.street === last.value);
  const winners = winsPerAdmin.filter((wins) => wins > 0).length;
  return {
    mode,
    reads,
    accepted: accepted.length,
    refused412: refused.get(412) ?? 0,
    refused409: refused.get(409) ?? 0,
    unexpected: unexpected.length,
    unexpectedSample: unexpected.slice(0, 5),
    acceptedMissingFromStream: missing,
    streamChangesNotAcknowledged: extra,
    readModelEqualsStreamHead: readModelEqualsStream,
    adminsWithAtLeastOneWin: `${winners} of ${tokens.length}`,
    winsPerAdmin: { min: Math.min(...winsPerAdmin), max: Math.max(...winsPerAdmin) },
  };
}

async function main(): Promise<void> {
  await printHeader('Reliability: conflicts (concurrent admins with If-Match)', args.used);
  const fresh = await freshDatabase(dbName);
  const app = await startApp({ databaseUrl: fresh.url, env, port });
  try {
    const root = await app.login();
    const partner = await call(app.url, root, 'POST', '/partners', { name: 'Conflict ISP' });
    const location = await call(app.url, root, 'POST', '/locations', { name: 'Conflict Town' });
    const password = 'conflict-admin-pass-1';
    const tokens: string[] = [];
    for (let index = 0; index < adminCount; index++) {
      const email = `editor${index}@conflicts.example`;
      const created = await call(app.url, root, 'POST', '/admins', { email, name: `Editor ${index}`, role: 'manager', password });
      if (created.status !== 201) throw new Error(`admin answered ${created.status}: ${JSON.stringify(created.body)}`);
      const login = await call(app.url, null, 'POST', '/auth/login', { email, password });
      if (login.status !== 200) throw new Error(`login answered ${login.status}`);
      tokens.push(login.body.accessToken);
    }
    const results = [];
    for (const mode of ['read-model', 'consistent'] as const) {
      let customer: Answer | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        customer = await call(app.url, root, 'POST', '/customers', { fullName: `Contested ${mode}`, partnerId: partner.body.id, locationId: location.body.id });
        if (customer.status === 201) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (customer?.status !== 201) throw new Error(`customer answered ${customer?.status}`);
      // Every admin starts once the read model has the customer (a plain read before would be a 404).
      const projected = await call(app.url, root, 'GET', `/customers/${customer.body.id}?minPosition=${encodeURIComponent(customer.body.position)}`);
      if (projected.status !== 200) throw new Error(`the new customer was not projected: ${projected.status}`);
      results.push(await run(app.url, root, tokens, customer.body.id, mode));
    }
    process.stdout.write(`${JSON.stringify({ command: `npm run reliability:conflicts -- --admins=${adminCount} --seconds=${seconds}`, results }, null, 2)}\n`);
    const ok = results.every((result) => result.unexpected === 0 && result.acceptedMissingFromStream === 0 && result.streamChangesNotAcknowledged === 0 && result.readModelEqualsStreamHead);
    process.stdout.write(ok ? 'RESULT: every accepted change is in the stream and the read model; every refused one answered 412/409\n' : 'RESULT: FAILED\n');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await app.stop().catch(() => undefined);
    await fresh.drop().catch(() => undefined);
  }
}

await main();
