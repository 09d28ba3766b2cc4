import type { EventStore, RecordedEvent } from '../event-store/event-store.port.js';

/**
 * `readAll` for the runners of one instance: calls for the same position and size made while one is
 * in flight share its answer, so runners released together by a Linger read the tail once, not once
 * each. A shared answer is as correct as an own one: it holds the events after `after` that were
 * visible when it was read, in global order, which is what the runner's next read would start with.
 * The arrays and events are shared: callers must not mutate them.
 */
export class SharedTailReads {
  private readonly inFlight = new Map<string, Promise<RecordedEvent[]>>();

  constructor(private readonly store: Pick<EventStore, 'readAll'>) {}

  /**
   * `withMetadata: false` (projections that do not read metadata) may share a read that has it; a
   * read without metadata is never handed to a runner that needs it.
   */
  readAll(after: string | null, maxCount: number, withMetadata = true): Promise<RecordedEvent[]> {
    const key = `${after ?? ''}\u0000${maxCount}`;
    const pending = this.inFlight.get(`${key}\u0000meta`) ?? (withMetadata ? undefined : this.inFlight.get(`${key}\u0000bare`));
    if (pending) return pending;
    const ownKey = `${key}\u0000${withMetadata ? 'meta' : 'bare'}`;
    const reading = this.store.readAll({ after: after ?? undefined, maxCount, withMetadata }).finally(() => this.inFlight.delete(ownKey));
    this.inFlight.set(ownKey, reading);
    return reading;
  }
}
