import { sql } from 'kysely';
import { CheckpointConflictError, CheckpointStore, PROJECTION_CHANNEL, type CheckpointNotice } from '../../src/projections-runtime/checkpoint-store.js';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { databaseBackends } from '../support/test-databases.js';
import { eventLogProjection, eventually, openFixture, type Fixture } from './support.js';

describe.each(databaseBackends)('checkpoint advance and notice in one statement, on $name', ({ name: backend, open }) => {
  let fixture: Fixture;
  const checkpoints = new CheckpointStore();
  beforeEach(async () => {
    fixture = await openFixture(open);
    const runtime = new ProjectionRuntime({ ...fixture, projections: [eventLogProjection()] });
    await runtime.start();
    await runtime.stop();
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('moves the checkpoint, announces it at commit, and (PostgreSQL) makes that commit asynchronous', async () => {
    const notices: CheckpointNotice[] = [];
    const unlisten = await fixture.database.listen(PROJECTION_CHANNEL, (payload) => notices.push(JSON.parse(payload)));
    try {
      const asynchronousCommit = backend === 'PostgreSQL';
      const setting = await fixture.database.db.transaction().execute(async (trx) => {
        await checkpoints.advanceAndNotify(trx, { name: 'event_log', version: 1, expected: null, next: 'p1', events: 3 }, { asynchronousCommit });
        if (!asynchronousCommit) return null;
        const { rows } = await sql<{ value: string }>`select current_setting('synchronous_commit') as value`.execute(trx);
        return rows[0].value;
      });
      if (asynchronousCommit) expect(setting).toBe('off');
      expect(await checkpoints.get(fixture.database.db, 'event_log', 1)).toMatchObject({ position: 'p1', eventsProcessed: 3 });
      expect(await eventually(() => notices.some((notice) => notice.kind === 'checkpoint' && notice.position === 'p1'))).toBe(true);
      expect(notices.filter((notice) => notice.kind === 'checkpoint')).toEqual([{ name: 'event_log', version: 1, kind: 'checkpoint', position: 'p1' }]);
      if (asynchronousCommit) {
        // Only that transaction: the session is back to the server's setting.
        const { rows } = await sql<{ value: string }>`select current_setting('synchronous_commit') as value`.execute(fixture.database.db);
        expect(rows[0].value).toBe('on');
      }
    } finally {
      await unlisten();
    }
  });

  it('refuses a move from a position the checkpoint is not at: nothing changes and no notice is sent', async () => {
    const notices: CheckpointNotice[] = [];
    const unlisten = await fixture.database.listen(PROJECTION_CHANNEL, (payload) => notices.push(JSON.parse(payload)));
    try {
      const refused = await fixture.database.db
        .transaction()
        .execute((trx) => checkpoints.advanceAndNotify(trx, { name: 'event_log', version: 1, expected: 'p0', next: 'p9', events: 1 }))
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CheckpointConflictError);
      // A later, valid move is announced; the refused one never is.
      await fixture.database.db.transaction().execute((trx) => checkpoints.advanceAndNotify(trx, { name: 'event_log', version: 1, expected: null, next: 'p2', events: 1 }));
      expect(await eventually(() => notices.some((notice) => notice.position === 'p2'))).toBe(true);
      expect(notices.map((notice) => notice.position)).toEqual(['p2']);
      expect(await checkpoints.get(fixture.database.db, 'event_log', 1)).toMatchObject({ position: 'p2', eventsProcessed: 1 });
    } finally {
      await unlisten();
    }
  });
});
