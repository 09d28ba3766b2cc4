import request from 'supertest';
import { describeEvent } from '../../projections/customer-activity/activity-summary.js';
import type { ActivityPayload } from '../../src/live/activity-entry.js';
import { ActivityGateway, LIVE_LIMITS } from '../../src/live/activity.gateway.js';
import type { SocketActor, SocketAuthenticator, SocketHandshake } from '../../src/live/socket-authenticator.js';
import {
  addComment,
  commentEvent,
  connectActivity,
  connectError,
  createCustomer,
  eventually,
  liveEventStores,
  newCustomerId,
  startLiveApp,
  visibleEventsOf,
  type ActivityClient,
  type LiveApp,
} from './live-feed-support.js';

const positionsOf = (items: readonly { position: string }[]) => items.map((item) => item.position);

function expectAscending(items: readonly { position: string }[]): void {
  const positions = positionsOf(items);
  expect([...positions].sort()).toEqual(positions);
  expect(new Set(positions).size).toBe(positions.length);
}

describe.each(liveEventStores)('live activity over Socket.IO (/activity), events in $name', ({ esdb }) => {
  let live: LiveApp;
  let token: string;
  const clients: ActivityClient[] = [];
  const connect = async (auth = token) => {
    const client = await connectActivity(live.url, auth);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    live = await startLiveApp({ esdb });
    token = await live.adminToken();
  }, 120_000); // booting the whole app takes long on a loaded machine
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await live?.close();
  });

  it('refuses a handshake without a valid token (connect_error with a 401 problem)', async () => {
    const missing = await connectError(live.url, {});
    expect(missing.message).toBeTruthy();
    expect(missing.data).toMatchObject({ status: 401 });
    const forged = await connectError(live.url, { token: 'not-a-token' });
    expect(forged.data).toMatchObject({ status: 401 });
  });

  it('checks the session again on subscribe: after a logout the subscription is refused', async () => {
    const login = await request(live.app.getHttpServer()).post('/api/v1/auth/login').send({ email: live.config.adminEmail, password: live.config.adminPassword }).expect(200);
    const client = await connect(login.body.accessToken);
    expect(await client.subscribe({})).toMatchObject({ ok: true });
    await request(live.app.getHttpServer()).post('/api/v1/auth/logout').set('Authorization', `Bearer ${login.body.accessToken}`).expect(204);
    expect(await client.subscribe({})).toMatchObject({ ok: false, error: { status: 401 } });
  });

  it('pushes live events as timeline entries plus customerId, in position order', async () => {
    const client = await connect();
    expect(await client.subscribe({})).toEqual({ ok: true, customerId: null, after: null });
    await client.waitForCaughtUp();
    const customerId = newCustomerId();
    const createdEvent = await createCustomer(live.store, customerId, 1);
    const commented = await addComment(live.store, customerId, 'Router replaced');
    const received = (await client.waitForCount(2)).filter((item) => item.customerId === customerId);
    expect(received.map((item) => item.type)).toEqual(['CustomerCreated', 'CustomerCommentAdded']);
    for (const [payload, event] of [
      [received[0], createdEvent],
      [received[1], commented],
    ] as const) {
      const entry = describeEvent(event);
      expect(payload).toEqual({
        customerId,
        position: event.position,
        revision: event.revision,
        type: event.type,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        actor: { id: 'admin-e2e', name: 'E2E Admin', role: 'super-administrator' },
        summary: entry.summary,
        changes: entry.changes,
        // The write's reason (none given here): the timeline shows it next to the entry.
        reason: null,
        // A creation is never revertible; a comment can be taken back (deleted).
        revertible: event.type === 'CustomerCommentAdded',
      });
    }
    expect(received[1].summary).toContain('Comment added');
    expectAscending(received);
  });

  it('a customer subscription gets only that customer (customer-12 is not customer-120)', async () => {
    const wanted = newCustomerId();
    const lookalike = wanted * 10;
    const wantedCreated = await createCustomer(live.store, wanted);
    await createCustomer(live.store, lookalike);
    const client = await connect();
    expect(await client.subscribe({ customerId: wanted, after: wantedCreated.position })).toMatchObject({ ok: true, customerId: wanted });
    await client.waitForCaughtUp();
    await addComment(live.store, lookalike, 'not for you');
    const mine = await addComment(live.store, wanted, 'for you');
    await addComment(live.store, lookalike, 'not for you either');
    const last = await addComment(live.store, wanted, 'for you too');
    await client.waitForCount(2);
    expect(client.received.map((item) => [item.customerId, item.position])).toEqual([
      [wanted, mine.position],
      [wanted, last.position],
    ]);
  });

  it('replays everything after `after`, then goes live, with no gap and no duplicate across the switch', async () => {
    const customerId = newCustomerId();
    await createCustomer(live.store, customerId);
    for (let index = 0; index < 30; index++) await addComment(live.store, customerId, `before ${index}`);
    const history = await visibleEventsOf(live.store, [customerId], 31);
    const after = history[10].position;

    const client = await connect();
    expect(await client.subscribe({ customerId, after })).toEqual({ ok: true, customerId, after });
    // Writes race the replay: some land before the hand-over, some after.
    const writing = (async () => {
      for (let index = 0; index < 40; index++) await addComment(live.store, customerId, `during ${index}`);
    })();
    await writing;
    const expected = (await visibleEventsOf(live.store, [customerId], 20 + 40, after)).map((event) => event.position);
    expect(expected.length).toBe(20 + 40);
    await client.waitForCount(expected.length);
    await client.waitForCaughtUp();
    // One more event proves nothing else was still on its way (a late duplicate would precede it).
    const sentinel = await addComment(live.store, customerId, 'sentinel');
    await client.waitForCount(expected.length + 1);
    expect(positionsOf(client.received)).toEqual([...expected, sentinel.position]);
  });

  it('caughtUp comes after the replayed payloads it follows (no notice overtakes pending activity)', async () => {
    const customerId = newCustomerId();
    const createdEvent = await createCustomer(live.store, customerId);
    for (let index = 0; index < 12; index++) await addComment(live.store, customerId, `history ${index}`);
    const history = (await visibleEventsOf(live.store, [customerId], 12, createdEvent.position)).map((event) => event.position);
    for (const batch of [false, true]) {
      const client = await connect();
      expect(await client.subscribe({ customerId, after: createdEvent.position, batch })).toMatchObject({ ok: true });
      await client.waitForCaughtUp();
      await client.waitForCount(history.length);
      const caughtUpAt = client.log.findIndex((line) => line.startsWith('caughtUp '));
      expect(caughtUpAt).toBeGreaterThan(0);
      expect(positionsOf(client.received)).toEqual(history);
      const beforeCaughtUp = client.log.slice(0, caughtUpAt).flatMap((line) => line.replace(/^(activity|batch) /, '').split(','));
      expect(beforeCaughtUp).toEqual(history);
    }
  });

  it('batch: true delivers the same payloads in the same order as `activity:batch` arrays; other clients still get `activity`', async () => {
    const classic = await connect();
    const batched = await connect();
    expect(await classic.subscribe({})).toEqual({ ok: true, customerId: null, after: null });
    expect(await batched.subscribe({ batch: true })).toEqual({ ok: true, customerId: null, after: null });
    await classic.waitForCaughtUp();
    await batched.waitForCaughtUp();
    const customerId = newCustomerId();
    await createCustomer(live.store, customerId);
    const burst = 50;
    await live.store.append(`customer-${customerId}`, Array.from({ length: burst }, (_, index) => commentEvent(customerId, `burst ${index}`)));
    const expected = await classic.waitForCustomers([customerId], 1 + burst);
    await batched.waitForCustomers([customerId], 1 + burst);
    expect(batched.received).toEqual(classic.received);
    expect(classic.batches).toEqual([]);
    expect(batched.log.filter((line) => line.startsWith('activity '))).toEqual([]);
    expectAscending(batched.received);
    expect(positionsOf(expected)).toEqual((await visibleEventsOf(live.store, [customerId], 1 + burst)).map((event) => event.position));
    // The 50 events of one append reach the client in fewer packets than events.
    expect(batched.batches.length).toBeLessThan(1 + burst);
    expect(await batched.subscribe({ batch: 'yes' } as never)).toMatchObject({ ok: false, error: { status: 400 } });
  });

  it('two subscriptions of one socket that both match an event each deliver it, as before', async () => {
    const customerId = newCustomerId();
    const client = await connect();
    await client.subscribe({});
    await client.subscribe({ customerId });
    await client.waitForCaughtUp(2);
    await createCustomer(live.store, customerId);
    const commented = await addComment(live.store, customerId, 'seen twice');
    await client.waitForCustomers([customerId], 4);
    expect(positionsOf(client.received.filter((item) => item.customerId === customerId)).filter((position) => position === commented.position)).toHaveLength(2);
  });

  it('a client that disconnects and resubscribes with its last position receives exactly what it missed', async () => {
    const customerId = newCustomerId();
    const createdEvent = await createCustomer(live.store, customerId);
    const first = await connect();
    await first.subscribe({ after: createdEvent.position });
    await first.waitForCaughtUp();
    for (let index = 0; index < 5; index++) await addComment(live.store, customerId, `seen ${index}`);
    const seen = await first.waitForCustomers([customerId], 5);
    const lastSeen = seen[seen.length - 1].position;
    first.close();

    for (let index = 0; index < 25; index++) await addComment(live.store, customerId, `missed ${index}`);
    const other = newCustomerId();
    await createCustomer(live.store, other);

    const second = await connect();
    expect(await second.subscribe({ after: lastSeen })).toMatchObject({ ok: true, after: lastSeen });
    const expectedMissed = await visibleEventsOf(live.store, [customerId, other], 26, lastSeen);
    expect(expectedMissed).toHaveLength(26);
    await second.waitForCount(expectedMissed.length);
    await second.waitForCaughtUp();
    const liveAgain = await addComment(live.store, customerId, 'live again');
    await second.waitForCount(expectedMissed.length + 1);
    const mine = second.received.filter((item) => item.customerId === customerId || item.customerId === other);
    expect(positionsOf(mine)).toEqual([...positionsOf(expectedMissed), liveAgain.position]);
    expect(positionsOf(first.received).filter((position) => positionsOf(mine).includes(position))).toEqual([]);
  });

  it('unsubscribe stops the delivery; a bad request is answered with a problem', async () => {
    const quiet = newCustomerId();
    const loud = newCustomerId();
    const quietCreated = await createCustomer(live.store, quiet);
    const loudCreated = await createCustomer(live.store, loud);
    const client = await connect();
    await client.subscribe({ customerId: quiet, after: quietCreated.position });
    await client.subscribe({ customerId: loud, after: loudCreated.position });
    await client.waitForCaughtUp(2);
    expect(await client.unsubscribe({ customerId: quiet })).toEqual({ ok: true, customerId: quiet, unsubscribed: true });
    await addComment(live.store, quiet, 'nobody listens');
    const heard = await addComment(live.store, loud, 'heard');
    await client.waitForCount(1);
    expect(positionsOf(client.received)).toEqual([heard.position]);

    expect(await client.subscribe({ customerId: -3 } as never)).toMatchObject({ ok: false, error: { status: 400 } });
    expect(await client.subscribe({ after: 'garbage' })).toMatchObject({ ok: false, error: { status: 400 } });
    expect(await client.subscribe({ colour: 'red' } as never)).toMatchObject({ ok: false, error: { status: 400 } });
  });

  it('bounds memory for a client that stops reading, then delivers everything exactly once when it reads again', async () => {
    const gateway = live.app.get(ActivityGateway);
    const limits = { ...LIVE_LIMITS };
    Object.assign(LIVE_LIMITS, { maxQueue: 100, socketHighWaterMark: 16, pageSize: 50 });
    try {
      const customerId = newCustomerId();
      const createdEvent = await createCustomer(live.store, customerId);
      const client = await connect();
      await client.subscribe({ customerId, after: createdEvent.position });
      await client.waitForCaughtUp();
      const [subscription] = gateway.subscriptionsOf(client.socket.id!);
      const conn = gateway.connectionOf(client.socket.id!)!;
      const transport = (conn as unknown as { transport: { writable: boolean } }).transport;
      const writeBuffer = () => (conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;

      // The client stops taking data: engine.io's transport stays busy, as when the peer does not read.
      transport.writable = false;
      const total = 600;
      for (let batch = 0; batch < total / 50; batch++) {
        await live.store.append(`customer-${customerId}`, Array.from({ length: 50 }, (_, index) => commentEvent(customerId, `burst ${batch}.${index}`)));
      }
      await eventually(() => subscription.overflows > 0, 'the live queue to overflow into a store replay');
      // Nothing grew past its bound: the socket's buffer stopped at the high-water mark, the queue at maxQueue.
      expect(writeBuffer()).toBeLessThanOrEqual(LIVE_LIMITS.socketHighWaterMark);
      expect(subscription.peakQueue).toBeLessThanOrEqual(LIVE_LIMITS.maxQueue + 1);
      expect(subscription.queued).toBeLessThanOrEqual(LIVE_LIMITS.maxQueue);

      // The client reads again.
      transport.writable = true;
      (conn as unknown as { flush(): void }).flush();
      await client.waitForCount(total, 60_000);
      await client.waitForCaughtUp(2);
      const sentinel = await addComment(live.store, customerId, 'sentinel');
      await client.waitForCount(total + 1);
      const expected = (await visibleEventsOf(live.store, [customerId], total + 2)).slice(1).map((event) => event.position);
      expect(expected).toHaveLength(total + 1);
      expect(positionsOf(client.received)).toEqual(expected);
      expect(expected[expected.length - 1]).toBe(sentinel.position);
    } finally {
      Object.assign(LIVE_LIMITS, limits);
    }
  }, 90_000);
});

