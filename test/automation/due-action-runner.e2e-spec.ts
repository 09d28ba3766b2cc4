/**
 * The due-action runner on the whole app with a ManualClock: timers as data, run by the customer
 * decider as the system actor, exactly once (also across a crash between appending and marking,
 * and with two instances on one PostgreSQL database), overdue rows in due order.
 */
import { sql } from 'kysely';
import request from 'supertest';
import { DueActionRegistry } from '../../src/automation/due-action-registry.js';
import { DueActionRunner } from '../../src/automation/due-action-runner.js';
import { DueActions } from '../../src/automation/due-actions.service.js';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { ManualClock } from '../../src/domain-kernel/clock.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { postgresUrl } from '../support/test-databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const API = '/api/v1';
const HOUR = 3_600_000;

function registerTestKinds(app: TestApp): void {
  const registry = app.app.get(DueActionRegistry);
  // Sets the status the payload names, as a human ChangeStatus would.
  registry.register('test.set_status', {
    decide: (action) => ({ command: { type: 'ChangeStatus', data: { status: action.payload.status as 'active' } }, reason: `test: ${String(action.payload.status)}` }),
  });
  registry.register('test.skip', { decide: () => ({ skip: 'nothing to do' }) });
}

async function streamOf(store: EventStore, customerId: number): Promise<RecordedEvent[]> {
  return store.readStream(`customer-${customerId}`).catch(() => []);
}

async function createCustomers(app: TestApp, count: number): Promise<number[]> {
  const post = (path: string, body: object) => request(app.app.getHttpServer()).post(API + path).set('Authorization', `Bearer ${app.token}`).send(body);
  const partner = await post('/partners', { name: `P ${Math.random()}` }).expect(201);
  const location = await post('/locations', { name: `L ${Math.random()}` }).expect(201);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const created = await post('/customers', { fullName: `Due ${i}`, partnerId: partner.body.id, locationId: location.body.id }).expect(201);
    ids.push(created.body.id);
  }
  return ids;
}

