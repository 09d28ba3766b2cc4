import type { EventStore, RecordedEvent } from '../event-store/event-store.port.js';
import { customerIdOfStream, type ActivityPayload } from './activity-entry.js';
import type { TailAttachment, TailListener } from './event-tail.js';

/** Where a subscription's output goes (a Socket.IO socket in the gateway). */
export interface ActivitySink {
  /** Whether the client can take more now without the socket's buffer growing past its bound. */
  writable(): boolean;
  /** Resolves when `writable()` may have turned true, or the sink closed. */
  whenWritable(): Promise<void>;
  isOpen(): boolean;
  activity(payload: ActivityPayload): void;
  /** Replay done: from now on events come live (sent again after a catch-up from the store). */
  caughtUp(notice: { customerId: number | null; position: string | null }): void;
  /** The subscription ended on an error; the client may subscribe again with `after: position`. */
  failed(notice: { customerId: number | null; position: string | null; detail: string }): void;
}

export interface ActivitySubscriptionOptions {
  /** One customer, or null: every customer the subscriber may see. */
  customerId: number | null;
  /** Resume after this position (exclusive); undefined: live events only. */
  after?: string;
  store: Pick<EventStore, 'readAll'>;
  tail: { attach(listener: TailListener): TailAttachment };
  /** Whether the subscriber may see this event (partner scoping). */
  permits(event: RecordedEvent): boolean | Promise<boolean>;
  /**
   * The same answer for a live event when it is known without waiting (e.g. from a cache), else
   * undefined. Lets an idle subscription send a live event within the tail's call instead of a
   * round through its queue and run loop (thousands of subscriptions × every event).
   */
  permitsLive?(event: RecordedEvent): boolean | undefined;
  toPayload(event: RecordedEvent): ActivityPayload | null;
  sink: ActivitySink;
  /** Live events held for a client that is busy; past it the subscription re-reads from the store. */
  maxQueue?: number;
  /** Events per store read while replaying. */
  pageSize?: number;
}

/**
 * One client subscription: catch-up from the store, then live events from the instance's tail, in
 * position order, with no gap and no duplicate.
 *
 * Hand-over by position: the subscription attaches to the tail FIRST (queueing every live event
 * from then on), then replays `readAll(after cursor)` page by page until a page comes back short,
 * i.e. it has read past everything visible, which includes everything the tail handed out before
 * the attach. Queued events at or before the cursor are then dropped as already sent; the rest
 * follow in order. `cursor` is the position of the last event sent or deliberately skipped.
 *
 * Backpressure: nothing is sent while the socket's buffer is at its bound. Live events wait in a
 * queue of at most `maxQueue`; when a slow client lets it overflow, the queue is dropped and the
 * subscription goes back to replaying from its cursor, reading the store at the client's pace. The
 * store is the buffer, so memory per subscription stays bounded (queue + one page) and the client
 * still receives every event exactly once, in order.
 */
export class ActivitySubscription {
  readonly customerId: number | null;
  private readonly maxQueue: number;
  private readonly pageSize: number;
  private queue: RecordedEvent[] = [];
  private needReplay = false;
  private cursor: string | null = null;
  private closed = false;
  private attachment: TailAttachment | null = null;
  private signal: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private readonly closedSignal: Promise<void>;
  private resolveClosed!: () => void;
  /** Times the live queue overflowed and the subscription fell back to the store. */
  overflows = 0;
  /** Largest live queue seen (for tests and metrics). */
  peakQueue = 0;

