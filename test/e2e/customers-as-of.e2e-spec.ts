/**
 * Reports as of a date: GET /customers/stats?asOf= answers the counts as they were then, from the
 * temporal read model. The expected counts are a replay: every customer event up to that time
 * folded through the customer decider's evolve (not the projection's code), then counted.
 */
import { customerDecider, customerIdOfStream, type CustomerEvent, type CustomerState } from '../../src/customers/domain/index.js';
import { occurredAt } from '../../src/event-store/event-facts.js';
import type { EventStore, RecordedEvent } from '../../src/event-store/event-store.port.js';
import { createCustomer, seedReferenceData, startHarness, uniqueLogin, type Harness, type Reference } from './customers-e2e-support.js';

const PASSWORD = 'As-Of-Report-pass-7731';

/** Every customer event of the store, in global order. */
async function customerEvents(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let after: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const batch = await store.readAll({ after, maxCount: 1000, filter: { streamPrefixes: ['customer-'] } });
    events.push(...batch);
    if (batch.length < 1000) return events;
    after = batch[batch.length - 1].position;
  }
  throw new Error('too many events for this test');
}

/** The stats answer computed by replaying the events up to `asOf` through the real evolve. */
function replayedStats(events: readonly RecordedEvent[], asOf: Date, partnerIds: number[] | null) {
  const states = new Map<string, CustomerState>();
  for (const event of events) {
    if (customerIdOfStream(event.streamId) === null) continue;
    if (Date.parse(occurredAt(event)) > asOf.getTime()) continue;
    states.set(event.streamId, customerDecider.evolve(states.get(event.streamId) ?? customerDecider.initialState, event as unknown as CustomerEvent));
  }
  const stats = {
    total: 0,
    byStatus: { new: 0, active: 0, blocked: 0, inactive: 0 } as Record<string, number>,
    byBillingType: { recurring: 0, prepaid_custom: 0, prepaid_daily: 0 } as Record<string, number>,
    byCategory: { person: 0, company: 0 } as Record<string, number>,
    byPartner: new Map<number, number>(),
    byLocation: new Map<number, number>(),
    leads: 0,
  };
  for (const state of states.values()) {
    if (!state.exists || state.deleted) continue;
    if (partnerIds !== null && !partnerIds.includes(state.partnerId)) continue;
    stats.total++;
    stats.byStatus[state.status]++;
    stats.byBillingType[state.billingType]++;
    stats.byCategory[state.category]++;
    stats.byPartner.set(state.partnerId, (stats.byPartner.get(state.partnerId) ?? 0) + 1);
    stats.byLocation.set(state.locationId, (stats.byLocation.get(state.locationId) ?? 0) + 1);
    if (state.isLead) stats.leads++;
  }
  const sorted = (counts: Map<number, number>, key: 'partnerId' | 'locationId') =>
    [...counts].sort(([a], [b]) => a - b).map(([id, count]) => ({ [key]: id, count }));
  return { ...stats, byPartner: sorted(stats.byPartner, 'partnerId'), byLocation: sorted(stats.byLocation, 'locationId') };
}

/** The ids (ascending) a replay to `asOf` finds with the predicate. */
function replayedIds(events: readonly RecordedEvent[], asOf: Date, matches: (state: Extract<CustomerState, { exists: true }>) => boolean): number[] {
  const states = new Map<string, CustomerState>();
  for (const event of events) {
    if (customerIdOfStream(event.streamId) === null || Date.parse(occurredAt(event)) > asOf.getTime()) continue;
    states.set(event.streamId, customerDecider.evolve(states.get(event.streamId) ?? customerDecider.initialState, event as unknown as CustomerEvent));
  }
  return [...states.values()].filter((state): state is Extract<CustomerState, { exists: true }> => state.exists && !state.deleted && matches(state)).map((state) => state.id).sort((a, b) => a - b);
}

/** A moment strictly between the writes before and after it (event times have millisecond precision). */
async function moment(): Promise<Date> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  const at = new Date();
  await new Promise((resolve) => setTimeout(resolve, 5));
  return at;
}

