import { sql } from 'kysely';
import pg from 'pg';
import request from 'supertest';
import { DATABASE } from '../../src/database/database.module.js';
import { openDatabase, type Database } from '../../src/database/database.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.js';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres.js';
import { waitFor } from '../support/processes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A PostgreSQL restart under a running app (its own cluster, restarted fast and immediate): while
 * the server is down, writes, reads and /health answer 503 with Retry-After and name the cause;
 * after it, the app LISTENs again (pg_stat_activity), a write made by a second instance reaches a
 * subscriber by NOTIFY (faster than any poll), and /health is back as soon as writes are.
 */
describe('PostgreSQL restart: re-LISTEN, 503 during the outage, recovery', () => {
  let own: OwnPostgres;
  let testApp: TestApp;
  let other: Database;
  let otherStore: PostgresEventStore;
  let observer: pg.Client | undefined;
  const arrivals = new Map<string, number>();
  let stopCollecting = false;

  beforeAll(async () => {
    own = await startOwnPostgres();
    testApp = await startTestApp({ databaseUrl: own.url });
    other = await openDatabase({ connectionString: own.url, poolSize: 2 });
    otherStore = new PostgresEventStore(other, { pollIntervalMs: 60_000 });
    void collect(testApp.app.get<EventStore>(EVENT_STORE));
  }, 120_000);

  afterAll(async () => {
    stopCollecting = true;
    await observer?.end().catch(() => undefined);
    await testApp?.close();
    await otherStore?.close();
    await other?.close();
    await own?.close();
  }, 60_000);

  /** A subscriber on the app's store that resubscribes from its last position when a read fails. */
  async function collect(store: EventStore): Promise<void> {
    let after: string | 'end' = 'end';
    while (!stopCollecting) {
      try {
        for await (const event of store.subscribeToAll({ after })) {
          arrivals.set(event.streamId, Date.now());
          after = (event as RecordedEvent).position;
          if (stopCollecting) return;
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Milliseconds from an append by the second instance until the app's subscriber has the event (median of 5). */
  async function deliveryMs(label: string): Promise<number> {
    const times: number[] = [];
    for (let index = 0; index < 5; index++) {
      const stream = `probe-${label}-${index}`;
      const started = Date.now();
      await otherStore.append(stream, [{ type: 'Probe', data: { index } }]);
      await waitFor(`${stream} at the subscriber`, () => arrivals.has(stream), 10_000);
      times.push(arrivals.get(stream)! - started);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    return times.sort((a, b) => a - b)[2];
  }

  async function listenSessions(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'LISTEN %'
    `.execute(other.db);
    return rows[0].n;
  }

  const server = () => request(testApp.app.getHttpServer());
  const metric = async (name: string) => Number((await server().get('/metrics')).text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);

  it.each(['fast', 'immediate'] as const)('restart %s', async (mode) => {
    await own.start().catch(() => undefined); // running already, unless a previous case failed midway
    const database = testApp.app.get<Database>(DATABASE);
    const reconnectsBefore = database.listenerHealth().reconnects;
    expect(await listenSessions()).toBeGreaterThanOrEqual(1);
    // The subscription polls every 500 ms: well under that is a NOTIFY.
    expect(await deliveryMs(`${mode}-before`)).toBeLessThan(250);

    await own.stop(mode);
    const partner = await server().post('/api/v1/partners').set('Authorization', `Bearer ${testApp.token}`).send({ name: `During ${mode}` });
    expect({ status: partner.status, rule: partner.body.rule }).toEqual({ status: 503, rule: 'server.unavailable' });
    expect(Number(partner.headers['retry-after'])).toBeGreaterThan(0);
    expect(partner.body.detail).toMatch(/^The database is unavailable \((connection refused \(ECONNREFUSED\)|the server is shutting down|connection terminated)/);
    const list = await server().get('/api/v1/customers').set('Authorization', `Bearer ${testApp.token}`);
    expect(list.status).toBe(503);
    const health = await server().get('/health');
    expect(health.status).toBe(503);
    expect(health.headers['retry-after']).toBeDefined();
    expect(health.body.detail).toMatch(/database: (connection refused \(ECONNREFUSED\)|connection terminated)/);
    expect(health.body.checks.database.status).toBe('down');
    await waitFor('the listener to report the lost connection', () => database.listenerHealth().state === 'reconnecting', 10_000);
    expect(await metric('chronicle_database_listener_up')).toBe(0);

    await own.start();
    const restartedAt = Date.now();
    const firstWriteMs = await waitFor(
      'a write to succeed',
      async () => (await server().post('/api/v1/partners').set('Authorization', `Bearer ${testApp.token}`).send({ name: `After ${mode} ${Date.now()}` })).status === 201 && Date.now() - restartedAt,
      20_000,
    );
    const healthyMs = await waitFor('/health 200', async () => (await server().get('/health')).status === 200 && Date.now() - restartedAt, 20_000);
    // /health follows writes closely (it lagged 2.7 s when failing runners slept out their back-off).
    expect(healthyMs - firstWriteMs).toBeLessThan(1500);
    await waitFor('LISTEN again', () => database.listenerHealth().state === 'listening' && database.listenerHealth().reconnects > reconnectsBefore, 10_000);
    expect(await listenSessions()).toBeGreaterThanOrEqual(1);
    expect(await metric('chronicle_database_listener_up')).toBe(1);
    expect(await metric('chronicle_database_listener_reconnects')).toBeGreaterThan(reconnectsBefore);
    expect(await deliveryMs(`${mode}-after`)).toBeLessThan(250);
  }, 120_000);
});
