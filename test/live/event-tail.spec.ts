import type { EventSubscription, RecordedEvent, SubscribeOptions } from '../../src/event-store/event-store.port.js';
import { CustomerPartnerDirectory } from '../../src/live/customer-partners.js';
import { EventTail } from '../../src/live/event-tail.js';

const event = (n: number, streamId = 'customer-1', type = 'CustomerCommentAdded', data: Record<string, unknown> = {}): RecordedEvent => ({
  id: `id-${n}`,
  type,
  schemaVersion: 1,
  data,
  metadata: {},
  streamId,
  revision: n,
  position: String(n).padStart(4, '0'),
  recordedAt: new Date(0),
});

/** A store whose subscriptions replay `log` after a position, then end (or fail once). */
function fakeStore(log: RecordedEvent[], options: { failAfter?: number } = {}) {
  const subscribed: (string | undefined)[] = [];
  let failAfter = options.failAfter;
  return {
    subscribed,
    headPosition: async () => '0002',
    subscribeToAll(subscribeOptions: SubscribeOptions = {}): EventSubscription {
      const after = subscribeOptions.after as string | undefined;
      subscribed.push(after);
      let closed = false;
      return {
        async close() {
          closed = true;
        },
        async *[Symbol.asyncIterator]() {
          for (const item of log.filter((candidate) => after === undefined || candidate.position > after)) {
            if (closed) return;
            if (failAfter !== undefined && failAfter-- <= 0) {
              failAfter = undefined;
              throw new Error('connection lost');
            }
            yield item;
          }
          while (!closed) await new Promise((resolve) => setTimeout(resolve, 5));
        },
      };
    },
  };
}

describe('EventTail', () => {
  it('starts at the head, hands events to listeners in order and resubscribes after the last one on an error', async () => {
    const log = [1, 2, 3, 4, 5, 6].map((n) => event(n));
    const store = fakeStore(log, { failAfter: 2 });
    const errors: string[] = [];
    const tail = new EventTail(store, [], { warn: () => undefined, error: (message) => errors.push(message) });
    await tail.start();
    const seen: string[] = [];
    const attachment = tail.attach((item) => seen.push(item.position));
    expect(attachment.position).toBe('0002');
    for (let round = 0; round < 200 && seen.length < 4; round++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen).toEqual(['0003', '0004', '0005', '0006']);
    expect(store.subscribed).toEqual(['0002', '0004']);
    expect(errors).toHaveLength(1);
    attachment.detach();
    expect(tail.listenerCount).toBe(0);
    await tail.close();
  });
});

describe('CustomerPartnerDirectory', () => {
  const created = (n: number, customerId: number, partnerId: number) => event(n, `customer-${customerId}`, 'CustomerCreated', { customerId, partnerId });
  const moved = (n: number, customerId: number, from: number, to: number) =>
    event(n, `customer-${customerId}`, 'CustomerMainInfoChanged', { customerId, changes: [{ field: 'partnerId', from, to }] });

  it('folds the stream on a miss, then follows partner changes in any order of observation', async () => {
    const streams: Record<string, RecordedEvent[]> = { 'customer-7': [created(1, 7, 2), moved(3, 7, 2, 3)] };
    let reads = 0;
    const directory = new CustomerPartnerDirectory({
      async readStream(streamId: string) {
        reads++;
        if (!streams[streamId]) throw Object.assign(new Error('not found'), { name: 'StreamNotFoundError' });
        return streams[streamId];
      },
    });
    expect(await directory.partnerOf(7)).toBe(3);
    expect(await directory.partnerOf(7)).toBe(3);
    expect(reads).toBe(1);
    directory.observe(moved(9, 7, 3, 1));
    directory.observe(moved(5, 7, 2, 4)); // older: ignored
    expect(await directory.partnerOf(7)).toBe(1);
    expect(await directory.partnerOf(8)).toBeNull();
    expect(await directory.maySee([1], 7)).toBe(true);
    expect(await directory.maySee([2], 7)).toBe(false);
    expect(await directory.maySee([], 7)).toBe(true); // no partners listed: every partner
    expect(await directory.maySee([1], 8)).toBe(false);
  });

  it('a replayed event of a customer it does not hold yet decides nothing: the customer may have moved since (current partner, not the old one)', async () => {
    // customer-7 was created for partner 2 and later moved to partner 3.
    const directory = new CustomerPartnerDirectory({ readStream: async () => [created(1, 7, 2), moved(3, 7, 2, 3)] });
    directory.observeReplayed(created(1, 7, 2)); // the feed or a replay reads the old CustomerCreated first
    expect(await directory.maySee([2], 7)).toBe(false);
    expect(await directory.maySee([3], 7)).toBe(true);
    directory.observeReplayed(created(1, 7, 2)); // older than what the entry accounts for: ignored
    expect(await directory.partnerOf(7)).toBe(3);
    directory.observeReplayed(moved(5, 7, 3, 4)); // newer: applied
    expect(await directory.partnerOf(7)).toBe(4);
  });

  it('stays within its bound', async () => {
    const directory = new CustomerPartnerDirectory({ readStream: async () => [] }, 3);
    for (let id = 1; id <= 10; id++) directory.observe(created(id, id, 1));
    expect(directory.size).toBe(3);
  });
});
