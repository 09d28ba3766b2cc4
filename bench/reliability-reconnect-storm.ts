/**
 * Reconnect storm (RELIABILITY.md § 8): N Socket.IO clients follow every customer's activity on app
 * A; A is restarted (SIGTERM, then started again on the same port) while a second instance B keeps
 * writing; every client reconnects by itself and resubscribes from the last position it saw. Each
 * must then hold exactly the events written since it subscribed: none missing, none twice, in order.
 *
 *   npm run reliability:reconnect-storm [-- --clients=500 --during=60]
 *
 * Uses a fresh database on the PostgreSQL server of BENCH_DATABASE_URL (default the local one; it
 * is not restarted). All traffic to 127.0.0.1; every wait is bounded.
 */
import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { api, startApp, type RunningApp } from './support/app.js';
import { Args, freshDatabase } from './support/common.js';

const args = new Args();
const clientCount = args.int('clients', 500);
const duringRestart = args.int('during', 60);
const portA = args.int('port', 3880);
const env = { ENCRYPTION_KEY: randomBytes(32).toString('hex'), JWT_SECRET: randomBytes(32).toString('hex') };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Client {
  socket: Socket;
  positions: string[];
  last: string;
  connects: number;
  resumedAt?: number;
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const fresh = await freshDatabase('chronicle_reliability_storm');
  let a: RunningApp | undefined;
  let b: RunningApp | undefined;
  const clients: Client[] = [];
  try {
    a = await startApp({ databaseUrl: fresh.url, env, port: portA });
    b = await startApp({ databaseUrl: fresh.url, env, port: portA + 1 });
    const port = Number(new URL(a.url).port);
    const tokenA = await a.login();
    const tokenB = await b.login();
    const partner = await api(a.url, tokenA, 'POST', '/partners', { name: 'Storm ISP' });
    const location = await api(a.url, tokenA, 'POST', '/locations', { name: 'Storm Town' });
    await sleep(500);
    const customers: number[] = [];
    let start = '';
    for (let index = 0; index < 10; index++) {
      const created = await api(a.url, tokenA, 'POST', '/customers', { fullName: `Storm ${index}`, partnerId: partner.id, locationId: location.id });
      customers.push(created.id);
      start = created.position;
    }
    const written: string[] = [];
    const comment = async (url: string, token: string, index: number) => {
      const answer = await api(url, token, 'POST', `/customers/${customers[index % customers.length]}/comments`, { text: `storm ${index}` });
      written.push(answer.position);
    };

    // Connect the clients (in waves of 50), each subscribing from `start`, resubscribing from its last position on every reconnect.
    for (let index = 0; index < clientCount; index++) {
      const client: Client = {
        socket: io(`${a.url}/activity`, {
          auth: { token: tokenA },
          transports: ['websocket'],
          forceNew: true,
          reconnectionDelay: 250,
          reconnectionDelayMax: 2000,
          randomizationFactor: 0.5,
        }),
        positions: [],
        last: start,
        connects: 0,
      };
      client.socket.on('activity', (payload: { position: string }) => {
        client.positions.push(payload.position);
        client.last = payload.position;
      });
      client.socket.on('connect', () => {
        client.connects++;
        void client.socket
          .timeout(30_000)
          .emitWithAck('subscribe', { after: client.last })
          .then((ack: { ok: boolean }) => {
            if (ack.ok && client.connects > 1) client.resumedAt ??= Date.now();
          })
          .catch(() => undefined);
      });
      clients.push(client);
      if (index % 50 === 49) await until('a wave of clients connected', () => clients.every((c) => c.connects > 0), 60_000);
    }
    await until('every client connected', () => clients.every((c) => c.connects > 0), 60_000);

    for (let index = 0; index < 20; index++) await comment(a.url, tokenA, index);
    await until('the first 20 events at every client', () => clients.every((c) => c.positions.length >= 20), 60_000);

    // Restart A while B writes.
    const stoppedAt = Date.now();
    await a.stop();
    for (let index = 0; index < duringRestart; index++) await comment(b.url, tokenB, 1000 + index);
    a = await startApp({ databaseUrl: fresh.url, env, port });
    const backAt = Date.now();
    await until('every client reconnected and resubscribed', () => clients.every((c) => c.resumedAt !== undefined), 120_000);
    for (let index = 0; index < 20; index++) await comment(a.url, tokenA, 2000 + index);
    const expected = [...written].sort();
    await until('every client holds every event', () => clients.every((c) => c.positions.length >= expected.length), 120_000);
    await sleep(1000); // anything extra (a duplicate) would arrive now

    let exact = 0;
    let missing = 0;
    let doubled = 0;
    let outOfOrder = 0;
    for (const client of clients) {
      const seen = new Set(client.positions);
      missing += expected.filter((position) => !seen.has(position)).length;
      doubled += client.positions.length - seen.size;
      outOfOrder += client.positions.some((position, index) => index > 0 && position <= client.positions[index - 1]) ? 1 : 0;
      if (JSON.stringify(client.positions) === JSON.stringify(expected)) exact++;
    }
    const resume = clients.map((client) => client.resumedAt! - backAt).sort((x, y) => x - y);
    const report = {
      command: `npm run reliability:reconnect-storm -- --clients=${clientCount} --during=${duringRestart}`,
      clients: clientCount,
      eventsPerClient: expected.length,
      writtenWhileDown: duringRestart,
      appDownMs: backAt - stoppedAt,
      clientsWithExactlyTheEvents: exact,
      missing,
      doubled,
      clientsOutOfOrder: outOfOrder,
      resubscribedAfterAppBackMs: { p50: resume[Math.floor(resume.length / 2)], p99: resume[Math.floor(resume.length * 0.99)], max: resume[resume.length - 1] },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const ok = exact === clientCount;
    process.stdout.write(ok ? 'RESULT: every client resumed with exactly the events it missed\n' : 'RESULT: FAILED\n');
    process.exitCode = ok ? 0 : 1;
  } finally {
    for (const client of clients) client.socket.close();
    await a?.stop().catch(() => undefined);
    await b?.stop().catch(() => undefined);
    await fresh.drop().catch(() => undefined);
  }
}

await main();
