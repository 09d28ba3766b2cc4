/** The read side of chain_heads (chain-heads.projection.ts), for the anchors. */
import { sql, type Kysely } from 'kysely';
import type { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { chainHeadsProjection } from './chain-heads.projection.js';

export { ANCHOR_STREAM } from './chain-heads.projection.js';

export interface ChainHead {
  streamId: string;
  revision: number;
  headHash: string | null;
  /** Position of the stream's last event. */
  position: string;
}

/**
 * The heads that moved after `afterPosition` (all of them when null), through the position index.
 * One statement, so it sees whole projection batches: every event up to the greatest position it
 * answers has been applied.
 */
export async function readHeadsAfter(runtime: ProjectionRuntime, db: Kysely<any>, afterPosition: string | null): Promise<ChainHead[]> {
  return runtime.read(chainHeadsProjection, async ({ heads }) => {
    const { rows } = await sql<{ stream_id: string; revision: string | number; head_hash: string | null; position: string }>`
      select stream_id, revision, head_hash, position from ${sql.table(heads)}
      ${afterPosition === null ? sql`` : sql`where position > ${afterPosition}`}
      order by position`.execute(db);
    return rows.map((row) => ({ streamId: row.stream_id, revision: Number(row.revision), headHash: row.head_hash, position: row.position }));
  });
}