describe('partner scoping on /activity', () => {
  const actors: Record<string, SocketActor> = {
    everyone: { id: 'a-1', name: 'All Partners', role: 'super-administrator', partnerIds: [] },
    partner1: { id: 'a-2', name: 'Partner One Admin', role: 'manager', partnerIds: [1] },
    partner2: { id: 'a-3', name: 'Partner Two Admin', role: 'manager', partnerIds: [2] },
  };
  const authenticator: SocketAuthenticator = {
    async authenticate(handshake: SocketHandshake) {
      return actors[String(handshake.auth?.token)] ?? null;
    },
  };
  let live: LiveApp;
  const clients: ActivityClient[] = [];

  beforeAll(async () => {
    live = await startLiveApp({ authenticator });
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    await live?.close();
  });

  it("an admin of partner 1 never receives an event of partner 2's customers, live or replayed", async () => {
    const start = await live.store.headPosition();
    const ours = newCustomerId();
    const theirs = newCustomerId();
    await createCustomer(live.store, ours, 1);
    await createCustomer(live.store, theirs, 2);

    const scoped = await connectActivity(live.url, 'partner1');
    const scopedBatch = await connectActivity(live.url, 'partner1');
    const everyone = await connectActivity(live.url, 'everyone');
    clients.push(scoped, scopedBatch, everyone);
    expect(await scoped.subscribe({ customerId: theirs })).toMatchObject({ ok: false, error: { status: 404 } });
    await scoped.subscribe({ after: start ?? undefined });
    await scopedBatch.subscribe({ after: start ?? undefined, batch: true });
    await everyone.subscribe({ after: start ?? undefined });
    await scoped.waitForCaughtUp();
    await scopedBatch.waitForCaughtUp();
    await everyone.waitForCaughtUp();
    await addComment(live.store, theirs, 'partner 2 business');
    const last = await addComment(live.store, ours, 'partner 1 business');
    await everyone.waitForCount(4);
    await scoped.waitForCount(2);
    await scopedBatch.waitForCount(2);
    const seen = (client: ActivityClient) => client.received.filter((item: ActivityPayload) => [ours, theirs].includes(item.customerId)).map((item) => item.customerId);
    expect(seen(everyone)).toEqual([ours, theirs, theirs, ours]);
    expect(seen(scoped)).toEqual([ours, ours]);
    expect(seen(scopedBatch)).toEqual([ours, ours]);
    expect(scopedBatch.received[scopedBatch.received.length - 1].position).toBe(last.position);
    expect(scoped.received[scoped.received.length - 1].position).toBe(last.position);
  });

  it('follows a customer moved between partners: from the move on, the new partner sees it and the old one does not', async () => {
    const moved = newCustomerId();
    const stays = newCustomerId();
    const createdEvent = await createCustomer(live.store, moved, 2);
    await createCustomer(live.store, stays, 2);
    const newPartner = await connectActivity(live.url, 'partner1');
    const oldPartner = await connectActivity(live.url, 'partner2');
    const oldPartnerBatch = await connectActivity(live.url, 'partner2');
    clients.push(newPartner, oldPartner, oldPartnerBatch);
    await newPartner.subscribe({ after: createdEvent.position });
    await oldPartner.subscribe({ after: createdEvent.position });
    await oldPartnerBatch.subscribe({ after: createdEvent.position, batch: true });
    await newPartner.waitForCaughtUp();
    await oldPartner.waitForCaughtUp();
    await oldPartnerBatch.waitForCaughtUp();
    await addComment(live.store, moved, 'still partner 2');
    await live.store.append(`customer-${moved}`, [
      {
        type: 'CustomerMainInfoChanged',
        data: { customerId: moved, at: new Date().toISOString(), changes: [{ field: 'partnerId', from: 2, to: 1 }] },
        metadata: { actor: { id: 'a-1', name: 'All Partners', role: 'super-administrator' } },
      },
    ]);
    const after = await addComment(live.store, moved, 'now partner 1');
    const sentinel = await addComment(live.store, stays, 'partner 2 sentinel');

    const seenByNew = await eventually(() => {
      const mine = newPartner.received.filter((item) => item.customerId === moved);
      return mine.length > 0 && mine[mine.length - 1].position === after.position && mine;
    }, 'the new partner to receive the comment after the move');
    // The customer's current partner decides, so the comment from before the move may or may not be shown.
    expect(seenByNew.slice(-2).map((item) => item.type)).toEqual(['CustomerMainInfoChanged', 'CustomerCommentAdded']);
    expect(seenByNew.slice(-2)[0].summary).toContain('Partner changed from 2 to 1');
    expect(newPartner.received.some((item) => item.customerId === stays)).toBe(false);

    await eventually(() => oldPartner.received.some((item) => item.position === sentinel.position), 'the old partner to receive the sentinel');
    expect(oldPartner.received[oldPartner.received.length - 1].position).toBe(sentinel.position);
    expect(oldPartner.received.filter((item) => item.customerId === moved && item.position >= seenByNew.slice(-2)[0].position)).toEqual([]);
    await eventually(() => oldPartnerBatch.received.some((item) => item.position === sentinel.position), 'the old partner (batch) to receive the sentinel');
    expect(oldPartnerBatch.received.filter((item) => item.customerId === moved && item.position >= seenByNew.slice(-2)[0].position)).toEqual([]);
  });
});
