/**
 * Scheduled changes end to end, with the clock moved instead of waiting: scheduling, editing and
 * cancelling over HTTP (events on the customer stream), each change running at its time as the
 * system actor, a vacation hold blocking and returning, and, on PostgreSQL, two instances and a
 * restart with missed deadlines (each runs once, in order).
 */
import { sql } from 'kysely';
import request from 'supertest';
import { DueActionRunner } from '../../src/automation/due-action-runner.js';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { ManualClock } from '../../src/domain-kernel/clock.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { postgresUrl } from '../support/test-databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const API = '/api/v1';
const HOUR = 3_600_000;

function client(app: TestApp) {
  const server = app.app.getHttpServer();
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${app.token}`);
  return {
    get: (path: string) => auth(request(server).get(API + path)),
    post: (path: string, body: object = {}) => auth(request(server).post(API + path)).send(body),
    patch: (path: string, body: object = {}) => auth(request(server).patch(API + path)).send(body),
    del: (path: string, body: object = {}) => auth(request(server).delete(API + path)).send(body),
  };
}

async function streamOf(app: TestApp, customerId: number): Promise<RecordedEvent[]> {
  return app.app.get<EventStore>(EVENT_STORE).readStream(`customer-${customerId}`).catch(() => []);
}

/** Waits (bounded, by position) until the timers projection has seen a write. */
async function timersAt(app: TestApp, position: string): Promise<void> {
  const reached = await app.app.get(ProjectionRuntime).waitForPosition(position, { projections: ['scheduled_change_timers'], timeoutMs: 60_000 });
  if (!reached) throw new Error(`scheduled_change_timers did not reach ${position}`);
}

async function newCustomer(app: TestApp, status: 'new' | 'active' = 'active'): Promise<number> {
  const api = client(app);
  const partner = await api.post('/partners', { name: `P ${Math.random()}` }).expect(201);
  const location = await api.post('/locations', { name: `L ${Math.random()}` }).expect(201);
  const created = await api.post('/customers', { fullName: 'Ann Vacation', partnerId: partner.body.id, locationId: location.body.id }).expect(201);
  if (status === 'active') await api.post(`/customers/${created.body.id}/status`, { status: 'active' }).expect(200);
  return created.body.id;
}

describe('scheduled changes (one instance, clock moved)', () => {
  const clock = new ManualClock(new Date());
  let app: TestApp;
  let api: ReturnType<typeof client>;
  let runner: DueActionRunner;
  const later = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

  beforeAll(async () => {
    app = await startTestApp({ clock });
    api = client(app);
    runner = app.app.get(DueActionRunner);
  });
  afterAll(() => app?.close());

  it('schedules, lists and edits a change; it runs at its time as the system actor', async () => {
    const id = await newCustomer(app);
    const at = later(2 * HOUR);
    const created = await api.post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'blocked', at, reason: 'unpaid invoice' }).expect(201);
    expect(created.body).toMatchObject({ customerId: id, action: 'status', status: 'blocked', at, reason: 'unpaid invoice', state: 'pending', revision: expect.any(Number), position: expect.any(String) });
    expect(created.body).not.toHaveProperty('billingType');
    expect(created.headers.location).toBe(`/api/v1/customers/${id}/scheduled-changes/${created.body.id}`);
    const changeId: string = created.body.id;

    const edited = await api.patch(`/customers/${id}/scheduled-changes/${changeId}`, { at: later(HOUR), reason: 'still unpaid' }).expect(200);
    expect(edited.body).toMatchObject({ id: changeId, at: later(HOUR), reason: 'still unpaid', state: 'pending' });
    const listed = await api.get(`/customers/${id}/scheduled-changes`).expect(200);
    expect(listed.body).toEqual({ items: [expect.objectContaining({ id: changeId, state: 'pending', scheduledBy: expect.objectContaining({ name: expect.any(String) }) })], nextCursor: null });

    await timersAt(app, edited.body.position);
    const upcoming = await api.get(`/scheduled-changes?state=pending`).expect(200);
    expect(upcoming.body.items).toContainEqual(expect.objectContaining({ id: changeId, customerId: id, dueAt: later(HOUR), duePhase: 'start', state: 'pending' }));

    clock.advance(HOUR - 1000);
    await runner.runDue();
    expect((await api.get(`/customers/${id}/scheduled-changes`).expect(200)).body.items[0].state).toBe('pending');

    clock.advance(1000);
    await runner.runDue();
    const events = await streamOf(app, id);
    const [blocked, completed] = events.slice(-2);
    const addedEvent = events.find((event) => event.type === 'ScheduledChangeAdded')!;
    expect(blocked).toMatchObject({ type: 'CustomerBlocked', data: { from: 'active', to: 'blocked' } });
    expect(String(blocked.data.reason)).toMatch(/^Scheduled by .+ on \d{1,2} \w{3} \d{4}: still unpaid$/);
    expect(completed).toMatchObject({ type: 'ScheduledChangeCompleted', data: { changeId, phase: 'start', outcome: 'applied' } });
    for (const event of [blocked, completed]) {
      expect(event.metadata).toMatchObject({
        actor: { id: 'system', name: 'System', role: 'system' },
        causationId: addedEvent.id,
        dueAt: later(0),
        ranAt: later(0),
      });
    }
    const after = (await api.get(`/customers/${id}/scheduled-changes`).expect(200)).body.items[0];
    expect(after).toMatchObject({ state: 'done', ranAt: later(0) });
    const customer = await api.get(`/customers/${id}?minPosition=${encodeURIComponent(completed.position)}`).expect(200);
    expect(customer.body.status).toBe('blocked');
    const timeline = await api.get(`/customers/${id}/activity?minPosition=${encodeURIComponent(completed.position)}`).expect(200);
    expect(timeline.body.items.map((entry: { summary: string }) => entry.summary)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Status changed from Active to Blocked by System \(reason: Scheduled by .+: still unpaid\)$/), 'Scheduled change carried out by System']),
    );
    // Running again changes nothing.
    clock.advance(HOUR);
    await runner.runDue();
    expect(await streamOf(app, id)).toHaveLength(events.length);
  });

  it('refuses a time in the past, a status no rule reaches, malformed input; nothing is written', async () => {
    const id = await newCustomer(app);
    const before = (await streamOf(app, id)).length;
    const past = await api.post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'blocked', at: later(-1000) }).expect(409);
    expect(past.body.rule).toBe('customer.scheduled_change.in_the_past');
    const unreachable = await api.post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'new', at: later(HOUR) }).expect(409);
    expect(unreachable.body.rule).toBe('customer.scheduled_change.status_unreachable');
    const holdBackwards = await api.post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'blocked', at: later(2 * HOUR), until: later(HOUR) }).expect(409);
    expect(holdBackwards.body.rule).toBe('customer.scheduled_change.until_not_after_at');
    const malformed = await api.post(`/customers/${id}/scheduled-changes`, { action: 'teleport', at: 'soon' }).expect(422);
    expect(malformed.body.errors.map((error: { field: string }) => error.field)).toEqual(expect.arrayContaining(['action', 'at']));
    await api.patch(`/customers/${id}/scheduled-changes/nope`, { reason: 'x' }).expect(404);
    await api.del(`/customers/${id}/scheduled-changes/nope`).expect(404);
    expect(await streamOf(app, id)).toHaveLength(before);
  });

  it('a cancelled change never runs', async () => {
    const id = await newCustomer(app);
    const created = await api.post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'inactive', at: later(HOUR) }).expect(201);
    const cancelled = await api.del(`/customers/${id}/scheduled-changes/${created.body.id}`, { reason: 'paid' }).expect(200);
    expect(cancelled.body).toMatchObject({ id: created.body.id, state: 'cancelled' });
    await api.del(`/customers/${id}/scheduled-changes/${created.body.id}`).expect(409);
    await timersAt(app, cancelled.body.position);
    clock.advance(2 * HOUR);
    await runner.runDue();
    expect((await streamOf(app, id)).map((event) => event.type).slice(-1)).toEqual(['ScheduledChangeCancelled']);
  });

  it('an illegal transition at its time is not taken: the change is failed with the rule', async () => {
    const id = await newCustomer(app);
    await api.post(`/customers/${id}/status`, { status: 'inactive' }).expect(200);
    const created = await api.post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'blocked', at: later(HOUR) }).expect(201);
    await timersAt(app, created.body.position);
    clock.advance(HOUR);
    await runner.runDue();
    const item = (await api.get(`/customers/${id}/scheduled-changes`).expect(200)).body.items[0];
    expect(item).toMatchObject({ state: 'failed', rule: 'customer.status.transition_not_allowed' });
    expect((await streamOf(app, id)).slice(-1)[0]).toMatchObject({ type: 'ScheduledChangeFailed', metadata: { actor: { id: 'system' } } });
  });

  it('a vacation hold blocks at its start and returns to the previous status at its end', async () => {
    const id = await newCustomer(app);
    const created = await api.post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'blocked', at: later(HOUR), until: later(5 * HOUR), reason: 'vacation' }).expect(201);
    expect(created.body).toMatchObject({ until: later(5 * HOUR), phase: 'start' });
    await timersAt(app, created.body.position);
    const upcoming = await api.get(`/scheduled-changes?from=${encodeURIComponent(later(0))}&to=${encodeURIComponent(later(6 * HOUR))}`).expect(200);
    expect(upcoming.body.items.filter((item: { id: string }) => item.id === created.body.id).map((item: { duePhase: string }) => item.duePhase)).toEqual(['start', 'end']);

    clock.advance(HOUR);
    await runner.runDue();
    let item = (await api.get(`/customers/${id}/scheduled-changes`).expect(200)).body.items[0];
    expect(item).toMatchObject({ state: 'pending', phase: 'end', previousStatus: 'active' });
    expect((await streamOf(app, id)).slice(-2).map((event) => event.type)).toEqual(['CustomerBlocked', 'ScheduledChangeCompleted']);

    clock.advance(4 * HOUR);
    await runner.runDue();
    item = (await api.get(`/customers/${id}/scheduled-changes`).expect(200)).body.items[0];
    expect(item).toMatchObject({ state: 'done' });
    const last = (await streamOf(app, id)).slice(-2);
    expect(last.map((event) => event.type)).toEqual(['CustomerActivated', 'ScheduledChangeCompleted']);
    expect(String(last[0].data.reason)).toMatch(/^End of the hold scheduled by .+: vacation$/);
    expect(last[0].metadata.dueAt).toBe(later(0));
  });

  it('a hold whose status an admin changed meanwhile ends without changing it', async () => {
    const id = await newCustomer(app);
    const created = await api.post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'blocked', at: later(HOUR), until: later(3 * HOUR) }).expect(201);
    await timersAt(app, created.body.position);
    clock.advance(HOUR);
    await runner.runDue();
    await api.post(`/customers/${id}/status`, { status: 'inactive', reason: 'moved away' }).expect(200);
    clock.advance(2 * HOUR);
    await runner.runDue();
    const last = (await streamOf(app, id)).slice(-1)[0];
    expect(last).toMatchObject({ type: 'ScheduledChangeCompleted', data: { phase: 'end', outcome: 'skipped' } });
    expect((await api.get(`/customers/${id}/scheduled-changes`).expect(200)).body.items[0].state).toBe('done');
    const state = await api.get(`/customers/${id}?minPosition=${encodeURIComponent(last.position)}`).expect(200);
    expect(state.body.status).toBe('inactive');
  });

  it('a billing-type change runs at its time', async () => {
    const id = await newCustomer(app);
    const created = await api.post(`/customers/${id}/scheduled-changes`, { action: 'billing_type', billingType: 'prepaid_daily', at: later(HOUR) }).expect(201);
    expect(created.body).toMatchObject({ billingType: 'prepaid_daily' });
    expect(created.body).not.toHaveProperty('status');
    await timersAt(app, created.body.position);
    clock.advance(HOUR);
    await runner.runDue();
    expect((await streamOf(app, id)).slice(-2).map((event) => event.type)).toEqual(['CustomerBillingTypeChanged', 'ScheduledChangeCompleted']);
  });
});

const describeOnPostgres = postgresUrl ? describe : describe.skip;
/** Instances of one database share its secrets (personal data is sealed under ENCRYPTION_KEY). */
const SHARED = { JWT_SECRET: 'automation-e2e-jwt-secret-0123456789abcdef', ENCRYPTION_KEY: '0'.repeat(64) };

describeOnPostgres('scheduled changes with two instances and a restart (PostgreSQL)', () => {
  const clock = new ManualClock(new Date());
  const later = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

  it('with two instances each scheduled change runs once', async () => {
    const first = await startTestApp({ clock, env: SHARED });
    const second = await startTestApp({ clock, databaseUrl: first.databaseUrl, env: SHARED });
    try {
      const ids: number[] = [];
      let position = '';
      for (let i = 0; i < 10; i++) {
        const id = await newCustomer(first);
        ids.push(id);
        const created = await client(first).post(`/customers/${id}/scheduled-changes`, { action: 'status', status: 'blocked', at: later(HOUR), until: later(2 * HOUR) }).expect(201);
        position = created.body.position;
      }
      await timersAt(first, position);
      clock.advance(3 * HOUR);
      await Promise.all([first.app.get(DueActionRunner).runDue(), second.app.get(DueActionRunner).runDue()]);
      // The end of a hold claimed before its start ran is retried: run until nothing is pending (bounded).
      for (let round = 0; round < 20; round++) {
        const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM due_actions WHERE state = 'pending'`.execute(first.app.get<Database>(DATABASE).db);
        if (Number(rows[0].n) === 0) break;
        clock.advance(60_000);
        await Promise.all([first.app.get(DueActionRunner).runDue(), second.app.get(DueActionRunner).runDue()]);
      }
      for (const id of ids) {
        const automatic = (await streamOf(first, id)).filter((event) => event.metadata.actor?.id === 'system');
        expect(automatic.map((event) => event.type)).toEqual(['CustomerBlocked', 'ScheduledChangeCompleted', 'CustomerActivated', 'ScheduledChangeCompleted']);
      }
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('after a restart with missed deadlines each change runs once, in order', async () => {
    const before = await startTestApp({ clock, env: SHARED });
    const databaseUrl = before.databaseUrl!;
    const id = await newCustomer(before);
    let position = '';
    // Active → blocked at +1 h, → inactive at +2 h, → active at +3 h.
    for (const [hours, status] of [[3, 'active'], [1, 'blocked'], [2, 'inactive']] as const) {
      position = (await client(before).post(`/customers/${id}/scheduled-changes`, { action: 'status', status, at: later(hours * HOUR) }).expect(201)).body.position;
    }
    await timersAt(before, position);
    const start = clock.now().getTime();
    // The app is down while all three fall due.
    await before.app.close();
    clock.advance(10 * HOUR);
    const after = await startTestApp({ clock, databaseUrl, env: SHARED });
    try {
      await after.app.get(DueActionRunner).runDue();
      const automatic = (await streamOf(after, id)).filter((event) => event.metadata.actor?.id === 'system' && event.type !== 'ScheduledChangeCompleted');
      expect(automatic.map((event) => event.type)).toEqual(['CustomerBlocked', 'CustomerDeactivated', 'CustomerActivated']);
      expect(automatic.map((event) => event.metadata.dueAt)).toEqual([1, 2, 3].map((hours) => new Date(start + hours * HOUR).toISOString()));
      expect(new Set(automatic.map((event) => event.metadata.ranAt))).toEqual(new Set([later(0)]));
      await after.app.get(DueActionRunner).runDue();
      expect((await streamOf(after, id)).filter((event) => event.metadata.actor?.id === 'system')).toHaveLength(6);
    } finally {
      await after.close();
    }
  });
});
