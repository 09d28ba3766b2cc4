/**
 * Two app instances on one database: each follows the event store itself, so a write through one
 * reaches Socket.IO clients of the other without any broker. Needs the real PostgreSQL server
 * (DATABASE_URL): an in-memory PGlite cannot be shared by two instances.
 */
import request from 'supertest';
import { postgresUrl } from '../support/test-databases.js';
import { connectActivity, startLiveApp, type ActivityClient, type LiveApp } from './live-feed-support.js';

const API = '/api/v1';
const describeOnPostgres = postgresUrl ? describe : describe.skip;

describeOnPostgres('live activity with two app instances on one database', () => {
  let writer: LiveApp;
  let reader: LiveApp;
  let token: string;
  const clients: ActivityClient[] = [];
  const post = (path: string, body: object) =>
    request(writer.app.getHttpServer()).post(API + path).set('Authorization', `Bearer ${token}`).send(body);

  beforeAll(async () => {
    writer = await startLiveApp();
    reader = await startLiveApp({ databaseUrl: writer.databaseUrl });
    token = await writer.adminToken();
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await reader?.close();
    await writer?.close();
  });

  it('a customer created and edited through instance A reaches a client of instance B, in order', async () => {
    // The token was issued by A; B shares the database (sessions) and the signing secret.
    const client = await connectActivity(reader.url, token);
    clients.push(client);
    expect(await client.subscribe({})).toMatchObject({ ok: true });
    await client.waitForCaughtUp();

    const partner = await post('/partners', { name: 'North' }).expect(201);
    const location = await post('/locations', { name: 'Harbour' }).expect(201);
    const created = await post('/customers', { fullName: 'Ada Two-Instances', partnerId: partner.body.id, locationId: location.body.id }).expect(201);
    const customerId: number = created.body.id;
    const comment = await post(`/customers/${customerId}/comments`, { text: 'Written through A, read on B' }).expect(201);

    const received = await client.waitForCustomers([customerId], 2);
    expect(received.map((item) => item.type)).toEqual(['CustomerCreated', 'CustomerCommentAdded']);
    expect(received[0].position).toBe(created.body.position);
    expect(received[1].position).toBe(comment.body.position);
    expect(received[1].summary).toContain('Comment added');
  });

  it('a client resumes on the other instance with its last position and misses nothing', async () => {
    const partner = await post('/partners', { name: 'South' }).expect(201);
    const location = await post('/locations', { name: 'Hill' }).expect(201);
    const created = await post('/customers', { fullName: 'Bob Failover', partnerId: partner.body.id, locationId: location.body.id }).expect(201);
    const customerId: number = created.body.id;

    const onWriter = await connectActivity(writer.url, token);
    clients.push(onWriter);
    await onWriter.subscribe({ customerId, after: created.body.position });
    const first = await post(`/customers/${customerId}/comments`, { text: 'one' }).expect(201);
    await onWriter.waitForCustomers([customerId], 1);
    onWriter.close(); // instance A "goes away" for this client

    const missed = [];
    for (const text of ['two', 'three', 'four']) missed.push((await post(`/customers/${customerId}/comments`, { text }).expect(201)).body.position);

    const onReader = await connectActivity(reader.url, token);
    clients.push(onReader);
    await onReader.subscribe({ customerId, after: first.body.position });
    const resumed = await onReader.waitForCustomers([customerId], 3);
    await onReader.waitForCaughtUp();
    const liveAgain = await post(`/customers/${customerId}/comments`, { text: 'five' }).expect(201);
    const all = await onReader.waitForCustomers([customerId], 4);
    expect(resumed.slice(0, 3).map((item) => item.position)).toEqual(missed);
    expect(all.map((item) => item.position)).toEqual([...missed, liveAgain.body.position]);
  });
});
