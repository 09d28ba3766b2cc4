/**
 * Benchmark 2: command to screen. The real app runs as its own process on PostgreSQL; this
 * process logs in as the bootstrap admin, connects a Socket.IO client to /activity (subscribed to
 * every customer, live), and sends POST /customers/:id/comments at a steady --rate per second for
 * --seconds (open loop: a request leaves on schedule whether or not earlier ones answered).
 * Latency = from sending the HTTP request to receiving that event's `activity` payload on the
 * socket (matched by customer id + stream revision). The HTTP answer time is printed beside it.
 *
 *   npm run bench:command-to-screen -- --rate=200 --seconds=30 --customers=500
 *   npm run bench:command-to-screen -- --projection-worker   (projections in a second instance)
 */
import { io } from 'socket.io-client';
import { Args, freshDatabase, now, printFigures, printHeader, runMain, Samples, sleep } from './support/common.js';
import { api, seedCustomers, startApp } from './support/app.js';

interface ActivityPayload {
  customerId: number;
  revision: number;
  position: string;
}

async function main(): Promise<void> {
  const args = new Args();
  const rate = args.int('rate', 200);
  const seconds = args.int('seconds', 30);
  const customerCount = args.int('customers', 500);
  const warmupSeconds = args.int('warmup', 3);
  const dbName = args.string('db', 'chronicle_bench_screen');
  const keep = args.flag('keep');
  // --projection-worker: a second app instance on the same database is started first, so its
  // projection runners win the advisory locks; the measured instance then only serves requests and the
  // live tail (its own runners stand by). What "projections in their own process" would give.
  const projectionWorker = args.flag('projection-worker');
  await printHeader('Benchmark 2: command to screen (HTTP → event store → Socket.IO activity)', args.used);
  const fresh = await freshDatabase(dbName);
  const worker = projectionWorker ? await startApp({ databaseUrl: fresh.url }) : null;
  if (worker) await sleep(3000); // its runners take the projection locks
  const app = await startApp({ databaseUrl: fresh.url });
  try {
    const token = await app.login();
    const customers = await seedCustomers(app.url, token, customerCount);
    console.log(`app on ${app.url} (pid ${app.pid}); ${customers.length} customers created through the API`);

    const socket = io(`${app.url}/activity`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const ack = await socket.timeout(10_000).emitWithAck('subscribe', {});
    if (!ack?.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);

    const sentAt = new Map<string, { t0: number; counted: boolean }>();
    const early = new Map<string, number>();
    const screen = new Samples();
    const screenAll = new Samples();
    let measuring = false;
    socket.on('activity', (payload: ActivityPayload) => {
      const t = now();
      const key = `${payload.customerId}:${payload.revision}`;
      const sent = sentAt.get(key);
      if (sent === undefined) {
        early.set(key, t);
        return;
      }
      sentAt.delete(key);
      if (sent.counted) screen.add(t - sent.t0);
      screenAll.add(t - sent.t0);
    });

    const http = new Samples();
    let errors = 0;
    let firstError = '';
    const inFlight = new Set<Promise<void>>();
    const total = (warmupSeconds + seconds) * rate;
    const interval = 1000 / rate;
    const start = now();
    let lateStarts = 0;
    let cpuAtMeasure: number | null = null;
    let measureStartedAt = 0;
    for (let k = 0; k < total; k++) {
      const due = start + k * interval;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      else if (wait < -interval) lateStarts++;
      measuring = k >= warmupSeconds * rate;
      if (measuring && cpuAtMeasure === null) {
        cpuAtMeasure = app.cpuSeconds();
        measureStartedAt = now();
      }
      const customer = customers[k % customers.length];
      const revision = ++customer.revision;
      const key = `${customer.id}:${revision}`;
      const t0 = now();
      const counted = measuring;
      sentAt.set(key, { t0, counted });
      const request = api(app.url, token, 'POST', `/customers/${customer.id}/comments`, { text: `Bench comment ${k}: customer called about the invoice.` })
        .then((body: { revision: number }) => {
          if (counted) http.add(now() - t0);
          if (body.revision !== revision) throw new Error(`expected revision ${revision}, got ${body.revision}`);
          const arrived = early.get(key);
          if (arrived !== undefined) {
            early.delete(key);
            sentAt.delete(key);
            if (counted) screen.add(arrived - t0);
            screenAll.add(arrived - t0);
          }
        })
        .catch((error: Error) => {
          errors++;
          firstError ||= error.message;
        });
      const tracked: Promise<void> = request.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    const sendSeconds = (now() - start) / 1000;
    const cpuUsed = app.cpuSeconds() - (cpuAtMeasure ?? 0);
    const measuredSeconds = (now() - measureStartedAt) / 1000;
    await Promise.all(inFlight);
    // Let the last pushes arrive (bounded).
    const deadline = now() + 10_000;
    while (sentAt.size > 0 && now() < deadline) await sleep(20);
    const missing = sentAt.size;
    socket.close();

    const memory = app.memory();
    console.log(`sent ${total} commands in ${sendSeconds.toFixed(1)} s (${(total / sendSeconds).toFixed(1)}/s achieved; ${lateStarts} sends more than one interval late)`);
    console.log(`HTTP answer       ${http.summary()}`);
    console.log(`command → screen  ${screen.summary()}`);
    console.log(`errors: ${errors}${errors ? ` (first: ${firstError})` : ''}; activity payloads never received: ${missing}`);
    console.log(`app process memory: RSS ${memory.rssMiB} MiB, peak ${memory.peakRssMiB} MiB`);
    if (worker) console.log(`projection worker process CPU (whole run): ${worker.cpuSeconds().toFixed(1)} s`);
    const measuredCommands = total - warmupSeconds * rate;
    console.log(
      `app process CPU while measuring: ${cpuUsed.toFixed(1)} s in ${measuredSeconds.toFixed(1)} s = ${((100 * cpuUsed) / measuredSeconds).toFixed(0)} % of one core, ` +
        `${((1000 * cpuUsed) / measuredCommands).toFixed(2)} ms per command`,
    );
    console.log('');
    printFigures([
      ['command → screen p50', `${screen.percentile(50).toFixed(2)} ms`],
      ['command → screen p99', `${screen.percentile(99).toFixed(2)} ms`],
      ['HTTP answer p50 / p99', `${http.percentile(50).toFixed(2)} / ${http.percentile(99).toFixed(2)} ms`],
      ['rate achieved', `${(total / sendSeconds).toFixed(1)} commands/s`],
    ]);
    console.log('goal: p99 under 50 ms');
  } finally {
    await app.stop();
    await worker?.stop();
    if (!keep) await fresh.drop();
  }
}

runMain(main, 20 * 60_000);
