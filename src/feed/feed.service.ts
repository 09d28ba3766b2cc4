import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Request, Response } from 'express';
import { EVENT_STORE, type EventFilter, type EventStore, type EventSubscription, type RecordedEvent } from '../event-store/event-store.port.js';
import { customerIdOfStream } from '../live/activity-entry.js';
import { CustomerPartnerDirectory } from '../live/customer-partners.js';
import { PARTNERS_STREAM } from '../reference-data/domain/index.js';
import { FEED_REGISTRY, PUBLISHED_TYPES } from './catalog/published-catalog.js';
import { toPublicEvent, type PublicEvent } from './public-event.js';

export interface FeedReader {
  /** Limited to these partners' customers; absent or empty: every partner (as PartnerScope). */
  partnerIds?: number[];
}

export interface FeedPage {
  events: PublicEvent[];
  /** Position of the last event read (also when it was filtered out), or `after` when none was. */
  lastPosition: string | null;
}

export interface StreamOptions {
  after?: string | 'end';
  types?: string[];
  heartbeatMs: number;
  reader: FeedReader;
}

interface OpenStream {
  subscription: EventSubscription;
  end(): void;
}

/** A position the store cannot parse: the client's mistake. */
export class InvalidPositionError extends Error {}

/**
 * The downstream feed: pages of public events after a position, and the same as Server-Sent Events.
 * Each SSE connection is one store subscription (catch-up, then live: the store's job), pulled one
 * event at a time and only as fast as the socket drains, so a slow reader costs no memory.
 */
@Injectable()
export class FeedService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('EventFeed');
  private readonly streams = new Set<OpenStream>();
  private readonly registry = FEED_REGISTRY;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CustomerPartnerDirectory) private readonly partners: CustomerPartnerDirectory,
  ) {}

  get openStreams(): number {
    return this.streams.size;
  }

  async page(options: { after?: string; types?: string[]; limit: number; reader: FeedReader }): Promise<FeedPage> {
    const { limit, reader } = options;
    const filter = publishedFilter(options.types);
    const events: PublicEvent[] = [];
    let cursor = options.after;
    // A partner-scoped reader may see few of the events read: read on (bounded) to fill the page.
    for (let round = 0; round < 10 && events.length < limit; round++) {
      const wanted = limit - events.length;
      const batch = await this.read({ after: cursor, maxCount: wanted, filter });
      for (const event of batch) {
        cursor = event.position;
        if (await this.permits(reader, event)) events.push(toPublicEvent(event, this.registry));
      }
      if (batch.length < wanted || !scoped(reader)) break;
    }
    return { events, lastPosition: cursor ?? null };
  }

  /** Checks that `after` is a position of this store (throws InvalidPositionError). */
  async assertPosition(after: string): Promise<void> {
    await this.read({ after, maxCount: 1 });
  }

  /** Serves one SSE connection until the client leaves or the app shuts down. */
  async stream(request: Request, response: Response, options: StreamOptions): Promise<void> {
    const filter = publishedFilter(options.types);
    // 'end' is the head now, before the client is told the stream is open.
    const after = options.after === 'end' ? ((await this.store.headPosition()) ?? undefined) : options.after;
    const subscription = this.store.subscribeToAll({ after, filter });
    let closed = false;
    let wakeWriter: (() => void) | null = null;
    let heartbeat: NodeJS.Timeout | undefined;
    const open: OpenStream = {
      subscription,
      end: () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        this.streams.delete(open);
        wakeWriter?.();
        void subscription.close().catch(() => undefined);
        if (!response.writableEnded) response.end();
      },
    };
    this.streams.add(open);
    request.on('close', open.end);
    response.on('close', open.end);
    request.socket.setNoDelay(true);
    request.socket.setKeepAlive(true);

    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    response.write(`retry: 2000\n: connected ${new Date().toISOString()}\n\n`);

    heartbeat = setInterval(() => {
      if (!closed && !response.writableNeedDrain) response.write(`: heartbeat ${new Date().toISOString()}\n\n`);
    }, options.heartbeatMs);
    heartbeat.unref();

    try {
      for await (const event of subscription) {
        if (closed) break;
        if (!(await this.permits(options.reader, event))) continue;
        const frame = `id: ${event.position}\nevent: ${event.type}\ndata: ${JSON.stringify(toPublicEvent(event, this.registry))}\n\n`;
        if (!response.write(frame) && !closed) {
          await new Promise<void>((resolve) => {
            wakeWriter = resolve;
            response.once('drain', resolve);
          });
          wakeWriter = null;
        }
      }
    } catch (error) {
      if (!closed) this.logger.error(`Event stream failed: ${(error as Error)?.stack ?? error}`);
    } finally {
      open.end();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const open of [...this.streams]) open.end();
  }

  private async read(options: { after?: string; maxCount: number; filter?: EventFilter }): Promise<RecordedEvent[]> {
    try {
      return await this.store.readAll(options);
    } catch (error) {
      if (error instanceof RangeError) throw new InvalidPositionError(error.message);
      throw error;
    }
  }

  private async permits(reader: FeedReader, event: RecordedEvent): Promise<boolean> {
    this.partners.observeReplayed(event);
    if (!scoped(reader)) return true;
    const customerId = customerIdOfStream(event.streamId);
    // Reference data (locations, settings) is not any customer's; of the partners, only the reader's own.
    if (customerId === null) {
      if (event.streamId === PARTNERS_STREAM) return reader.partnerIds.includes(Number((event.data as { id?: unknown }).id));
      return !event.streamId.startsWith('customer-');
    }
    return this.partners.maySee(reader.partnerIds, customerId);
  }
}

const ALL_PUBLISHED_TYPES = [...PUBLISHED_TYPES];

/**
 * Only the catalogue's event types ever leave through the feed: not the admins' streams, not
 * uniqueness reservations, not anything a later release adds before it is documented.
 */
function publishedFilter(types: readonly string[] | undefined): EventFilter {
  return { eventTypes: (types ?? ALL_PUBLISHED_TYPES).filter((type) => PUBLISHED_TYPES.has(type)) };
}

function scoped(reader: FeedReader): reader is { partnerIds: number[] } {
  return Array.isArray(reader.partnerIds) && reader.partnerIds.length > 0;
}
