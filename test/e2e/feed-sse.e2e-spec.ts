/** GET /api/v1/events/stream: Server-Sent Events with a real SSE parser (fetch + eventsource-parser). */
import { FeedService } from '../../src/feed/feed.service.js';
import { addComment, createCustomer, eventually, newCustomerId, openSse, paymentEvent, startLiveApp, visibleEventsOf, type LiveApp, type SseClient } from './live-feed-support.js';

describe('the event feed as Server-Sent Events', () => {
  let live: LiveApp;
  let token: string;
  const streams: SseClient[] = [];
  const open = async (options: Parameters<typeof openSse>[1] = {}) => {
    const client = await openSse(live.url, { token, ...options });
    streams.push(client);
    return client;
  };
  const oursOf = (client: SseClient, customerIds: number[]) =>
    client.messages.filter((message) => customerIds.some((id) => JSON.parse(message.data).streamId === `customer-${id}`));

  beforeAll(async () => {
    live = await startLiveApp();
    token = await live.adminToken();
  });
  afterEach(() => {
    for (const client of streams.splice(0)) client.close();
  });
  afterAll(async () => {
    await live?.close();
  });

  it('catches up after ?after=, then goes live: id is the position, event the type, data the envelope', async () => {
    const customerId = newCustomerId();
    const created = await createCustomer(live.store, customerId);
    await addComment(live.store, customerId, 'one');
    await addComment(live.store, customerId, 'two');
    const client = await open({ query: { after: created.position } });
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toContain('text/event-stream');
    expect(client.headers.get('cache-control')).toContain('no-cache');
    await client.waitForMessages(2);
    await live.store.append(`customer-${customerId}`, [paymentEvent(customerId, 9.99, 0)]);
    const messages = await client.waitForMessages(3);
    const stored = await visibleEventsOf(live.store, [customerId], 4);
    expect(messages.map((message) => [message.id, message.event])).toEqual(stored.slice(1).map((event) => [event.position, event.type]));
    const payment = JSON.parse(messages[2].data);
    expect(payment).toMatchObject({ id: stored[3].id, type: 'PaymentRecorded', schemaVersion: 2, position: stored[3].position, data: { amount: '9.99' } });
    expect(client.retry).toBe(2000);
  });

  it('resumes with Last-Event-ID after a disconnect: exactly the missed events, nothing doubled', async () => {
    const customerId = newCustomerId();
    const created = await createCustomer(live.store, customerId);
    const first = await open({ query: { after: created.position } });
    for (let index = 0; index < 5; index++) await addComment(live.store, customerId, `seen ${index}`);
    const seen = await first.waitForMessages(5);
    const lastEventId = seen[4].id!;
    first.close();
    expect(await first.ended).toBe(false);

    for (let index = 0; index < 20; index++) await addComment(live.store, customerId, `missed ${index}`);
    const resumed = await open({ lastEventId, query: { after: created.position } }); // the header wins over ?after=
    await resumed.waitForMessages(20);
    const liveAgain = await addComment(live.store, customerId, 'live again');
    await resumed.waitForMessages(21);
    const stored = await visibleEventsOf(live.store, [customerId], 27);
    expect(oursOf(resumed, [customerId]).map((message) => message.id)).toEqual(stored.slice(6).map((event) => event.position));
    expect(resumed.messages[resumed.messages.length - 1].id).toBe(liveAgain.position);
    const everyId = [...seen, ...resumed.messages].map((message) => JSON.parse(message.data).id);
    expect(new Set(everyId).size).toBe(everyId.length);
  });

  it('?after=end starts with new events only; types= filters', async () => {
    const customerId = newCustomerId();
    await createCustomer(live.store, customerId);
    await live.store.append(`customer-${customerId}`, [paymentEvent(customerId, 1, 0)]);
    // 'end' is the newest event readers can see: wait until that includes the payment above.
    await visibleEventsOf(live.store, [customerId], 2);
    const client = await open({ query: { after: 'end', types: 'PaymentRecorded' } });
    await eventually(() => client.comments.some((comment) => comment.startsWith('connected')), 'the stream to open');
    await addComment(live.store, customerId, 'filtered out');
    await live.store.append(`customer-${customerId}`, [paymentEvent(customerId, 2, 1)]);
    const [message] = await client.waitForMessages(1);
    expect(message.event).toBe('PaymentRecorded');
    expect(JSON.parse(message.data).data.amount).toBe('2.00');
  });

  it('sends heartbeat comments while idle', async () => {
    const client = await open({ query: { after: 'end', heartbeat: '1' } });
    await eventually(() => client.comments.some((comment) => comment.startsWith('heartbeat')), 'a heartbeat', 5_000);
    expect(client.messages).toEqual([]);
  });

  it('refuses a bad Last-Event-ID (400), an unknown type (422) and a missing token (401)', async () => {
    const bad = await openSse(live.url, { token, lastEventId: 'garbage' });
    expect(bad.status).toBe(400);
    expect(bad.problem).toMatchObject({ status: 400, rule: 'feed.invalid_position' });
    const unknown = await openSse(live.url, { token, query: { types: 'Nope' } });
    expect(unknown.status).toBe(422);
    const anonymous = await openSse(live.url, {});
    expect(anonymous.status).toBe(401);
  });

  it('releases the server side when the client goes away', async () => {
    const feed = live.app.get(FeedService);
    const before = feed.openStreams;
    const client = await open({ query: { after: 'end' } });
    await eventually(() => feed.openStreams === before + 1, 'the stream to be registered');
    client.close();
    await eventually(() => feed.openStreams === before, 'the stream to be released');
  });
});

describe('SSE and shutdown', () => {
  it('ends open streams cleanly when the app shuts down, and the shutdown does not wait on them', async () => {
    const live = await startLiveApp();
    const token = await live.adminToken();
    const client = await openSse(live.url, { token, query: { after: 'end' } });
    await eventually(() => client.comments.length > 0, 'the stream to open');
    const started = Date.now();
    await live.close();
    expect(await client.ended).toBe(true); // ended by the server, not aborted
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
