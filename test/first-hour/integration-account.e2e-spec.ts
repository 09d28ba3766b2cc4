import request from 'supertest';
import { openSse, type SseClient } from '../e2e/live-feed-support.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { bashBlockUnder, runBash } from './doc-blocks.js';

/** The consumer's guide: the built-in integration role, its account as documented, roles with descriptions, stream tickets. */
describe('downstream set-up: integration role, its account, stream tickets for EventSource', () => {
  let testApp: TestApp;
  const streams: SseClient[] = [];
  const http = () => request(testApp.app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });
  afterAll(async () => {
    await testApp?.close();
  });

  async function integrationAdmin(email: string, partnerIds: number[] = []): Promise<string> {
    await testApp.agent.post('/api/v1/admins').send({ email, name: email, role: 'integration', partnerIds, password: 'integration-password-1' }).expect(201);
    return (await testApp.login(email, 'integration-password-1')).accessToken;
  }

  async function customerOn(partnerName: string): Promise<{ id: number; partnerId: number }> {
    const partner = await testApp.agent.post('/api/v1/partners').send({ name: partnerName }).expect(201);
    const location = await testApp.agent.post('/api/v1/locations').send({ name: `${partnerName} town` }).expect(201);
    const customer = await testApp.agent.post('/api/v1/customers').send({ fullName: `${partnerName} customer`, partnerId: partner.body.id, locationId: location.body.id }).expect(201);
    return { id: customer.body.id, partnerId: partner.body.id };
  }

  async function ticketFor(token: string): Promise<string> {
    const answer = await http().post('/api/v1/feed/tickets').set(bearer(token)).expect(201);
    expect(answer.body).toMatchObject({ ticket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), streamUrl: `/api/v1/events/stream?ticket=${answer.body.ticket}` });
    expect(Date.parse(answer.body.expiresAt) - Date.now()).toBeLessThanOrEqual(30_000);
    return answer.body.ticket;
  }

  async function stream(query: Record<string, string>): Promise<SseClient> {
    const client = await openSse(testApp.url, { query });
    streams.push(client);
    return client;
  }

  it('has a built-in read-only integration role with feed.read and customers.read, described', async () => {
    const role = await testApp.agent.get('/api/v1/roles/integration').expect(200);
    expect(role.body).toMatchObject({ name: 'integration', builtIn: true, permissions: ['customers.read', 'feed.read'], description: expect.stringContaining('changes nothing') });
    const all = await testApp.agent.get('/api/v1/roles').expect(200);
    for (const item of all.body.items) expect(typeof item.description).toBe('string');
  });

  it('docs/billing-consumer.md: the commands create the account as written; it reads the feed and cannot write', async () => {
    const run = await runBash(bashBlockUnder('docs/billing-consumer.md', "The consumer's account"), { BASE: testApp.url });
    expect(run).toMatchObject({ status: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ name: 'integration', permissions: ['customers.read', 'feed.read'] });
    expect(JSON.parse(lines[1])).toMatchObject({ email: 'billing@example.com', role: 'integration', active: true });
    expect(lines[2]).toMatch(/^CHRONICLE_EMAIL=billing@example.com CHRONICLE_PASSWORD=\S{20,}$/);
    expect(lines.slice(3)).toEqual(['200', '403']);
  }, 40_000);

  it('accepts a description on custom roles (define, change, clear); a too long one is refused naming the field', async () => {
    const defined = await testApp.agent
      .post('/api/v1/roles')
      .send({ name: 'auditor', label: 'Auditor', description: 'Reads histories for the yearly audit', permissions: ['customers.read', 'audit.read'] })
      .expect(201);
    expect(defined.body).toMatchObject({ name: 'auditor', description: 'Reads histories for the yearly audit' });
    const changed = await testApp.agent.patch('/api/v1/roles/auditor').send({ description: 'Reads histories' }).expect(200);
    expect(changed.body.description).toBe('Reads histories');
    expect((await testApp.agent.get('/api/v1/roles/auditor').expect(200)).body.description).toBe('Reads histories');
    await testApp.agent.patch('/api/v1/roles/auditor').send({ description: null }).expect(200);
    expect((await testApp.agent.get('/api/v1/roles/auditor').expect(200)).body.description).toBe('');
    const tooLong = await testApp.agent.post('/api/v1/roles').send({ name: 'verbose', description: 'x'.repeat(501), permissions: [] }).expect(422);
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ field: 'description', rule: 'maxLength' })]);
    await testApp.agent.get('/api/v1/roles/verbose').expect(404);
  });

  it('a stream ticket opens the SSE stream without an Authorization header, once; a second use, a forged one and other endpoints are refused', async () => {
    await customerOn('Ticket ISP');
    const token = await integrationAdmin('tickets@isp.example');
    const ticket = await ticketFor(token);
    const opened = await stream({ ticket });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toContain('text/event-stream');
    await opened.waitForMessages(1);
    const again = await stream({ ticket });
    expect(again.status).toBe(401);
    expect(again.problem).toMatchObject({ rule: 'auth.invalid_stream_ticket' });
    const forged = await stream({ ticket: 'A'.repeat(43) });
    expect(forged.problem).toMatchObject({ rule: 'auth.invalid_stream_ticket' });
    // Only the stream takes tickets: the JSON pages still need the header.
    const other = await ticketFor(token);
    expect((await http().get(`/api/v1/events?ticket=${other}`).expect(401)).body.rule).toBe('auth.missing_token');
    expect((await stream({ ticket: other })).status).toBe(200); // …and that ticket was not spent by the refused request
  });

  it('needs feed.read to get a ticket, and a ticket of an ended session is refused', async () => {
    await testApp.agent.post('/api/v1/admins').send({ email: 'creator@isp.example', name: 'Creator', role: 'customer-creator', password: 'creator-password-1' }).expect(201);
    const creator = (await testApp.login('creator@isp.example', 'creator-password-1')).accessToken;
    await http().post('/api/v1/feed/tickets').set(bearer(creator)).expect(403);
    const token = await integrationAdmin('ended@isp.example');
    const ticket = await ticketFor(token);
    await http().post('/api/v1/auth/logout').set(bearer(token)).expect((response) => expect(response.status).toBeLessThan(300));
    const refused = await stream({ ticket });
    expect(refused.status).toBe(401);
  });

  it("keeps the asking admin's partner scope: a partner-limited ticket streams only that partner's customers", async () => {
    const other = await customerOn('Other ISP');
    const own = await customerOn('Own ISP');
    const token = await integrationAdmin('scoped@isp.example', [own.partnerId]);
    const client = await stream({ ticket: await ticketFor(token), types: 'CustomerCreated' });
    expect(client.status).toBe(200);
    // Global order: the other partner's customer was created first, so it would arrive before ours.
    const messages = await client.waitForMessages(1);
    const streamIds = messages.map((message) => JSON.parse(message.data).streamId);
    expect(streamIds[0]).toBe(`customer-${own.id}`);
    expect(streamIds).not.toContain(`customer-${other.id}`);
  });
});
