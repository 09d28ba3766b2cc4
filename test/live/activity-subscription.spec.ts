import type { ReadAllOptions, RecordedEvent } from '../../src/event-store/event-store.port.js';
import { toActivityPayload, type ActivityPayload } from '../../src/live/activity-entry.js';
import { ActivitySubscription, type ActivitySink } from '../../src/live/activity-subscription.js';
import type { TailAttachment, TailListener } from '../../src/live/event-tail.js';

/** An in-memory store and a tail that lags behind it on demand. */
class World {
  readonly events: RecordedEvent[] = [];
  private readonly listeners = new Set<TailListener>();
  /** How many events the tail has handed out. */
  tailed = 0;
  beforeRead: (() => void) | null = null;
  failReads = false;

  add(streamId: string, count = 1): RecordedEvent[] {
    const added: RecordedEvent[] = [];
    for (let index = 0; index < count; index++) {
      const n = this.events.length + 1;
      const event: RecordedEvent = {
        id: `id-${n}`,
        type: 'CustomerCommentAdded',
        schemaVersion: 1,
        data: { text: `event ${n}` },
        metadata: {},
        streamId,
        revision: this.events.filter((other) => other.streamId === streamId).length,
        position: String(n).padStart(6, '0'),
        recordedAt: new Date(0),
      };
      this.events.push(event);
      added.push(event);
    }
    return added;
  }

  /** The tail hands out everything up to the store's head. */
  tailUp(): void {
    while (this.tailed < this.events.length) {
      const event = this.events[this.tailed++];
      for (const listener of this.listeners) listener(event);
    }
  }

  readonly store = {
    readAll: async (options: ReadAllOptions = {}): Promise<RecordedEvent[]> => {
      await Promise.resolve();
      this.beforeRead?.();
      if (this.failReads) throw new Error('database down');
      const prefixes = options.filter?.streamPrefixes;
      return this.events
        .filter((event) => options.after === undefined || event.position > options.after)
        .filter((event) => !prefixes || prefixes.some((prefix) => event.streamId.startsWith(prefix)))
        .slice(0, options.maxCount ?? Infinity);
    },
  };

  readonly tail = {
    attach: (listener: TailListener): TailAttachment => {
      this.listeners.add(listener);
      return { position: this.tailed === 0 ? null : this.events[this.tailed - 1].position, detach: () => this.listeners.delete(listener) };
    },
  };

  get attached(): number {
    return this.listeners.size;
  }
}

class FakeSink implements ActivitySink {
  readonly received: ActivityPayload[] = [];
  readonly caughtUps: (string | null)[] = [];
  readonly failures: { customerId: number | null; position: string | null; detail: string }[] = [];
  open = true;
  private canWrite = true;
  private waiters: (() => void)[] = [];

