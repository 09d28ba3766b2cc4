/**
 * Run by crash.spec.ts as a separate process: runs the event-log projection on the database named
 * by CRASH_DATABASE_URL; in batch CRASH_AT_BATCH it writes half the batch's rows, prints
 * MID-BATCH and hangs inside the open transaction, waiting to be killed with SIGKILL.
 */
import { openDatabase } from '../../../src/database/database.js';
import { PostgresEventStore } from '../../../src/event-store/postgres/postgres-event-store.js';
import { ProjectionRuntime } from '../../../src/projections-runtime/projection-runtime.js';
import { eventLogProjection } from '../support.js';

const url = process.env.CRASH_DATABASE_URL!;
const crashAt = Number(process.env.CRASH_AT_BATCH ?? 3);
const database = await openDatabase({ connectionString: url, poolSize: 4 });
const store = new PostgresEventStore(database);
const projection = eventLogProjection('event_log', {
  async midBatch(trx, events, batch) {
    if (batch !== crashAt) return;
    const { rows } = await (await import('kysely')).sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
    process.stdout.write(`MID-BATCH ${rows[0].pid} ${events.length}\n`);
    await new Promise(() => undefined); // hang until killed
  },
});
const runtime = new ProjectionRuntime({ database, store, projections: [projection], batchSize: Number(process.env.CRASH_BATCH_SIZE ?? 100) });
await runtime.start();
process.stdout.write('STARTED\n');
