/** GET /api/v1/events (JSON pages) and GET /api/v1/events/catalog. */
import request from 'supertest';
import { PUBLISHED_EVENT_CATALOG as EVENT_CATALOG } from '../../src/feed/catalog/published-catalog.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { isSecretKey } from '../../src/feed/public-event.js';
import { createCustomer, newCustomerId, paymentEvent, addComment, startLiveApp, visibleEventsOf, type LiveApp } from './live-feed-support.js';

/** Every key of a value (any depth, outside additionalFields) that names a secret. */
function secretKeysIn(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => secretKeysIn(item, `${path}[${index}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
    isSecretKey(key) ? [`${path}${key}`] : key === 'additionalFields' ? [] : secretKeysIn(item, `${path}${key}.`),
  );
}

describe('the event feed: JSON pages and the catalogue', () => {
  let live: LiveApp;
  let token: string;
  const get = (path: string) => request(live.app.getHttpServer()).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  /**
   * Reads every page after `after` with the given page size, following nextCursor (the list shape);
   * checks each page's nextCursor and that the fields of before (events, lastPosition) repeat it.
   */
  async function readAllPages(query: Record<string, string>, limit: number): Promise<Record<string, any>[]> {
    const events: Record<string, any>[] = [];
    let cursor: string | undefined;
    const start = query.after;
    for (let page = 0; page < 10_000; page++) {
      const response = await get(`/events?${new URLSearchParams({ ...query, ...(cursor ? { cursor } : {}), limit: String(limit) })}`).expect(200);
      const body = response.body as { items: Record<string, any>[]; nextCursor: string | null; events: unknown; lastPosition: unknown };
      expect(body.events).toEqual(body.items);
      expect(body.lastPosition).toBe(body.nextCursor);
      expect(body.items.length).toBeLessThanOrEqual(limit);
      if (body.items.length === 0) {
        expect(body.nextCursor).toBe(cursor ?? start ?? null);
        return events;
      }
      expect(body.nextCursor).toBe(body.items[body.items.length - 1].position);
      events.push(...body.items);
      cursor = body.nextCursor!;
    }
    throw new Error('too many pages');
  }

  beforeAll(async () => {
    live = await startLiveApp();
    token = await live.adminToken();
  });
  afterAll(async () => {
    await live?.close();
  });

  it('answers 401 without a token', async () => {
    for (const path of ['/events', '/events/catalog', '/events/stream']) {
      const response = await request(live.app.getHttpServer()).get(`/api/v1${path}`).expect(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('serves the catalogue: every event type, its version and JSON Schema, and the envelope', async () => {
    const response = await get('/events/catalog').expect(200);
    expect(response.body.events.map((entry: { type: string }) => entry.type)).toEqual(EVENT_CATALOG.map((entry) => entry.type));
    const payment = response.body.events.find((entry: { type: string }) => entry.type === 'PaymentRecorded');
    expect(payment).toMatchObject({ version: 2, stream: 'customer-<id>', schema: { properties: { amount: { type: 'string' } } } });
    expect(payment.history).toHaveLength(2);
    expect(response.body.envelope.required).toEqual(['id', 'type', 'schemaVersion', 'streamId', 'revision', 'position', 'recordedAt', 'data', 'metadata']);
    const created = response.body.events.find((entry: { type: string }) => entry.type === 'CustomerCreated');
    expect(Object.keys(created.schema.properties)).not.toContain('passwordCiphertext');
    expect(created.omitted).toContain('passwordCiphertext');
    expect(created.omitted.some((path: string) => /^voip\.pin/.test(path))).toBe(true);
  });

  it('pages through every published event in position order, each exactly once, in the public envelope', async () => {
    const customers = [newCustomerId(), newCustomerId(), newCustomerId()];
    const start = await live.store.headPosition();
    for (const customerId of customers) {
      await createCustomer(live.store, customerId);
      await addComment(live.store, customerId, 'hello');
      await live.store.append(`customer-${customerId}`, [paymentEvent(customerId, 12.5, 0)]);
    }
    const stored = await visibleEventsOf(live.store, customers, 9, start ?? undefined);
    const events = await readAllPages(start ? { after: start } : {}, 2);
    const ours = events.filter((event) => customers.some((id) => event.streamId === `customer-${id}`));
    expect(ours.map((event) => event.id)).toEqual(stored.map((event: RecordedEvent) => event.id));
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    expect([...events.map((event) => event.position)].sort()).toEqual(events.map((event) => event.position));
    // Only catalogued types leave: not the admins' streams, not reservations.
    const published = new Set(EVENT_CATALOG.map((entry) => entry.type));
    expect(events.every((event) => published.has(event.type))).toBe(true);

    const created = ours.find((event) => event.type === 'CustomerCreated')!;
    expect(secretKeysIn(stored.find((event: RecordedEvent) => event.type === 'CustomerCreated')!.data).length).toBeGreaterThan(0);
    expect(Object.keys(created).sort()).toEqual(['data', 'id', 'metadata', 'position', 'recordedAt', 'revision', 'schemaVersion', 'streamId', 'type']);
    expect(secretKeysIn(created.data)).toEqual([]);
    expect(Object.keys(created.data.voip).some((key) => /^pin/.test(key))).toBe(false);
    expect(created.data.voip.accountNumber).toMatch(/^\d+$/);
    expect(created.metadata).toEqual({ actor: { id: 'admin-e2e', name: 'E2E Admin', role: 'super-administrator' } });
    expect(JSON.stringify(ours)).not.toContain('10.0.0.9'); // the client's IP stays in the store

    // The store holds PaymentRecorded v1 (amount a number); the feed serves v2 (a decimal string).
    const storedPayment = stored.find((event) => event.type === 'PaymentRecorded')!;
    expect(storedPayment.schemaVersion).toBe(1);
    const payment = ours.find((event) => event.type === 'PaymentRecorded')!;
    expect(payment).toMatchObject({ schemaVersion: 2, data: { amount: '12.50', changes: [{ field: 'balance', from: '0.00', to: '12.50' }] } });
  });

  it('filters by type', async () => {
    const customerId = newCustomerId();
    const start = await live.store.headPosition();
    await createCustomer(live.store, customerId);
    await addComment(live.store, customerId, 'not a payment');
    await live.store.append(`customer-${customerId}`, [paymentEvent(customerId, 5, 0), paymentEvent(customerId, 7, 5)]);
    await visibleEventsOf(live.store, [customerId], 4, start ?? undefined);
    const events = await readAllPages({ ...(start ? { after: start } : {}), types: 'PaymentRecorded,ChargeRecorded' }, 1);
    expect(events.map((event) => [event.type, event.data.amount])).toEqual([
      ['PaymentRecorded', '5.00'],
      ['PaymentRecorded', '7.00'],
    ]);
  });

  it('refuses a bad position (400), an unknown type or a bad limit (422) with problem documents', async () => {
    const bad = await get('/events?after=not-a-position').expect(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body).toMatchObject({ status: 400, rule: 'feed.invalid_position' });
    const types = await get('/events?types=CustomerCreated,NoSuchEvent').expect(422);
    expect(types.body.errors).toEqual([expect.objectContaining({ field: 'types', rule: 'eventType' })]);
    for (const limit of ['0', '1001', 'ten', '-1']) {
      const response = await get(`/events?limit=${limit}`).expect(422);
      expect(response.body.errors[0]).toMatchObject({ field: 'limit', rule: 'range' });
    }
  });
});