describe('due action runner (one instance)', () => {
  const clock = new ManualClock('2030-01-01T08:00:00.000Z');
  let app: TestApp;
  let store: EventStore;
  let database: Database;
  let runner: DueActionRunner;
  let dueActions: DueActions;

  beforeAll(async () => {
    app = await startTestApp({ clock });
    registerTestKinds(app);
    store = app.app.get(EVENT_STORE);
    database = app.app.get(DATABASE);
    runner = app.app.get(DueActionRunner);
    dueActions = app.app.get(DueActions);
  });
  afterAll(() => app?.close());

  it('runs a due row once at its time, as the system actor, with dueAt and ranAt', async () => {
    const [customerId] = await createCustomers(app, 1);
    const dueAt = new Date(clock.now().getTime() + HOUR);
    await dueActions.schedule([{ id: `test:${customerId}:activate`, kind: 'test.set_status', customerId, dueAt, payload: { status: 'active' }, causationId: 'cause-1' }]);
    await runner.runDue();
    expect(await dueActions.get(`test:${customerId}:activate`)).toMatchObject({ state: 'pending', attempts: 0 }); // not yet due
    expect(await runner.nextDueAt()).toEqual(dueAt);

    clock.advance(HOUR + 1500);
    await runner.runDue();
    const events = await streamOf(store, customerId);
    const last = events[events.length - 1];
    expect(last.type).toBe('CustomerActivated');
    expect(last.metadata).toMatchObject({
      actor: { id: 'system', name: 'System', role: 'system' },
      causationId: 'cause-1',
      dueActionId: `test:${customerId}:activate`,
      dueAt: dueAt.toISOString(),
      ranAt: clock.now().toISOString(),
      reason: 'test: active',
    });
    const row = await dueActions.get(`test:${customerId}:activate`);
    expect(row).toMatchObject({ state: 'done', attempts: 1, ranAt: clock.now() });
    expect(row!.result).toMatchObject({ outcome: 'appended', revision: last.revision, position: last.position });

    // Scheduling the same id again changes nothing once it ran.
    await dueActions.schedule([{ id: `test:${customerId}:activate`, kind: 'test.set_status', customerId, dueAt: clock.now(), payload: { status: 'active' } }]);
    await runner.runDue();
    expect(await dueActions.get(`test:${customerId}:activate`)).toMatchObject({ state: 'done', attempts: 1 });
    expect(await streamOf(store, customerId)).toHaveLength(events.length);
  });

  it('a crash after appending and before marking repeats nothing: the next run finds its events', async () => {
    const [customerId] = await createCustomers(app, 1);
    const id = `test:${customerId}:crash`;
    await dueActions.schedule([{ id, kind: 'test.set_status', customerId, dueAt: clock.now(), payload: { status: 'blocked' } }]);
    await runner.runDue();
    const before = await streamOf(store, customerId);
    expect(before[before.length - 1].type).toBe('CustomerBlocked');
    // As if the process had died before its UPDATE: the row is pending again with a lapsed lease.
    await sql`UPDATE due_actions SET state = 'pending', ran_at = NULL, claimed_until = NULL WHERE id = ${id}`.execute(database.db);
    await runner.runDue();
    expect(await streamOf(store, customerId)).toHaveLength(before.length);
    expect(await dueActions.get(id)).toMatchObject({ state: 'done', note: 'already applied by an earlier run', result: { outcome: 'already_applied' } });
  });

  it('an illegal transition is not taken: the row is failed with the rule, no event', async () => {
    const [customerId] = await createCustomers(app, 1);
    const before = await streamOf(store, customerId);
    await dueActions.schedule([{ id: `test:${customerId}:new`, kind: 'test.set_status', customerId, dueAt: clock.now(), payload: { status: 'new' } }]);
    await runner.runDue();
    expect(await dueActions.get(`test:${customerId}:new`)).toMatchObject({ state: 'failed', rule: 'customer.status.unchanged' });
    await dueActions.schedule([{ id: `test:${customerId}:x`, kind: 'test.unknown', customerId, dueAt: clock.now() }]);
    await dueActions.schedule([{ id: `test:${customerId}:skip`, kind: 'test.skip', customerId, dueAt: clock.now() }]);
    await runner.runDue();
    expect(await dueActions.get(`test:${customerId}:x`)).toMatchObject({ state: 'failed', rule: 'automation.unknown_kind' });
    expect(await dueActions.get(`test:${customerId}:skip`)).toMatchObject({ state: 'done', note: 'nothing to do' });
    expect(await streamOf(store, customerId)).toHaveLength(before.length);
  });

  it('a cancelled row never runs; a moved one runs at its new time', async () => {
    const [a, b] = await createCustomers(app, 2);
    const soon = new Date(clock.now().getTime() + HOUR);
    await dueActions.schedule([
      { id: `test:${a}:cancel`, kind: 'test.set_status', customerId: a, dueAt: soon, payload: { status: 'active' } },
      { id: `test:${b}:move`, kind: 'test.set_status', customerId: b, dueAt: soon, payload: { status: 'active' } },
    ]);
    await dueActions.cancel([`test:${a}:cancel`]);
    await dueActions.schedule([{ id: `test:${b}:move`, kind: 'test.set_status', customerId: b, dueAt: new Date(soon.getTime() + 2 * HOUR), payload: { status: 'active' } }]);
    clock.advance(HOUR + 1);
    await runner.runDue();
    expect(await dueActions.get(`test:${b}:move`)).toMatchObject({ state: 'pending' });
    clock.advance(2 * HOUR);
    await runner.runDue();
    expect(await dueActions.get(`test:${a}:cancel`)).toMatchObject({ state: 'cancelled' });
    expect(await dueActions.get(`test:${b}:move`)).toMatchObject({ state: 'done' });
  });

  it('after downtime, overdue rows run oldest first; each records its own dueAt', async () => {
    const [customerId] = await createCustomers(app, 1);
    const start = clock.now().getTime();
    // Scheduled out of order: activate at +1 h, block at +2 h, activate again at +3 h.
    await dueActions.schedule([
      { id: `test:${customerId}:3`, kind: 'test.set_status', customerId, dueAt: new Date(start + 3 * HOUR), payload: { status: 'active' } },
      { id: `test:${customerId}:1`, kind: 'test.set_status', customerId, dueAt: new Date(start + 1 * HOUR), payload: { status: 'active' } },
      { id: `test:${customerId}:2`, kind: 'test.set_status', customerId, dueAt: new Date(start + 2 * HOUR), payload: { status: 'blocked' } },
    ]);
    clock.advance(10 * HOUR);
    await runner.runDue();
    const automatic = (await streamOf(store, customerId)).filter((event) => event.metadata.dueActionId);
    expect(automatic.map((event) => event.type)).toEqual(['CustomerActivated', 'CustomerBlocked', 'CustomerActivated']);
    expect(automatic.map((event) => event.metadata.dueAt)).toEqual([1, 2, 3].map((h) => new Date(start + h * HOUR).toISOString()));
    expect(new Set(automatic.map((event) => event.metadata.ranAt))).toEqual(new Set([clock.now().toISOString()]));
  });

  it('the background loop picks a due row up on its own when the clock moves', async () => {
    const [customerId] = await createCustomers(app, 1);
    const id = `test:${customerId}:loop`;
    await dueActions.schedule([{ id, kind: 'test.set_status', customerId, dueAt: new Date(clock.now().getTime() + HOUR), payload: { status: 'active' } }]);
    clock.advance(HOUR);
    // Bounded wait for the loop (woken by the clock move), not a timed assertion.
    for (let i = 0; i < 200 && (await dueActions.get(id))?.state === 'pending'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await dueActions.get(id)).toMatchObject({ state: 'done' });
  });
});

