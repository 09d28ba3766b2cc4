/**
 * The billing-driven rules on the whole app, with the clock moved (no sleeping): the projection
 * schedules what falls due from the events, the runner carries it out as the system actor through
 * the customer decider. Block after the blocking period, Inactive after the grace period, the
 * return on payment (never for a block by hand), prepaid block and top-up, VoIP expiry (also
 * recomputed from the valid days), CAP expiry.
 */
import request from 'supertest';
import { DueActionRunner } from '../../src/automation/due-action-runner.js';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { ManualClock } from '../../src/domain-kernel/clock.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../support/test-app.js';

const API = '/api/v1';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SYSTEM = { id: 'system', name: 'System', role: 'system' };

describe('billing-driven rules (clock moved)', () => {
  const clock = new ManualClock('2031-11-03T08:00:00.000Z');
  let app: TestApp;
  let store: EventStore;
  let runner: DueActionRunner;
  let runtime: ProjectionRuntime;
  let database: Database;
  let partnerId: number;
  let otherPartnerId: number;
  let locationId: number;

  const http = () => request(app.app.getHttpServer());
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${app.token}`);
  /** The position of the last write answered (positions are zero-padded: they compare as text). */
  let lastWritten: string | null = null;
  const remember = (response: request.Response): void => {
    if (typeof response.body?.position === 'string' && (lastWritten === null || response.body.position > lastWritten)) lastWritten = response.body.position;
  };
  const post = (path: string, body: object) => auth(http().post(API + path)).send(body).expect(remember);
  const patch = (path: string, body: object) => auth(http().patch(API + path)).send(body).expect(remember);

  /** Every projection has caught up with the store, the automation's due rows are written. */
  async function settle(): Promise<void> {
    // The store's head can trail a write just answered (PostgreSQL shows positions once every older
    // transaction has ended), so wait for whichever is later: the head, or the last write's position.
    const head = await store.headPosition();
    const target = [head, lastWritten].filter((position): position is string => position !== null).sort().pop();
    if (target) expect(await runtime.waitForPosition(target, { projections: ['automation_due_times'], timeoutMs: 60_000 })).toBe(true);
  }

  /** Moves the clock, lets the projection catch up, runs what fell due, and lets the projection see the results. */
  async function advance(ms: number): Promise<void> {
    await settle();
    clock.advance(ms);
    await runner.runDue();
    await settle();
  }

  async function events(customerId: number): Promise<RecordedEvent[]> {
    return store.readStream(`customer-${customerId}`);
  }

  async function status(customerId: number): Promise<string> {
    const stream = await events(customerId);
    const last = [...stream].reverse().find((event) => ['CustomerActivated', 'CustomerBlocked', 'CustomerDeactivated'].includes(event.type));
    return last ? (last.data as { to: string }).to : 'new';
  }

  async function dueRows(customerId: number) {
    const { rows } = await sql<{ id: string; kind: string; state: string; rule: string | null; due_at: Date }>`
      select id, kind, state, rule, due_at from due_actions where customer_id = ${customerId} order by due_at, id`.execute(database.db);
    return rows;
  }

  async function customer(body: object = {}, partner = partnerId): Promise<number> {
    const created = await post('/customers', { fullName: 'Debtor', partnerId: partner, locationId, ...body }).expect(201);
    await post(`/customers/${created.body.id}/status`, { status: 'active' }).expect(200);
    return created.body.id as number;
  }

  const RECURRING = { billingType: 'recurring', billing: { paymentDueDays: 0, blockingPeriodDays: 5, gracePeriodDays: 10, minimumBalance: 0 } };

  beforeAll(async () => {
    app = await startTestApp({ clock });
    store = app.app.get(EVENT_STORE);
    runner = app.app.get(DueActionRunner);
    runtime = app.app.get(ProjectionRuntime);
    database = app.app.get(DATABASE);
    partnerId = (await post('/partners', { name: 'Billing North' }).expect(201)).body.id;
    otherPartnerId = (await post('/partners', { name: 'Billing South' }).expect(201)).body.id;
    locationId = (await post('/locations', { name: 'Billing town' }).expect(201)).body.id;
    const settings = await patch('/settings/customers', {
      automaticBlocking: true,
      automaticDeactivation: true,
      prepaidAutomaticBlocking: true,
      automationByPartner: { [String(otherPartnerId)]: { automaticBlocking: false } },
    }).expect(200);
    expect(settings.body).toMatchObject({ automaticBlocking: true, automationByPartner: { [String(otherPartnerId)]: { automaticBlocking: false } } });
  });
  afterAll(() => app?.close());

  it('blocks after the blocking period, then makes the customer Inactive after the grace period, as the system', async () => {
    const id = await customer(RECURRING);
    const charge = await post(`/customers/${id}/charges`, { amount: 120, description: 'November' }).expect(201);
    await advance(5 * DAY - HOUR);
    expect(await status(id)).toBe('active');
    expect((await dueRows(id)).map((row) => [row.kind, row.state])).toEqual([['billing.block', 'pending']]);

    await advance(HOUR);
    expect(await status(id)).toBe('blocked');
    const stream = await events(id);
    const chargeEvent = stream.find((event) => event.type === 'ChargeRecorded')!;
    expect(chargeEvent.position).toBe(charge.body.position);
    const blocked = stream[stream.length - 1];
    expect(blocked).toMatchObject({
      type: 'CustomerBlocked',
      data: {
        from: 'active',
        to: 'blocked',
        reason: 'blocked automatically: balance \u2212120.00 below minimum 0.00 since 3 Nov, blocking period 5 days',
        automatic: { trigger: 'blocking_period', dueAt: '2031-11-08T08:00:00.000Z' },
      },
      metadata: { actor: SYSTEM, causationId: chargeEvent.id },
    });

    // The timeline says why, plainly.
    const timeline = await auth(http().get(`${API}/customers/${id}/activity`)).query({ minPosition: blocked.position }).expect(200);
    const entry = timeline.body.items.find((item: { type: string }) => item.type === 'CustomerBlocked');
    expect(entry.summary).toContain('by System');
    expect(entry.summary).toContain('blocked automatically: balance');

    await advance(10 * DAY - HOUR);
    expect(await status(id)).toBe('blocked');
    await advance(HOUR);
    expect(await status(id)).toBe('inactive');
    const deactivated = (await events(id)).pop()!;
    expect(deactivated).toMatchObject({
      type: 'CustomerDeactivated',
      data: { automatic: { trigger: 'grace_period' } },
      metadata: { actor: SYSTEM, causationId: blocked.id },
    });
    expect((await dueRows(id)).map((row) => [row.kind, row.state])).toEqual([
      ['billing.block', 'done'],
      ['billing.deactivate', 'done'],
    ]);
  });

  it('a payment that clears the debt returns an automatically blocked customer to Active', async () => {
    const id = await customer(RECURRING);
    await post(`/customers/${id}/charges`, { amount: 50, description: 'fee' }).expect(201);
    await advance(5 * DAY);
    expect(await status(id)).toBe('blocked');
    await post(`/customers/${id}/payments`, { amount: 30 }).expect(201);
    await advance(1000);
    expect(await status(id)).toBe('blocked'); // 20.00 still open
    const paid = await post(`/customers/${id}/payments`, { amount: 20 }).expect(201);
    await advance(1000);
    expect(await status(id)).toBe('active');
    const activated = (await events(id)).pop()!;
    const payment = (await events(id)).find((event) => event.position === paid.body.position)!;
    expect(activated).toMatchObject({ type: 'CustomerActivated', data: { automatic: { trigger: 'debt_cleared' } }, metadata: { actor: SYSTEM, causationId: payment.id } });
  });

  it('never returns a customer an admin blocked by hand, and never blocks it again', async () => {
    const id = await customer(RECURRING);
    await post(`/customers/${id}/charges`, { amount: 50, description: 'fee' }).expect(201);
    await post(`/customers/${id}/status`, { status: 'blocked', reason: 'abuse report' }).expect(200);
    await advance(6 * DAY);
    await post(`/customers/${id}/payments`, { amount: 80 }).expect(201);
    await advance(11 * DAY);
    expect(await status(id)).toBe('blocked');
    const automatic = (await events(id)).filter((event) => (event.metadata as { actor?: { id?: string } }).actor?.id === 'system');
    expect(automatic).toEqual([]);
    // The block fell due while the customer was blocked by hand: no row ran for it.
    expect((await dueRows(id)).filter((row) => row.state !== 'cancelled')).toEqual([]);
  });

  it('the switch of the customer\'s partner counts: automatic blocking off for that partner', async () => {
    const id = await customer(RECURRING, otherPartnerId);
    await post(`/customers/${id}/charges`, { amount: 10, description: 'fee' }).expect(201);
    await advance(5 * DAY);
    expect(await status(id)).toBe('active');
    expect((await dueRows(id)).map((row) => [row.kind, row.state, row.rule])).toEqual([['billing.block', 'failed', 'customer.automation.disabled']]);
  });

  it('prepaid: blocked as soon as the balance falls below the minimum, Active again on a top-up that restores it', async () => {
    const id = await customer({ billingType: 'prepaid_custom', billing: { minimumBalance: 0, gracePeriodDays: null } });
    await post(`/customers/${id}/payments`, { amount: 10 }).expect(201);
    await post(`/customers/${id}/charges`, { amount: 15, description: 'calls' }).expect(201);
    await advance(1000);
    expect(await status(id)).toBe('blocked');
    expect((await events(id)).pop()).toMatchObject({
      data: { reason: expect.stringMatching(/^blocked automatically: prepaid balance \u22125\.00 below minimum 0\.00 since \d{1,2} [A-Z][a-z]{2}$/), automatic: { trigger: 'prepaid_minimum_balance' } },
    });
    await post(`/customers/${id}/payments`, { amount: 5 }).expect(201);
    await advance(1000);
    expect(await status(id)).toBe('active');
  });

  it('VoIP: the account expires at its expiry date, recomputed when the valid days change', async () => {
    const start = clock.now().getTime();
    const id = await customer({ voip: { expiryDate: new Date(start + 30 * DAY).toISOString() } });
    await advance(DAY);
    await patch(`/customers/${id}`, { voip: { validDays: 3 } }).expect(200);
    await advance(2 * DAY - HOUR);
    expect((await events(id)).map((event) => event.type)).not.toContain('VoipAccountExpired');
    await advance(HOUR);
    const expired = (await events(id)).find((event) => event.type === 'VoipAccountExpired')!;
    expect(expired).toMatchObject({ data: { expiresAt: new Date(start + 3 * DAY).toISOString(), validDays: 3 }, metadata: { actor: SYSTEM } });
    const settingsChange = (await events(id)).find((event) => event.type === 'CustomerVoipSettingsChanged')!;
    expect(expired.metadata.causationId).toBe(settingsChange.id);
    const rows = await dueRows(id);
    expect(rows.map((row) => [row.kind, row.state])).toEqual([
      ['voip.expire', 'done'],
      ['voip.expire', 'cancelled'],
    ]);
  });

  it('CAP: a grant reaching expiresAt emits its expiry, and the bonus total follows', async () => {
    const id = await customer();
    const expiresAt = new Date(clock.now().getTime() + 2 * HOUR).toISOString();
    await post(`/customers/${id}/cap`, { megabytes: 500, reason: 'outage', expiresAt }).expect(201);
    await post(`/customers/${id}/cap`, { megabytes: 100, reason: 'loyalty' }).expect(201);
    await advance(2 * HOUR);
    const expired = (await events(id)).find((event) => event.type === 'CapBonusExpired')!;
    expect(expired).toMatchObject({ data: { megabytes: 500, expiresAt, reason: expect.stringMatching(/^CAP bonus of 500 MB \("outage"\) expired automatically on \d{1,2} [A-Z][a-z]{2}$/) }, metadata: { actor: SYSTEM } });
    const profile = await auth(http().get(`${API}/customers/${id}`)).query({ minPosition: expired.position }).expect(200);
    expect(profile.body.cap.bonusMegabytesTotal).toBe(100);
  });
});