  constructor(private readonly options: ActivitySubscriptionOptions) {
    this.customerId = options.customerId;
    this.maxQueue = options.maxQueue ?? 1000;
    this.pageSize = options.pageSize ?? 200;
    this.closedSignal = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  start(): void {
    if (this.attachment || this.closed) return;
    this.attachment = this.options.tail.attach((event) => this.onLive(event));
    this.cursor = this.options.after ?? this.attachment.position;
    this.needReplay = this.options.after !== undefined;
    this.running = this.run();
  }

  /** Position of the last event sent or skipped. */
  get position(): string | null {
    return this.cursor;
  }

  get queued(): number {
    return this.queue.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.resolveClosed();
    this.attachment?.detach();
    this.queue = [];
    this.wake();
    await this.running;
  }

  private matches(event: RecordedEvent): boolean {
    return this.customerId === null ? customerIdOfStream(event.streamId) !== null : event.streamId === `customer-${this.customerId}`;
  }

  private onLive(event: RecordedEvent): void {
    if (this.closed || !this.matches(event)) return;
    if (this.deliveredNow(event)) return;
    this.queue.push(event);
    if (this.queue.length > this.peakQueue) this.peakQueue = this.queue.length;
    if (this.queue.length > this.maxQueue) {
      this.queue = [];
      this.needReplay = true;
      this.overflows++;
    }
    this.wake();
  }

  /**
   * Sends a live event at once when the run loop is idle, waiting for the next live event (so the
   * queue is empty and nothing else is being replayed or sent: the order holds), the client can
   * take it and `permitsLive` knows the answer. False: the event takes the queue.
   */
  private deliveredNow(event: RecordedEvent): boolean {
    const { sink, permitsLive } = this.options;
    if (!permitsLive || this.signal === null || this.needReplay || this.queue.length > 0) return false;
    if (this.cursor !== null && event.position <= this.cursor) return true;
    if (!sink.isOpen() || !sink.writable()) return false;
    const permitted = permitsLive(event);
    if (permitted === undefined) return false;
    if (permitted) {
      const payload = this.options.toPayload(event);
      if (payload) sink.activity(payload);
    }
    this.cursor = event.position;
    return true;
  }

  private async run(): Promise<void> {
    try {
      if (!this.needReplay) this.options.sink.caughtUp({ customerId: this.customerId, position: this.cursor });
      while (!this.closed) {
        if (this.needReplay) {
          this.needReplay = false;
          if (!(await this.replay())) return;
          // Overflowed again while replaying: the queue has a hole, read on from the store.
          if (this.needReplay) continue;
          this.options.sink.caughtUp({ customerId: this.customerId, position: this.cursor });
          continue;
        }
        const event = this.queue.shift();
        if (!event) {
          await this.nextLiveEvent();
          continue;
        }
        if (this.cursor !== null && event.position <= this.cursor) continue;
        if (!(await this.whenWritable())) return;
        // The queue overflowed while the client was busy: this event is re-read by the replay.
        if (this.needReplay) continue;
        await this.deliver(event);
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.attachment?.detach();
    }
  }

  /** Reads and sends everything after the cursor; false when the subscription ended meanwhile. */
  private async replay(): Promise<boolean> {
    const prefix = this.customerId === null ? 'customer-' : `customer-${this.customerId}`;
    while (!this.closed) {
      if (!(await this.whenWritable())) return false;
      const page = await this.options.store.readAll({
        after: this.cursor ?? undefined,
        maxCount: this.pageSize,
        filter: { streamPrefixes: [prefix] },
      });
      for (const event of page) {
        if (this.closed) return false;
        if (!this.matches(event)) {
          this.cursor = event.position; // customer-5 is a prefix of customer-50
          continue;
        }
        if (!(await this.whenWritable())) return false;
        await this.deliver(event);
      }
      if (page.length < this.pageSize) return !this.closed;
    }
    return false;
  }

  private async deliver(event: RecordedEvent): Promise<void> {
    const permitted = await this.options.permits(event);
    if (this.closed) return;
    if (permitted) {
      const payload = this.options.toPayload(event);
      if (payload) this.options.sink.activity(payload);
    }
    this.cursor = event.position;
  }

  private async whenWritable(): Promise<boolean> {
    const { sink } = this.options;
    while (!this.closed && sink.isOpen() && !sink.writable()) await Promise.race([sink.whenWritable(), this.closedSignal]);
    return !this.closed && sink.isOpen();
  }

  private nextLiveEvent(): Promise<void> {
    return new Promise((resolve) => {
      this.signal = resolve;
      if (this.closed || this.queue.length > 0 || this.needReplay) this.wake();
    });
  }

  private wake(): void {
    const signal = this.signal;
    this.signal = null;
    signal?.();
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.resolveClosed();
    this.attachment?.detach();
    this.queue = [];
    const detail = error instanceof Error ? error.message : String(error);
    if (this.options.sink.isOpen()) this.options.sink.failed({ customerId: this.customerId, position: this.cursor, detail });
  }
}
