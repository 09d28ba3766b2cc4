/**
 * A projection rebuilt from zero (npm run projections:rebuild → runtime.rebuildProjection) holds
 * exactly what the live, incremental run built: same rows, same values, for a varied history
 * (every customer command, reference data, edits over stored rows), fed incrementally in small
 * batches across several appends, and rebuilt in big batches.
 */
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import type { Projection } from '../../src/projections-runtime/projection.js';
import { customerActivityProjection } from '../../projections/customer-activity/customer-activity.projection.js';
import { customerListProjection } from '../../projections/customer-list/customer-list.projection.js';
import { customerProfileProjection } from '../../projections/customer-profile/customer-profile.projection.js';
import { customerStatsProjection } from '../../projections/customer-stats/customer-stats.projection.js';
import { customerTemporalProjection } from '../../projections/customer-temporal/customer-temporal.projection.js';
import { referenceDataProjection } from '../../projections/reference-data/reference-data.projection.js';
import { databaseBackends } from '../support/test-databases.js';
import { openFixture, tableExists, type Fixture } from '../projections-runtime/support.js';
import { variedHistory } from './history.js';
import { dumpTables } from './projection-harness.js';

const PROJECTIONS: Projection<any>[] = [customerListProjection, customerProfileProjection, customerActivityProjection, customerStatsProjection, customerTemporalProjection, referenceDataProjection];

describe.each(databaseBackends)('rebuild from zero equals the incremental build on $name', ({ open }) => {
  let fixture: Fixture;
  let runtime: ProjectionRuntime;

  beforeAll(async () => {
    fixture = await open().then((test) => openFixture(async () => test));
    // Small live batches, so the incremental build folds over stored rows again and again.
    runtime = new ProjectionRuntime({ database: fixture.database, store: fixture.store, projections: PROJECTIONS, batchSize: 4, pollIntervalMs: 20 });
    await runtime.start();
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    await fixture?.close();
  });

  it('gives the same tables, projection by projection', async () => {
    const history = variedHistory(20);
    const events = history.events;
    const chunk = Math.ceil(events.length / 4);
    for (let start = 0; start < events.length; start += chunk) {
      const position = await history.appendTo(fixture.store, events.slice(start, start + chunk));
      expect(await runtime.waitForPosition(position, { timeoutMs: 30_000 })).toBe(true);
    }

    for (const projection of PROJECTIONS) {
      const incrementalTables = await runtime.tables(projection);
      const incremental = visibleRows(await dumpTables(fixture.database.db, incrementalTables));
      expect(Object.values(incremental).some((rows) => rows.length > 0)).toBe(true);

      const result = await runtime.rebuildProjection(projection.name, { batchSize: 1000, total: 'none' });
      const active = projection.version;
      expect(result).toMatchObject({ fromVersion: active, version: active + 1, retiredVersions: [active] });
      expect(result.totalEventsProcessed).toBe(events.length);

      const rebuiltTables = await runtime.tables(projection);
      expect(rebuiltTables).not.toEqual(incrementalTables);
      const rebuilt = visibleRows(await dumpTables(fixture.database.db, rebuiltTables));
      expect({ projection: projection.name, tables: rebuilt }).toEqual({ projection: projection.name, tables: incremental });
      for (const table of Object.values(incrementalTables) as string[]) expect(await tableExists(fixture.database.db, table)).toBe(false);
    }
  }, 180_000);
});

/**
 * The rows readers see: customer_stats readers skip zero counts, and a by-stream rebuild
 * (Projection.applyStreams) never writes the counts of values a customer only passed through.
 */
function visibleRows(tables: Record<string, Record<string, unknown>[]>): Record<string, Record<string, unknown>[]> {
  return Object.fromEntries(Object.entries(tables).map(([name, rows]) => [name, rows.filter((row) => !('count' in row && Number(row.count) === 0))]));
}
