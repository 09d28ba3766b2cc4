/** The read side of idempotency_writes (idempotency-writes.projection.ts), for src/idempotency. */
import type { Kysely } from 'kysely';
import type { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { idempotencyWritesProjection } from './idempotency-writes.projection.js';

export const IDEMPOTENCY_WRITES_PROJECTION = idempotencyWritesProjection.name;

/** An event a request under an `Idempotency-Key` wrote. */
export interface KeyedWrite {
  streamId: string;
  revision: number;
  type: string;
  position: string;
}

/** The events written under (admin, key) recorded at or after `from`, in position order (at most `limit`). */
export async function readKeyedWrites(runtime: ProjectionRuntime, db: Kysely<any>, actorId: string, key: string, from: Date, limit = 100): Promise<KeyedWrite[]> {
  const rows = await runtime.read(idempotencyWritesProjection, ({ writes }) =>
    db
      .selectFrom(writes)
      .select(['stream_id', 'revision', 'type', 'position'])
      .where('actor_id', '=', actorId)
      .where('key', '=', key)
      .where('recorded_at', '>=', from)
      .orderBy('position')
      .limit(limit)
      .execute(),
  );
  return rows.map((row: { stream_id: string; revision: number | string; type: string; position: string }) => ({
    streamId: row.stream_id,
    revision: Number(row.revision),
    type: row.type,
    position: row.position,
  }));
}
