/**
 * Benchmark 6: Socket.IO fan-out. The real app runs as its own process on PostgreSQL; this process
 * opens --clients Socket.IO connections to /activity (each authenticated with the admin's token and
 * subscribed to every customer, live), then sends a burst of --burst comments through the HTTP API
 * (--concurrency at a time). Delivery latency = from sending a command to one client receiving its
 * `activity` payload, over every (client, event) pair; the app's memory is read from /proc.
 * --batch: the clients subscribe with `batch: true` and take `activity:batch` arrays instead.
 * All clients live in this one process (the machine has few cores): its own event loop is part of
 * what is measured, so figures are an upper bound of the server's delivery time.
 *
 *   npm run bench:fanout -- --clients=2000 --burst=100 [--batch]
 */
import { io, type Socket } from 'socket.io-client';
import { Args, freshDatabase, now, printFigures, printHeader, runMain, Samples, sleep } from './support/common.js';
import { api, seedCustomers, startApp } from './support/app.js';

interface ActivityPayload {
  customerId: number;
  revision: number;
}

async function main(): Promise<void> {
  const args = new Args();
  const clientCount = args.int('clients', 2000);
  const burst = args.int('burst', 100);
  const concurrency = args.int('concurrency', 16);
  const connectConcurrency = args.int('connect-concurrency', 50);
  const dbName = args.string('db', 'chronicle_bench_fanout');
  const keep = args.flag('keep');
  const batch = args.flag('batch');
  await printHeader('Benchmark 6: Socket.IO fan-out (one app instance)', args.used);
  const fresh = await freshDatabase(dbName);
  const app = await startApp({ databaseUrl: fresh.url });
  const sockets: Socket[] = [];
  try {
    const token = await app.login();
    const customers = await seedCustomers(app.url, token, burst);
    await sleep(500);
    const idle = app.memory();
    console.log(`app on ${app.url} (pid ${app.pid}); ${customers.length} customers; app RSS before clients ${idle.rssMiB} MiB`);

    const sentAt = new Map<string, number>();
    const delivery = new Samples();
    let received = 0;
    let unmatched = 0;
    let packets = 0;
    const onActivity = (payload: ActivityPayload) => {
      const sent = sentAt.get(`${payload.customerId}:${payload.revision}`);
      if (sent === undefined) {
        unmatched++;
        return;
      }
      received++;
      delivery.add(now() - sent);
    };
    const onPacket = () => packets++;
    const connectStarted = now();
    const connectOne = async () => {
      const socket = io(`${app.url}/activity`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('connect timed out')), 30_000);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('connect_error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      socket.on('activity', onActivity);
      socket.on('activity', onPacket);
      socket.on('activity:batch', (payloads: ActivityPayload[]) => {
        onPacket();
        for (const payload of payloads) onActivity(payload);
      });
      const ack = await socket.timeout(30_000).emitWithAck('subscribe', batch ? { batch: true } : {});
      if (!ack?.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
    };
    for (let k = 0; k < clientCount; k += connectConcurrency) {
      await Promise.all(Array.from({ length: Math.min(connectConcurrency, clientCount - k) }, connectOne));
    }
    const connectSeconds = (now() - connectStarted) / 1000;
    await sleep(1000);
    const connected = app.memory();
    console.log(`${sockets.length} clients connected and subscribed in ${connectSeconds.toFixed(1)} s; app RSS ${connected.rssMiB} MiB (+${(connected.rssMiB - idle.rssMiB).toFixed(1)} MiB)`);

    // The burst: one comment per customer, `concurrency` requests in flight.
    const burstStarted = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, burst) }, async () => {
        while (next < burst) {
          const customer = customers[next++];
          const revision = ++customer.revision;
          sentAt.set(`${customer.id}:${revision}`, now());
          await api(app.url, token, 'POST', `/customers/${customer.id}/comments`, { text: 'Planned maintenance tonight 01:00–03:00.' });
        }
      }),
    );
    const sentSeconds = (now() - burstStarted) / 1000;
    const expected = burst * sockets.length;
    const deadline = now() + 120_000;
    let peakDuring = app.memory().peakRssMiB;
    while (received < expected && now() < deadline) {
      await sleep(50);
      peakDuring = Math.max(peakDuring, app.memory().rssMiB);
    }
    const allSeconds = (now() - burstStarted) / 1000;
    const after = app.memory();
    console.log(`burst of ${burst} commands sent in ${sentSeconds.toFixed(2)} s; ${received} of ${expected} deliveries in ${allSeconds.toFixed(2)} s (${unmatched} unmatched) in ${packets} packets (${batch ? 'activity:batch' : 'activity'})`);
    console.log(`delivery latency  ${delivery.summary()}`);
    console.log(`app RSS after the burst ${after.rssMiB} MiB; process peak (VmHWM) ${after.peakRssMiB} MiB`);
    console.log('');
    printFigures([
      ['clients', String(sockets.length)],
      ['deliveries', `${received} / ${expected}`],
      ['delivery p50 / p99', `${delivery.percentile(50).toFixed(1)} / ${delivery.percentile(99).toFixed(1)} ms`],
      ['deliveries per second', `${Math.round(received / allSeconds)}`],
      ['app RSS idle → connected → peak', `${idle.rssMiB} → ${connected.rssMiB} → ${after.peakRssMiB} MiB`],
      ['memory per connected client', `${(((connected.rssMiB - idle.rssMiB) * 1024) / Math.max(1, sockets.length)).toFixed(1)} KiB`],
    ]);
  } finally {
    for (const socket of sockets) socket.close();
    await app.stop();
    if (!keep) await fresh.drop();
  }
}

runMain(main, 20 * 60_000);
