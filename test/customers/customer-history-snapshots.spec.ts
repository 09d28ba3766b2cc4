import type { EventStore, ReadStreamOptions, RecordedEvent } from '../../src/event-store/event-store.port.js';
import { migrateEventStore } from '../../src/event-store/postgres/event-store-migrations.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.js';
import { CustomerHistory } from '../../src/customers/application/customer-history.js';
import { History } from '../projections/history.js';
import { openTestPGlite, type TestDatabase } from '../support/test-databases.js';

/** Time travel on a long stream: the in-memory snapshots give the same answers as a full fold, reading less. */
describe('CustomerHistory time travel with snapshots', () => {
  let testDatabase: TestDatabase;
  let store: PostgresEventStore;
  let events: RecordedEvent[];
  const customerId = 7;

  beforeAll(async () => {
    testDatabase = await openTestPGlite();
    await migrateEventStore(testDatabase.database.db);
    store = new PostgresEventStore(testDatabase.database);
    const h = new History();
    h.partner('North ISP');
    h.location('Riga');
    h.create(customerId, { fullName: 'Long Stream', phones: ['+371 2000 0001'] });
    for (let k = 0; h.events.length < 1_150; k++) {
      if (k % 3 === 0) h.command(customerId, { type: 'AddComment', data: { text: `comment ${k}` } });
      else if (k % 3 === 1) h.command(customerId, { type: 'RecordPayment', data: { amount: 1 + (k % 7), method: 'cash' } });
      else h.command(customerId, { type: 'EditCustomer', data: { city: `City ${k}` } });
    }
    await h.appendTo(store);
    events = await store.readStream(`customer-${customerId}`);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await testDatabase?.close();
  });

  /** A CustomerHistory over the store that counts the events it reads. */
  function counting(): { history: CustomerHistory; read: () => number } {
    let read = 0;
    const spy: EventStore = Object.create(store);
    spy.readStream = async (streamId: string, options?: ReadStreamOptions) => {
      const page = await store.readStream(streamId, options);
      read += page.length;
      return page;
    };
    return { history: new CustomerHistory(spy), read: () => read };
  }

  it('answers every revision and time like a fold from zero, and reads at most one snapshot interval once warm', async () => {
    const warm = counting();
    const lastRevision = events.at(-1)!.revision;
    await warm.history.stateAt(customerId, { revision: lastRevision }); // folds once, leaves snapshots
    const targets = [0, 1, 248, 249, 250, 498, 499, 500, 777, 999, 1000, lastRevision - 1, lastRevision];
    for (const revision of targets) {
      const cold = await counting().history.stateAt(customerId, { revision });
      const before = warm.read();
      expect(await warm.history.stateAt(customerId, { revision })).toEqual(cold);
      expect(warm.read() - before).toBeLessThanOrEqual(250);
    }
    for (const index of [0, 250, 499, 500, 501, 1000, events.length - 1]) {
      const asOf = events[index].recordedAt;
      const cold = await counting().history.stateAt(customerId, { asOf });
      expect(await warm.history.stateAt(customerId, { asOf })).toEqual(cold);
      // Both: whichever is earlier.
      const both = { asOf, revision: Math.max(0, index - 10) };
      expect(await warm.history.stateAt(customerId, both)).toEqual(await counting().history.stateAt(customerId, both));
    }
  });

  it('pages the raw events without reading the whole stream', async () => {
    const { history, read } = counting();
    const page = await history.events(customerId, { fromRevision: 600, limit: 50 });
    expect(page.events.map((event) => event.revision)).toEqual(Array.from({ length: 50 }, (_, k) => 600 + k));
    expect(page.revision).toBe(events.at(-1)!.revision);
    expect(page.nextRevision).toBe(650);
    expect(read()).toBe(51);
    const end = await history.events(customerId, { fromRevision: events.length - 2, limit: 50 });
    expect(end.events).toHaveLength(2);
    expect(end.nextRevision).toBeNull();
  });
});
