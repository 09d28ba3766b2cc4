import type { Kysely } from 'kysely';
import type { ProjectionRuntime } from '../../projections-runtime/projection-runtime.js';
import { IDEMPOTENCY_WRITES_PROJECTION, readKeyedWrites, type KeyedWrite } from '../../../projections/idempotency-writes/idempotency-writes.queries.js';

/** An event a request under an `Idempotency-Key` wrote. */
export type CommittedWrite = KeyedWrite;

/**
 * Events are looked for from this long before the first attempt's claim: the event store's clock
 * (EventStoreDB's server) may run behind the read database's. A key binds for 24 h, so a margin this
 * small cannot mistake the events of an expired, earlier use of the key for those of this one.
 */
const CLOCK_MARGIN_MS = 60 * 60_000;
/** How long a retry waits for the index of keyed writes to reach the event store's head. */
const CATCH_UP_TIMEOUT_MS = 5_000;

/**
 * Answers whether a request under (admin, key) committed events: what a retry asks when it takes
 * over a claim its holder abandoned (the holder may have died after its commit, before recording
 * its answer). Read from the `idempotency_writes` projection once it has reached the event store's
 * head, so every event committed before the retry is in it, on every event store.
 */
export class CommittedWrites {
  constructor(
    private readonly runtime: ProjectionRuntime,
    private readonly db: Kysely<any>,
  ) {}

  /** The events written under the key since `since` (in position order), or 'unknown' when the index could not catch up. */
  async find(actorId: string, key: string, since: Date): Promise<CommittedWrite[] | 'unknown'> {
    const { head, reached } = await this.runtime.waitForHead({ projections: [IDEMPOTENCY_WRITES_PROJECTION], timeoutMs: CATCH_UP_TIMEOUT_MS });
    if (head === null) return [];
    if (!reached) return 'unknown';
    return readKeyedWrites(this.runtime, this.db, actorId, key, new Date(since.getTime() - CLOCK_MARGIN_MS));
  }
}
