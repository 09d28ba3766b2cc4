import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { streamSummaryProjection } from '../../projections/stream-summary/stream-summary.projection.js';
import { CheckpointStore } from '../../src/projections-runtime/checkpoint-store.js';
import type { Projection } from '../../src/projections-runtime/projection.js';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { databaseBackends, postgresUrl } from '../support/test-databases.js';
import {
  appendEvents,
  eventLogProjection,
  eventually,
  expectedEventLog,
  openFixture,
  readEverything,
  tableContents,
  type Fixture,
} from './support.js';

const checkpoints = new CheckpointStore();

/** Snapshot of every table of a projection's active version (full contents, deterministic order). */
async function snapshot(db: Kysely<any>, runtime: ProjectionRuntime, name: string) {
  const tables = await runtime.tables(name);
  const result: Record<string, unknown[]> = {};
  for (const [logical, table] of Object.entries(tables)) {
    const order = logical === 'summary' ? ['stream_id'] : logical === 'counts' ? ['type'] : ['position'];
    result[logical] = await tableContents(db, table, order, ['event_count', 'last_revision', 'revision', 'n']);
  }
  return result;
}

/** Restart after the crash, catch up, then prove the tables equal a rebuild from zero (a new version). */
async function restartAndCompareWithRebuild(fixture: Fixture, projection: Projection<any>) {
  const restarted = new ProjectionRuntime({ ...fixture, projections: [projection], pollIntervalMs: 20 });
  await restarted.start();
  try {
    const head = (await fixture.store.headPosition())!;
    expect(await restarted.waitForPosition(head, { timeoutMs: 20_000 })).toBe(true);
    const afterRestart = await snapshot(fixture.database.db, restarted, projection.name);
    const restartedVersion = await restarted.activeVersion(projection.name);

    const rebuild = await restarted.rebuildProjection(projection.name, { batchSize: 333, total: 'none' });
    expect(rebuild).toMatchObject({ fromVersion: restartedVersion, version: restartedVersion! + 1, eventsProcessed: (await readEverything(fixture.store)).length });
    expect(await restarted.activeVersion(projection.name)).toBe(restartedVersion! + 1);
    const rebuilt = await snapshot(fixture.database.db, restarted, projection.name);
    expect(afterRestart).toEqual(rebuilt);
    return afterRestart;
  } finally {
    await restarted.stop();
  }
}

describe.each(databaseBackends)('a projection crashing in the middle of a batch, on $name', ({ open }) => {
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await openFixture(open);
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('event log (not idempotent): after restart its tables equal a rebuild from zero — nothing skipped, nothing doubled', async () => {
    await appendEvents(fixture.store, 2_500, { streams: 20 });
    let crashed = 0;
    const crashing = eventLogProjection('event_log', {
      midBatch: async (_trx, _events, batch) => {
        if (batch >= 3) {
          crashed++;
          throw new Error('killed in the middle of batch 3');
        }
      },
    });
    const first = new ProjectionRuntime({ ...fixture, projections: [crashing], batchSize: 500, minBackoffMs: 5, maxBackoffMs: 10 });
    await first.start();
    expect(await eventually(() => crashed >= 1, 20_000)).toBe(true);
    await first.stop(); // the process is gone

    // What survived: exactly the two committed batches, and the checkpoint right after them.
    const events = await readEverything(fixture.store);
    const row = (await checkpoints.active(fixture.database.db, 'event_log'))!;
    expect(row.position).toBe(events[999].position);
    expect(row.eventsProcessed).toBe(1000);
    expect(await tableContents(fixture.database.db, row.tables.log, ['position'], ['revision'])).toEqual(expectedEventLog(events.slice(0, 1000)).log);

    // Life goes on while it is down.
    await appendEvents(fixture.store, 300, { streams: 7, prefix: 'later' });

    const restarted = await restartAndCompareWithRebuild(fixture, eventLogProjection('event_log'));
    const all = await readEverything(fixture.store);
    expect(restarted).toEqual(expectedEventLog(all));
  });

  it('stream_summary: killed after writing its rows but before commit, restarted, equals a rebuild from zero', async () => {
    await appendEvents(fixture.store, 1_800, { streams: 33, perAppend: 3 });
    let batches = 0;
    const crashing: typeof streamSummaryProjection = {
      ...streamSummaryProjection,
      async apply(trx, events, tables) {
        await streamSummaryProjection.apply(trx, events, tables);
        if (++batches >= 2) throw new Error('killed after the upsert, before commit');
      },
    };
    const first = new ProjectionRuntime({ ...fixture, projections: [crashing], batchSize: 400, minBackoffMs: 5, maxBackoffMs: 10 });
    await first.start();
    expect(await eventually(() => batches >= 3, 20_000)).toBe(true);
    await first.stop();
    const row = (await checkpoints.active(fixture.database.db, 'stream_summary'))!;
    expect(row.eventsProcessed).toBe(400);

    await appendEvents(fixture.store, 200, { streams: 40, offset: 5 });
    const restarted = await restartAndCompareWithRebuild(fixture, streamSummaryProjection);

    // And the summary is right, not merely consistent with itself.
    const all = await readEverything(fixture.store);
    const perStream = new Map<string, { count: number; last: (typeof all)[number] }>();
    for (const event of all) perStream.set(event.streamId, { count: (perStream.get(event.streamId)?.count ?? 0) + 1, last: event });
    expect(restarted.summary).toHaveLength(perStream.size);
    for (const summary of restarted.summary as Array<Record<string, unknown>>) {
      const expected = perStream.get(summary.stream_id as string)!;
      expect(summary).toMatchObject({
        event_count: expected.count,
        last_revision: expected.last.revision,
        last_event_type: expected.last.type,
        last_position: expected.last.position,
        category: (summary.stream_id as string).split('-')[0],
      });
    }
  });
});

