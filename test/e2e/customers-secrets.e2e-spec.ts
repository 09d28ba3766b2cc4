/**
 * No secret in the event store: a customer is created with a known PIN and portal password, the
 * PIN is changed by PATCH and the password reset, both are revealed (audited); then every raw
 * event the store holds (read through the EventStore itself, not the API) is scanned for the plain
 * strings, and none is found. The reveals still answer them: the store keeps them sealed.
 */
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { createCustomer, customerStream, seedReferenceData, startHarness, streamEvents, uniqueLogin, type Harness, type Reference } from './customers-e2e-support.js';

/**
 * Every event in the store, once readAll shows the given stream's events: on PostgreSQL the global
 * read only shows events below the server-wide snapshot horizon, which other databases' open
 * transactions (parallel test files) can hold back for a moment.
 */
async function allEventsIncluding(store: EventStore, streamId: string, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const wanted = (await streamEvents(store, streamId)).map((event) => event.id);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await store.readAll();
    const ids = new Set(all.map((event) => event.id));
    if (wanted.every((id) => ids.has(id))) return all;
    if (Date.now() > deadline) throw new Error(`readAll did not show the ${wanted.length} events of ${streamId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('secrets never stored in plain text', () => {
  let h: Harness;
  let ref: Reference;
  let store: EventStore;
  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
    store = h.testApp.app.get<EventStore>(EVENT_STORE);
    // Long PINs so that no id, position or time in the store could hold the digits by chance.
    await h.patch('/settings/customers', { pinLength: 12 }).expect(200);
  });
  afterAll(async () => {
    await h?.close();
  });

  const FIRST_PIN = '739146285017';
  const SECOND_PIN = '604918273562';
  const FIRST_PASSWORD = 'Plain-Secret-pass-7361';
  const SECOND_PASSWORD = 'Other-Secret-pass-9042';
  const SECRETS = [FIRST_PIN, SECOND_PIN, FIRST_PASSWORD, SECOND_PASSWORD];

  it('creates and patches with known secrets; the raw stored events hold none of them', async () => {
    const customer = await createCustomer(h, ref, { login: uniqueLogin('secret'), password: FIRST_PASSWORD, voip: { pin: FIRST_PIN, cps: 2 } });
    await h.patch(`/customers/${customer.id}`, { voip: { pin: SECOND_PIN, concurrentCalls: 3 }, fullName: 'Jane Secret' }).expect(200);
    await h.post(`/customers/${customer.id}/password/reset`, { password: SECOND_PASSWORD, reason: 'rotation' }).expect(200);

    // The reveals answer the current secrets, so they are in the store, sealed.
    expect((await h.post(`/customers/${customer.id}/pin/reveal`, { reason: 'check' }).expect(200)).body.pin).toBe(SECOND_PIN);
    expect((await h.post(`/customers/${customer.id}/password/reveal`, { reason: 'check' }).expect(200)).body.password).toBe(SECOND_PASSWORD);

    const stream = await streamEvents(store, customerStream(customer.id));
    expect(stream.map((event) => event.type)).toEqual([
      'CustomerCreated',
      'CustomerMainInfoChanged',
      'CustomerVoipSettingsChanged',
      'CustomerPasswordReset',
      'CustomerPinRevealed',
      'CustomerPasswordRevealed',
    ]);
    const [created, , voipChanged, passwordReset] = stream;
    expect((created.data.voip as Record<string, unknown>).pinCiphertext).toMatch(/^v2\./);
    expect(created.data.voip).not.toHaveProperty('pin');
    expect(voipChanged.data).toMatchObject({ changes: [{ field: 'voip.pin', from: '[redacted]', to: '[redacted]' }, { field: 'voip.concurrentCalls', from: 0, to: 3 }] });
    expect(voipChanged.data.pinCiphertext).toMatch(/^v2\./);
    expect(voipChanged.data).not.toHaveProperty('pin');
    expect(passwordReset.data.passwordCiphertext).toMatch(/^v2\./);

    const everything = await allEventsIncluding(store, customerStream(customer.id));
    expect(everything.length).toBeGreaterThan(stream.length);
    const raw = JSON.stringify(everything);
    for (const secret of SECRETS) expect({ secret, found: raw.includes(secret) }).toEqual({ secret, found: false });
  });

  it('a customer with a generated PIN: the PIN revealed is nowhere in the store', async () => {
    const customer = await createCustomer(h, ref);
    const pin = (await h.post(`/customers/${customer.id}/pin/reveal`, {}).expect(200)).body.pin as string;
    expect(pin).toMatch(/^\d{12}$/);
    const password = (await h.post(`/customers/${customer.id}/password/reveal`, {}).expect(200)).body.password as string;
    const raw = JSON.stringify(await allEventsIncluding(store, customerStream(customer.id)));
    expect(raw).toContain('CustomerPasswordRevealed');
    expect(raw.includes(pin)).toBe(false);
    expect(raw.includes(password)).toBe(false);
  });
});
