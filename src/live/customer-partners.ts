import { StreamNotFoundError, type EventStore, type RecordedEvent } from '../event-store/event-store.port.js';
import { customerIdOfStream } from './activity-entry.js';

interface Entry {
  partnerId: number;
  /** Position of the newest event this entry accounts for. */
  position: string;
}

/**
 * Customer → partner, for partner scoping on the live gateway and the feed. A bounded LRU: a
 * miss folds the customer's stream (CustomerCreated, then partner changes in
 * CustomerMainInfoChanged). The live tail passes every new event through `observe`; a replay or
 * the feed, reading the past, through `observeReplayed`, which only moves an entry the directory
 * already holds forward and never creates one (a partner read from an old event may have changed
 * since, and nothing would correct it: that was a leak to the old partner's admins). Either applies
 * an event only when it is newer than what the entry accounts for, so the order of observation
 * does not matter. It is the customer's CURRENT partner that decides, for past events too: an
 * admin who may not see a customer now sees none of its history.
 */
export class CustomerPartnerDirectory {
  private readonly entries = new Map<number, Entry>();
  private readonly loading = new Map<number, Promise<Entry | null>>();

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly maxEntries = 100_000,
  ) {}

  /**
   * Takes note of a partner set or changed by an event from the live tail: events in position order
   * from the tail's start on, so the partner it sets is the customer's current one.
   */
  observe(event: RecordedEvent): void {
    this.apply(event, true);
  }

  /**
   * Takes note of an event read from the past (a replay, a feed page): it may only update an entry
   * that accounts for less; it creates none, since a later event may have moved the customer.
   */
  observeReplayed(event: RecordedEvent): void {
    this.apply(event, false);
  }

  private apply(event: RecordedEvent, current: boolean): void {
    const customerId = customerIdOfStream(event.streamId);
    if (customerId === null) return;
    const partnerId = partnerSetBy(event);
    if (partnerId === null) return;
    const entry = this.entries.get(customerId);
    if (entry ? entry.position >= event.position : !current) return;
    this.remember(customerId, { partnerId, position: event.position });
  }

  /** The customer's partner, or null when the customer does not exist (yet). */
  async partnerOf(customerId: number): Promise<number | null> {
    const cached = this.entries.get(customerId);
    if (cached) {
      // Refresh its place in the LRU order.
      this.entries.delete(customerId);
      this.entries.set(customerId, cached);
      return cached.partnerId;
    }
    let pending = this.loading.get(customerId);
    if (!pending) {
      pending = this.load(customerId).finally(() => this.loading.delete(customerId));
      this.loading.set(customerId, pending);
    }
    return (await pending)?.partnerId ?? null;
  }

  /** The customer's partner when this directory holds it now (no store read), else undefined. */
  knownPartnerOf(customerId: number): number | undefined {
    return this.entries.get(customerId)?.partnerId;
  }

  /**
   * Whether an admin limited to `partnerIds` may see this customer. Absent or empty: every partner
   * (PartnerScope's rule in src/auth).
   */
  async maySee(partnerIds: readonly number[] | undefined, customerId: number): Promise<boolean> {
    if (!partnerIds || partnerIds.length === 0) return true;
    const partnerId = await this.partnerOf(customerId);
    return partnerId !== null && partnerIds.includes(partnerId);
  }

  get size(): number {
    return this.entries.size;
  }

  private async load(customerId: number): Promise<Entry | null> {
    let events: RecordedEvent[];
    try {
      events = await this.store.readStream(`customer-${customerId}`);
    } catch (error) {
      if (error instanceof StreamNotFoundError || (error as Error)?.name === 'StreamNotFoundError') return null;
      throw error;
    }
    let entry: Entry | null = null;
    for (const event of events) {
      const partnerId = partnerSetBy(event);
      if (partnerId !== null) entry = { partnerId, position: event.position };
    }
    if (entry === null) return null;
    const last = events[events.length - 1].position;
    if (last > entry.position) entry = { ...entry, position: last };
    // An observe() that ran while the stream was being read may know better.
    const current = this.entries.get(customerId);
    if (current && current.position >= entry.position) return current;
    this.remember(customerId, entry);
    return entry;
  }

  private remember(customerId: number, entry: Entry): void {
    this.entries.delete(customerId);
    this.entries.set(customerId, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as number;
      this.entries.delete(oldest);
    }
  }
}

/** The partner this event gives its customer, or null when it does not touch the partner. */
export function partnerSetBy(event: Pick<RecordedEvent, 'type' | 'data'>): number | null {
  const data = event.data as { partnerId?: unknown; changes?: unknown };
  if (event.type === 'CustomerCreated') return typeof data.partnerId === 'number' ? data.partnerId : null;
  if (event.type === 'CustomerMainInfoChanged' && Array.isArray(data.changes)) {
    const change = (data.changes as { field?: unknown; to?: unknown }[]).find((item) => item?.field === 'partnerId');
    return typeof change?.to === 'number' ? change.to : null;
  }
  return null;
}
