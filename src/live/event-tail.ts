import type { EventFilter, EventStore, EventSubscription, RecordedEvent } from '../event-store/event-store.port.js';

export type TailListener = (event: RecordedEvent) => void;

export interface TailAttachment {
  /**
   * Position of the last event the tail handed out before this listener was attached (null: none
   * yet and the store was empty at start). Every later event reaches the listener; every earlier
   * one is in the store for a replay to read.
   */
  position: string | null;
  detach(): void;
}

export interface TailLogger {
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export const CUSTOMER_EVENTS: EventFilter = { streamPrefixes: ['customer-'] };

/**
 * The ONE store subscription of this app instance for live activity: it starts at the store's
 * head when the app starts, follows every customer event and hands each one, synchronously and in
 * position order, to the attached listeners. Each instance runs its own, so instances need no
 * broker between them: whatever instance a write went through, every instance sees it in the store.
 * On a store error it resubscribes after the last event it handed out (backoff 100 ms → 5 s), so
 * listeners never see a gap or a repeat.
 */
export class EventTail {
  private readonly listeners = new Set<TailListener>();
  private position: string | null = null;
  private subscription: EventSubscription | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private wakeBackoff: (() => void) | null = null;

  constructor(
    private readonly store: Pick<EventStore, 'subscribeToAll' | 'headPosition'>,
    private readonly observers: readonly TailListener[] = [],
    private readonly logger?: TailLogger,
    private readonly filter: EventFilter = CUSTOMER_EVENTS,
  ) {}

  /** Resolves once the tail knows where it starts; events from then on reach listeners. */
  async start(): Promise<void> {
    this.position = await this.store.headPosition();
    this.running = this.run();
  }

  /** Last position handed out (or the start position). */
  get lastPosition(): string | null {
    return this.position;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  attach(listener: TailListener): TailAttachment {
    this.listeners.add(listener);
    return { position: this.position, detach: () => this.listeners.delete(listener) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeBackoff?.();
    await this.subscription?.close().catch(() => undefined);
    await this.running;
    this.listeners.clear();
  }

  private async run(): Promise<void> {
    let delay = 100;
    while (!this.closed) {
      let subscription: EventSubscription | null = null;
      try {
        subscription = this.store.subscribeToAll({ after: this.position ?? undefined, filter: this.filter });
        this.subscription = subscription;
        for await (const event of subscription) {
          if (this.closed) break;
          delay = 100;
          this.position = event.position;
          for (const observer of this.observers) this.call(observer, event);
          for (const listener of this.listeners) this.call(listener, event);
        }
      } catch (error) {
        if (this.closed) break;
        this.logger?.error(`Live activity tail failed; resubscribing after ${this.position ?? 'the start'} in ${delay} ms`, error);
      } finally {
        await subscription?.close().catch(() => undefined);
      }
      if (this.closed) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeBackoff = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeBackoff = null;
      delay = Math.min(delay * 2, 5000);
    }
  }

  private call(listener: TailListener, event: RecordedEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.logger?.error('A live activity listener threw', error);
    }
  }
}