const onPostgres = postgresUrl ? describe : describe.skip;

onPostgres('a projection process killed with SIGKILL in the middle of a batch transaction (PostgreSQL)', () => {
  let fixture: Fixture;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    fixture = await openFixture(databaseBackends.find((backend) => backend.name === 'PostgreSQL')!.open);
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await fixture.close();
  });

  it('rolls the open batch back; after restart the tables equal a rebuild from zero', async () => {
    await appendEvents(fixture.store, 1_000, { streams: 12 });
    const root = process.cwd();
    child = spawn(process.execPath, ['--import', join(root, 'test/support/ts-run/register.mjs'), join(root, 'test/projections-runtime/crash-child/child.ts')], {
      env: { ...process.env, NODE_OPTIONS: '', CRASH_DATABASE_URL: fixture.url, CRASH_AT_BATCH: '4', CRASH_BATCH_SIZE: '100' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child!.on('exit', (code, signal) => resolve(signal ?? code)));
    expect(await eventually(() => stdout.includes('MID-BATCH') || child!.exitCode !== null, 30_000)).toBe(true);
    if (!stdout.includes('MID-BATCH')) throw new Error(`child failed: ${stderr}`);
    const pid = Number(/MID-BATCH (\d+)/.exec(stdout)![1]);

    // The child's batch transaction is open, holding half a batch of uncommitted rows.
    const { rows: sessions } = await sql<{ state: string }>`select state from pg_stat_activity where pid = ${pid}`.execute(fixture.database.db);
    expect(sessions[0]?.state).toBe('idle in transaction');

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    child = undefined;
    // The server notices the dead client and rolls its transaction back.
    expect(
      await eventually(async () => {
        const { rows } = await sql`select 1 from pg_stat_activity where pid = ${pid}`.execute(fixture.database.db);
        return rows.length === 0;
      }, 10_000),
    ).toBe(true);

    const events = await readEverything(fixture.store);
    const row = (await checkpoints.active(fixture.database.db, 'event_log'))!;
    expect(row).toMatchObject({ position: events[299].position, eventsProcessed: 300 });
    expect(await tableContents(fixture.database.db, row.tables.log, ['position'], ['revision'])).toEqual(expectedEventLog(events.slice(0, 300)).log);

    await appendEvents(fixture.store, 150, { streams: 5, prefix: 'later' });
    const restarted = await restartAndCompareWithRebuild(fixture, eventLogProjection('event_log'));
    expect(restarted).toEqual(expectedEventLog(await readEverything(fixture.store)));
  });
});
