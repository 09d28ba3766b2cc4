import { jest } from '@jest/globals';
import { defineProjection } from '../../src/projections-runtime/projection.js';
import { ProjectionNotReadyError, UnknownProjectionError } from '../../src/projections-runtime/projection.js';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { appendEvents, eventLogProjection, eventually, openFixture, projectionBackends, type Fixture } from './support.js';

describe.each(projectionBackends)('projection runtime on $name', ({ open, esdb }) => {
  // Headroom on a loaded machine (the EventStoreDB variants do every append and read over gRPC).
  jest.setTimeout(120_000);
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await openFixture(open, esdb);
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('keeps running the other projections when one cannot even create its tables, and reports it', async () => {
    const broken = defineProjection({
      ...eventLogProjection('broken'),
      async createTables() {
        throw new Error('bad migration');
      },
    });
    const runtime = new ProjectionRuntime({ ...fixture, projections: [broken, eventLogProjection('healthy')], pollIntervalMs: 20 });
    await runtime.start();
    try {
      const last = await appendEvents(fixture.store, 20);
      expect(await runtime.waitForPosition(last, { projections: ['healthy'], timeoutMs: 10_000 })).toBe(true);
      expect(await runtime.waitForPosition(last, { projections: ['broken', 'healthy'], timeoutMs: 200 })).toBe(false);
      const [brokenStatus, healthyStatus] = await runtime.status();
      expect(brokenStatus).toMatchObject({ name: 'broken', activeVersion: null, state: 'not-running', error: 'bad migration' });
      expect(healthyStatus).toMatchObject({ name: 'healthy', activeVersion: 1, caughtUp: true, position: last });
      expect(healthyStatus.error).toBeUndefined();
      await expect(runtime.tables('broken')).rejects.toBeInstanceOf(ProjectionNotReadyError);
      await expect(runtime.tables('nope')).rejects.toBeInstanceOf(UnknownProjectionError);
      expect(await runtime.lag('healthy')).toMatchObject({ version: 1, caughtUp: true, eventsBehind: 0 });
    } finally {
      await runtime.stop();
    }
  });

  it('reports a projection as failing while its batches throw, and recovers', async () => {
    let failing = true;
    const flaky = eventLogProjection('flaky', {
      midBatch: async () => {
        if (failing) throw new Error('downstream table locked');
      },
    });
    const runtime = new ProjectionRuntime({ ...fixture, projections: [flaky], pollIntervalMs: 20, minBackoffMs: 10, maxBackoffMs: 50 });
    await runtime.start();
    try {
      const last = await appendEvents(fixture.store, 10);
      expect(await eventually(async () => (await runtime.status())[0].error === 'downstream table locked', 10_000)).toBe(true);
      expect((await runtime.status())[0]).toMatchObject({ state: 'failing', caughtUp: false, eventsBehind: 10 });
      failing = false;
      expect(await runtime.waitForPosition(last, { timeoutMs: 10_000 })).toBe(true);
      expect(await eventually(async () => (await runtime.status())[0].error === undefined, 10_000)).toBe(true);
    } finally {
      await runtime.stop();
    }
  });

  it('rejects duplicate registrations and invalid names or versions', () => {
    expect(() => new ProjectionRuntime({ ...fixture, projections: [eventLogProjection('twice'), eventLogProjection('twice')] })).toThrow(
      'registered twice',
    );
    expect(() => defineProjection({ ...eventLogProjection('ok'), name: 'Bad-Name' })).toThrow('must match');
    expect(() => defineProjection({ ...eventLogProjection('ok'), version: 0 })).toThrow('positive integer');
  });
});
