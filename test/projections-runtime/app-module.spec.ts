import request from 'supertest';
import { allProjections } from '../../projections/index.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('ProjectionsModule in the app', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('runs every registered projection, waits for positions, and reports lag on /health and /metrics', async () => {
    const runtime = testApp.app.get(ProjectionRuntime);
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    const { position } = await store.append('ops-check-1', [{ type: 'OpsChecked', data: {} }]);
    expect(await runtime.waitForPosition(position, { projections: ['stream_summary'], timeoutMs: 10_000 })).toBe(true);
    expect(await runtime.waitForPosition(position, { timeoutMs: 10_000 })).toBe(true); // every projection, handled or not
    expect(await runtime.read('stream_summary', async ({ summary }) => summary)).toBe('stream_summary_v1');

    const health = await request(testApp.app.getHttpServer()).get('/health').expect(200);
    const statuses = health.body.info.projections.projections as Array<Record<string, unknown>>;
    expect(statuses.map((status) => status.name).sort()).toEqual(allProjections.map((projection) => projection.name).sort());
    expect(statuses.find((status) => status.name === 'stream_summary')).toMatchObject({
      activeVersion: 1,
      caughtUp: true,
      eventsBehind: 0,
      processingHere: true,
    });

    const metrics = await request(testApp.app.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toContain('chronicle_projection_caught_up{projection="stream_summary"} 1');
    expect(metrics.text).toContain('chronicle_projection_active_version{projection="stream_summary"} 1');
  });
});