const describeOnPostgres = postgresUrl ? describe : describe.skip;
/** Instances of one database share its secrets (personal data is sealed under ENCRYPTION_KEY). */
const SHARED = { JWT_SECRET: 'automation-e2e-jwt-secret-0123456789abcdef', ENCRYPTION_KEY: '0'.repeat(64) };

describeOnPostgres('due action runner with two instances on one PostgreSQL database', () => {
  const clock = new ManualClock('2030-01-01T08:00:00.000Z');
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await startTestApp({ clock, env: SHARED });
    second = await startTestApp({ clock, databaseUrl: first.databaseUrl, env: SHARED });
    registerTestKinds(first);
    registerTestKinds(second);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('each due row runs once, though both instances run at the same moment', async () => {
    const customers = await createCustomers(first, 30);
    const dueAt = new Date(clock.now().getTime() + HOUR);
    await first.app.get(DueActions).schedule(
      customers.flatMap((customerId) => [
        { id: `two:${customerId}:a`, kind: 'test.set_status', customerId, dueAt, payload: { status: 'active' } },
        { id: `two:${customerId}:b`, kind: 'test.set_status', customerId, dueAt: new Date(dueAt.getTime() + 1), payload: { status: 'blocked' } },
      ]),
    );
    clock.advance(2 * HOUR);
    const database = first.app.get<Database>(DATABASE);
    const pending = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM due_actions WHERE id LIKE 'two:%' AND state = 'pending'`.execute(database.db)).rows[0].n);
    // A customer's second row waits for its first, which the other instance's loop may hold: run
    // both again until none is left (bounded), as their loops would.
    for (let round = 0; round < 200 && (round === 0 || (await pending()) > 0); round++) {
      await Promise.all([first.app.get(DueActionRunner).runDue(), second.app.get(DueActionRunner).runDue()]);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // The background loops (woken by the clock) may have taken some too; every row is done once.
    const { rows } = await sql<{ state: string; n: string }>`SELECT state, count(*) AS n FROM due_actions WHERE id LIKE 'two:%' GROUP BY state`.execute(first.app.get<Database>(DATABASE).db);
    expect(rows).toEqual([{ state: 'done', n: String(customers.length * 2) }]);
    const store = first.app.get<EventStore>(EVENT_STORE);
    for (const customerId of customers) {
      const automatic = (await streamOf(store, customerId)).filter((event) => event.metadata.dueActionId);
      expect(automatic.map((event) => event.type)).toEqual(['CustomerActivated', 'CustomerBlocked']);
    }
  });
});
