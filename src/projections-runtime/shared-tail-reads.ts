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

  readAll(after: string | null, maxCount: number): Promise<RecordedEvent[]> {
    const key = `${after ?? ''}\u0000${maxCount}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const reading = this.store.readAll({ after: after ?? undefined, maxCount }).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, reading);
    return reading;
  }
}
