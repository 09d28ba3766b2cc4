import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { databaseBackends, postgresUrl } from '../support/test-databases.js';
import {
  appendEvents,
  eventLogProjection,
  eventually,
  expectedEventLog,
  openFixture,
  openSecondInstance,
  readEverything,
  tableContents,
  type Fixture,
} from './support.js';

const onPostgres = postgresUrl ? describe : describe.skip;

onPostgres('one runner per projection across app instances (PostgreSQL advisory lock)', () => {
  let fixture: Fixture;
  let second: Awaited<ReturnType<typeof openSecondInstance>>;
  beforeEach(async () => {
    fixture = await openFixture(databaseBackends.find((backend) => backend.name === 'PostgreSQL')!.open);
    second = await openSecondInstance(fixture.url!);
  });
  afterEach(async () => {
    await second.close();
    await fixture.close();
  });

  it('only the lock holder processes; the other follows its checkpoint and takes over when it stops', async () => {
    const processedBy: Record<string, number> = { a: 0, b: 0 };
    const counting = (instance: 'a' | 'b') =>
      eventLogProjection('event_log', {
        midBatch: async (_trx, events) => {
          processedBy[instance] += events.length;
        },
      });
    const options = { pollIntervalMs: 20, lockRetryMs: 50, batchSize: 50 };
    const a = new ProjectionRuntime({ database: fixture.database, store: fixture.store, projections: [counting('a')], ...options });
    const b = new ProjectionRuntime({ database: second.database, store: second.store, projections: [counting('b')], ...options });
    await a.start();
    await b.start();
    let aStopped = false;
    try {
      const first = await appendEvents(fixture.store, 400, { streams: 8 });
      // Both instances answer read-your-writes for the position, whichever of them processed it.
      expect(await a.waitForPosition(first, { timeoutMs: 15_000 })).toBe(true);
      expect(await b.waitForPosition(first, { timeoutMs: 15_000 })).toBe(true);

      const [statusA] = await a.status();
      const [statusB] = await b.status();
      expect([statusA.processingHere, statusB.processingHere].sort()).toEqual([false, true]);
      const holder = statusA.processingHere ? a : b;
      const standby = holder === a ? b : a;
      const holderName = holder === a ? 'a' : 'b';
      const standbyName = holder === a ? 'b' : 'a';
      expect(processedBy[holderName]).toBe(400);
      expect(processedBy[standbyName]).toBe(0);
      expect((holder === a ? statusB : statusA).state).toBe('standby');

      // The holder goes away (deploy, crash): the standby takes the lock and carries on.
      await holder.stop();
      if (holder === a) aStopped = true;
      const more = await appendEvents(fixture.store, 150, { streams: 3, prefix: 'later' });
      expect(await standby.waitForPosition(more, { timeoutMs: 15_000 })).toBe(true);
      expect(await eventually(async () => (await standby.status())[0].processingHere, 5_000)).toBe(true);
      expect(processedBy[standbyName]).toBe(150);
      expect(processedBy[holderName]).toBe(400);

      // Exactly once overall (the log would show any event twice).
      const tables = await standby.tables('event_log');
      const all = await readEverything(fixture.store);
      expect(await tableContents(fixture.database.db, tables.log, ['position'], ['revision'])).toEqual(expectedEventLog(all).log);
      expect(await tableContents(fixture.database.db, tables.counts, ['type'], ['n'])).toEqual(expectedEventLog(all).counts);
    } finally {
      if (!aStopped) await a.stop();
      await b.stop();
    }
  });

  it('a rebuild started elsewhere (the CLI) is followed by the app, which runs the new version once it is active', async () => {
    await appendEvents(fixture.store, 300);
    const projection = eventLogProjection('event_log');
    const app = new ProjectionRuntime({ database: fixture.database, store: fixture.store, projections: [projection], pollIntervalMs: 20, lockRetryMs: 50 });
    await app.start();
    try {
      expect(await app.waitForPosition((await fixture.store.headPosition())!, { timeoutMs: 10_000 })).toBe(true);
      const cli = new ProjectionRuntime({ database: second.database, store: second.store, projections: [projection] });
      const result = await cli.rebuildProjection('event_log', { batchSize: 40, total: 'none' });
      expect(result).toMatchObject({ fromVersion: 1, version: 2, eventsProcessed: 300 });
      expect(await eventually(async () => (await app.activeVersion('event_log')) === 2, 10_000)).toBe(true);
      const next = await appendEvents(fixture.store, 20, { offset: 4 });
      expect(await app.waitForPosition(next, { timeoutMs: 10_000 })).toBe(true);
      expect(await eventually(async () => (await app.status())[0].processingHere, 5_000)).toBe(true);
      const all = await readEverything(fixture.store);
      expect(await tableContents(fixture.database.db, 'event_log_log_v2', ['position'], ['revision'])).toEqual(expectedEventLog(all).log);
    } finally {
      await app.stop();
    }
  });
});