  setWritable(value: boolean): void {
    this.canWrite = value;
    if (value) for (const resolve of this.waiters.splice(0)) resolve();
  }
  writable(): boolean {
    return this.canWrite;
  }
  whenWritable(): Promise<void> {
    return this.canWrite ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
  isOpen(): boolean {
    return this.open;
  }
  activity(payload: ActivityPayload): void {
    this.received.push(payload);
  }
  caughtUp(notice: { position: string | null }): void {
    this.caughtUps.push(notice.position);
  }
  failed(notice: { customerId: number | null; position: string | null; detail: string }): void {
    this.failures.push(notice);
  }
}

const describe_ = (event: RecordedEvent) => ({ summary: String(event.data.text), changes: [], reason: null });

function subscription(
  world: World,
  sink: FakeSink,
  options: { customerId?: number | null; after?: string; maxQueue?: number; pageSize?: number; permits?: (event: RecordedEvent) => boolean; permitsLive?: (event: RecordedEvent) => boolean | undefined } = {},
) {
  return new ActivitySubscription({
    customerId: options.customerId ?? null,
    after: options.after,
    store: world.store,
    tail: world.tail,
    permits: options.permits ?? (() => true),
    permitsLive: options.permitsLive,
    toPayload: (event) => toActivityPayload(event, describe_),
    sink,
    maxQueue: options.maxQueue ?? 1000,
    pageSize: options.pageSize ?? 3,
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let round = 0; round < 2000; round++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

const positions = (items: readonly { position: string }[]) => items.map((item) => item.position);

describe('ActivitySubscription', () => {
  it('replays after `after`, then hands over to the tail by position: no gap, no duplicate', async () => {
    const world = new World();
    world.add('customer-1', 10);
    world.tailed = 5; // the tail lags: 6..10 are in the store but not handed out yet
    const sink = new FakeSink();
    const sub = subscription(world, sink, { after: world.events[1].position });
    // While the replay reads, the tail catches up and new events arrive.
    let reads = 0;
    world.beforeRead = () => {
      reads++;
      if (reads === 2) {
        world.add('customer-1', 2);
        world.tailUp();
      }
    };
    sub.start();
    await until(() => sink.caughtUps.length === 1, 'caught up');
    world.add('customer-2', 3);
    world.tailUp();
    await until(() => sink.received.length === 13, '13 events');
    expect(positions(sink.received)).toEqual(positions(world.events.slice(2)));
    await sub.close();
    expect(world.attached).toBe(0);
  });

  it('without `after` sends only what the tail hands out from now on', async () => {
    const world = new World();
    world.add('customer-1', 4);
    world.tailUp();
    const sink = new FakeSink();
    const sub = subscription(world, sink);
    sub.start();
    expect(sink.caughtUps).toEqual([world.events[3].position]);
    const fresh = world.add('customer-1', 2);
    world.tailUp();
    await until(() => sink.received.length === 2, 'two live events');
    expect(positions(sink.received)).toEqual(positions(fresh));
    await sub.close();
  });

  it('follows one customer exactly (customer-5 is a prefix of customer-50)', async () => {
    const world = new World();
    world.add('customer-5');
    world.add('customer-50', 4);
    world.add('customer-5');
    world.add('customer-500');
    world.tailUp();
    const sink = new FakeSink();
    const sub = subscription(world, sink, { customerId: 5, after: '000000' });
    sub.start();
    await until(() => sink.caughtUps.length === 1, 'caught up');
    world.add('customer-50');
    const last = world.add('customer-5');
    world.tailUp();
    await until(() => sink.received.length === 3, 'three events');
    expect(sink.received.map((item) => item.customerId)).toEqual([5, 5, 5]);
    expect(sink.received[2].position).toBe(last[0].position);
    await sub.close();
  });

  it('skips events the subscriber may not see, and moves past them', async () => {
    const world = new World();
    world.add('customer-1', 3);
    world.add('customer-2', 3);
    world.tailUp();
    const sink = new FakeSink();
    const sub = subscription(world, sink, { after: '000000', permits: (event) => event.streamId === 'customer-2' });
    sub.start();
    await until(() => sink.caughtUps.length === 1, 'caught up');
    expect(sink.received.map((item) => item.customerId)).toEqual([2, 2, 2]);
    expect(sub.position).toBe(world.events[5].position);
    await sub.close();
  });

  it('an idle subscription sends a live event within the tail call when permitsLive knows the answer; an unknown answer queues it, and later events wait behind it', async () => {
    const world = new World();
    world.add('customer-1');
    world.tailUp();
    const sink = new FakeSink();
    // customer-3's partner is "not cached": permitsLive cannot answer, permits (async) can.
    const sub = subscription(world, sink, {
      permits: (event) => event.streamId !== 'customer-2',
      permitsLive: (event) => (event.streamId === 'customer-3' ? undefined : event.streamId !== 'customer-2'),
    });
    sub.start();
    await until(() => sub.position === world.events[0].position && sink.caughtUps.length === 1, 'live');
    await new Promise((resolve) => setImmediate(resolve)); // the run loop now waits for the next live event
    const [first] = world.add('customer-1');
    world.add('customer-2');
    world.tailUp();
    // Sent (and the hidden one skipped) synchronously, inside the tail's hand-out.
    expect(positions(sink.received)).toEqual([first.position]);
    expect(sub.position).toBe(world.events[2].position);

    const [unknown] = world.add('customer-3');
    const [behind] = world.add('customer-1');
    world.tailUp();
    expect(positions(sink.received)).toEqual([first.position]);
    expect(sub.queued).toBe(2);
    await until(() => sink.received.length === 3, 'the queued events');
    expect(positions(sink.received)).toEqual([first.position, unknown.position, behind.position]);

    // A busy client: the live event waits in the queue.
    await new Promise((resolve) => setImmediate(resolve));
    sink.setWritable(false);
    const [later] = world.add('customer-1');
    world.tailUp();
    expect(sub.queued).toBe(1);
    sink.setWritable(true);
    await until(() => sink.received.length === 4, 'the event after the pause');
    expect(sink.received[3].position).toBe(later.position);
    await sub.close();
  });

  it('a slow client: the live queue stays bounded, overflows into a store replay, and nothing is lost or doubled', async () => {
    const world = new World();
    world.add('customer-1');
    world.tailUp();
    const sink = new FakeSink();
    const sub = subscription(world, sink, { maxQueue: 10, pageSize: 4 });
    sub.start();
    world.add('customer-1', 2);
    world.tailUp();
    await until(() => sink.received.length === 2, 'two live events');
    sink.setWritable(false);
    for (let burst = 0; burst < 10; burst++) {
      world.add('customer-1', 7);
      world.tailUp();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sub.overflows).toBeGreaterThan(0);
    expect(sub.peakQueue).toBeLessThanOrEqual(11);
    expect(sub.queued).toBeLessThanOrEqual(10);
    expect(sink.received.length).toBeLessThan(5);
    sink.setWritable(true);
    await until(() => sink.received.length === 72, 'all 72 events');
    world.add('customer-1');
    world.tailUp();
    await until(() => sink.received.length === 73, 'one more live event');
    expect(positions(sink.received)).toEqual(positions(world.events.slice(1)));
    await sub.close();
  });

  it('ends with a resumable notice when the store fails', async () => {
    const world = new World();
    world.add('customer-1', 5);
    world.tailUp();
    const sink = new FakeSink();
    let reads = 0;
    world.beforeRead = () => {
      if (++reads === 2) world.failReads = true;
    };
    const sub = subscription(world, sink, { after: '000000', pageSize: 2 });
    sub.start();
    await until(() => sink.failures.length === 1, 'a failure notice');
    expect(sink.failures[0]).toEqual({ customerId: null, position: world.events[1].position, detail: 'database down' });
    expect(positions(sink.received)).toEqual(positions(world.events.slice(0, 2)));
    expect(sub.isClosed).toBe(true);
    expect(world.attached).toBe(0);
  });

  it('close() ends a subscription that waits for a busy client', async () => {
    const world = new World();
    world.tailUp();
    const sink = new FakeSink();
    const sub = subscription(world, sink);
    sub.start();
    sink.setWritable(false);
    world.add('customer-1', 3);
    world.tailUp();
    await new Promise((resolve) => setImmediate(resolve));
    await sub.close();
    expect(world.attached).toBe(0);
    expect(sink.received).toEqual([]);
  });
});