describe('customers: reports as of a date', () => {
  let h: Harness;
  let ref: Reference;
  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stats as of past dates equal a replay of the events up to each date; without asOf, the counts of now', async () => {
    const before = await moment();
    const a = await createCustomer(h, ref, { login: uniqueLogin('asof') });
    const b = await createCustomer(h, ref, { login: uniqueLogin('asof'), partnerId: ref.otherPartnerId, category: 'company', companyId: 'C-1' });
    const c = await createCustomer(h, ref, { login: uniqueLogin('asof'), locationId: ref.otherLocationId });
    await h.post(`/customers/${a.id}/status`, { status: 'active' }).expect(200);
    await h.post(`/customers/${c.id}/convert-to-lead`, {}).expect(200);
    const first = await moment();

    await h.post(`/customers/${a.id}/status`, { status: 'blocked' }).expect(200);
    await h.post(`/customers/${b.id}/billing-type`, { billingType: 'prepaid_daily' }).expect(200);
    await h.patch(`/customers/${b.id}`, { partnerId: ref.partnerId }).expect(200);
    await h.post(`/customers/${c.id}/convert-to-customer`, { status: 'active' }).expect(200);
    await h.patch(`/customers/${c.id}`, { fullName: 'Renamed, not counted differently' }).expect(200);
    const second = await moment();

    await h.post(`/customers/${a.id}/status`, { status: 'inactive' }).expect(200);
    const deleted = await h.del(`/customers/${a.id}`, { reason: 'left' }).expect(200);
    const d = await createCustomer(h, ref, { login: uniqueLogin('asof'), partnerId: ref.otherPartnerId });
    const last = await h.patch(`/customers/${d.id}`, { locationId: ref.otherLocationId }).expect(200);
    expect(deleted.body.position).toEqual(expect.any(String));
    const position = last.body.position as string;

    const events = await customerEvents(h.store);
    for (const asOf of [before, first, second, new Date()]) {
      const answer = await h.get(`/customers/stats?asOf=${asOf.toISOString()}&minPosition=${position}`).expect(200);
      expect(answer.body).toEqual(replayedStats(events, asOf, null));
    }
    // The dates differ from each other, so the replay is not trivially the same.
    expect(replayedStats(events, first, null)).not.toEqual(replayedStats(events, second, null));
    expect(replayedStats(events, before, null).total).toBe(0);
    // The list as of a time, filtered by the values then, paged by id.
    for (const asOf of [first, second]) {
      const ids: number[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 20; page++) {
        const answer: { body: any } = await h.get(`/customers?asOf=${asOf.toISOString()}&status=active,blocked&partnerId=${ref.partnerId}&limit=1${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
        for (const item of answer.body.items) {
          expect(['active', 'blocked']).toContain(item.status);
          expect(item.partnerId).toBe(ref.partnerId);
          ids.push(item.id);
        }
        cursor = answer.body.nextCursor;
        if (!cursor) break;
      }
      expect(ids).toEqual(replayedIds(events, asOf, (state) => ['active', 'blocked'].includes(state.status) && state.partnerId === ref.partnerId));
    }
    // At `first` customer a was active; at `second` blocked: the item says what it was then.
    const then = await h.get(`/customers?asOf=${first.toISOString()}&total=true`).expect(200);
    expect(then.body.items.find((item: { id: number }) => item.id === a.id)).toMatchObject({ status: 'active' });
    expect(then.body.total).toBe(replayedIds(events, first, () => true).length);
    const refused = await h.get(`/customers?asOf=${first.toISOString()}&q=jane`).expect(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'q', rule: 'not_with_as_of' })]);

    // Now: the same answer as the current counts.
    const now = await h.get(`/customers/stats?minPosition=${position}`).expect(200);
    expect((await h.get(`/customers/stats?asOf=${new Date().toISOString()}`).expect(200)).body).toEqual(now.body);
  });

  it('is partner-scoped: an admin of one partner counts only its customers, as of then too', async () => {
    const e = await createCustomer(h, ref, { login: uniqueLogin('asof'), partnerId: ref.otherPartnerId });
    const at = await moment();
    const moved = await h.patch(`/customers/${e.id}`, { partnerId: ref.partnerId }).expect(200);
    await h.post('/admins', { email: 'asof-partner@isp.example', name: 'Partner admin', role: 'manager', partnerIds: [ref.otherPartnerId], password: PASSWORD }).expect(201);
    const token = (await h.testApp.login('asof-partner@isp.example', PASSWORD)).accessToken;
    const events = await customerEvents(h.store);
    const scoped = await h.get(`/customers/stats?asOf=${at.toISOString()}&minPosition=${moved.body.position}`).set('Authorization', `Bearer ${token}`).expect(200);
    const expected = replayedStats(events, at, [ref.otherPartnerId]);
    expect(scoped.body).toEqual(expected);
    expect(expected.byPartner).toEqual([{ partnerId: ref.otherPartnerId, count: expect.any(Number) }]);
    expect(expected.total).toBeGreaterThan(0);
  });

  it('refuses a malformed asOf, naming the field', async () => {
    const refused = await h.get('/customers/stats?asOf=yesterday').expect(422);
    expect(refused.body.rule).toBe('request.validation_failed');
    expect(JSON.stringify(refused.body.errors)).toContain('asOf');
  });
});
