/**
 * Auditors' tamper evidence and export: a customer created and edited over HTTP verifies; an event
 * changed directly in es_events (as someone with database access could) is found at its revision;
 * the export answers the whole stream in order, with the chain links and without sealed secrets.
 */
import { sql } from 'kysely';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { createCustomer, customerStream, seedReferenceData, startHarness, streamEvents, uniqueLogin, type Harness, type Reference } from './customers-e2e-support.js';

const API = '/api/v1';

describe('audit: hash chain verify and history export', () => {
  let h: Harness;
  let ref: Reference;
  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  const agent = () => h.testApp.agent;

  async function editedCustomer(): Promise<number> {
    const customer = await createCustomer(h, ref, { login: uniqueLogin('audit'), password: 'Audit-Secret-pass-5521' });
    await h.patch(`/customers/${customer.id}`, { fullName: 'Jane Audited' }, { 'User-Agent': 'audit-e2e' }).expect(200);
    await h.post(`/customers/${customer.id}/comments`, { text: 'checked by audit' }, { 'User-Agent': 'audit-e2e' }).expect(201);
    return customer.id as number;
  }

  it('every event written through the API carries its chain link; verify answers verified', async () => {
    const id = await editedCustomer();
    const stored = await streamEvents(h.store, customerStream(id));
    expect(stored.length).toBeGreaterThanOrEqual(3);
    const links = stored.map((event) => event.metadata.chain as { prev: string | null; hash: string });
    expect(links[0].prev).toBeNull();
    for (let index = 1; index < links.length; index++) expect(links[index].prev).toBe(links[index - 1].hash);

    const verify = await agent().get(`${API}/customers/${id}/audit/verify`).expect(200);
    expect(verify.body).toEqual({ customerId: id, verified: true, events: stored.length, chained: stored.length, unchained: 0, headHash: links[links.length - 1].hash });
  });

  it('an event changed in the database is found at its revision', async () => {
    const id = await editedCustomer();
    const database = h.testApp.app.get<Database>(DATABASE);
    const updated = await sql`UPDATE es_events SET data = jsonb_set(data, '{changes,0,to}', '"Mallory"'::jsonb) WHERE stream_id = ${customerStream(id)} AND revision = 1`.execute(database.db);
    expect(Number(updated.numAffectedRows)).toBe(1);

    const verify = await agent().get(`${API}/customers/${id}/audit/verify`).expect(200);
    expect(verify.body).toMatchObject({ customerId: id, verified: false, firstBrokenRevision: 1, reasonCode: 'hash_mismatch' });
    expect(typeof verify.body.reason).toBe('string');
    // The export says so too.
    const exported = await agent().get(`${API}/customers/${id}/audit/export`).expect(200);
    expect(exported.body.verification).toMatchObject({ verified: false, firstBrokenRevision: 1 });
  });

  it('exports the whole stream in order, with the envelope and chain links, and no sealed secret (json and ndjson)', async () => {
    const id = await editedCustomer();
    const stored = await streamEvents(h.store, customerStream(id));

    const json = await agent().get(`${API}/customers/${id}/audit/export?format=json`).expect(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.headers['content-disposition']).toBe(`attachment; filename="customer-${id}-history.json"`);
    const body = json.body as { customerId: number; verification: { verified: boolean }; events: Record<string, any>[] };
    expect(body).toMatchObject({ customerId: id, streamId: customerStream(id), verification: { verified: true, events: stored.length } });
    expect(body.events.map((event) => [event.revision, event.type, event.id])).toEqual(stored.map((event) => [event.revision, event.type, event.id]));
    expect(body.events.map((event) => event.metadata.chain)).toEqual(stored.map((event) => event.metadata.chain));
    for (const event of body.events) {
      expect(event.metadata).toMatchObject({ actor: { id: expect.any(String), role: expect.any(String) }, correlationId: expect.any(String), ip: expect.any(String), occurredAt: expect.any(String) });
    }
    // The edit and the comment were sent with a User-Agent (supertest sends none by default).
    for (const event of body.events.slice(1)) expect(event.metadata.userAgent).toBe('audit-e2e');
    expect(JSON.stringify(stored)).toMatch(/v2\./); // the store holds them sealed …
    expect(json.text).not.toMatch(/"v[12]\.[^"]*"/); // … the export does not
    expect(json.text).not.toContain('Audit-Secret-pass-5521');
    expect(body.events[0].data.passwordCiphertext).toBe('[redacted]');

    const ndjson = await agent().get(`${API}/customers/${id}/audit/export?format=ndjson`).buffer(true).parse((response, done) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => done(null, text));
    }).expect(200);
    expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(ndjson.headers['content-disposition']).toBe(`attachment; filename="customer-${id}-history.ndjson"`);
    const lines = (ndjson.body as string).trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    expect(lines[0]).toMatchObject({ customerId: id, verification: { verified: true } });
    expect(lines.slice(1).map((event) => event.revision)).toEqual(stored.map((event) => event.revision));

    const csv = await agent().get(`${API}/customers/${id}/audit/export?format=csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    await agent().get(`${API}/customers/${id}/audit/export?format=xml`).expect(422); // validation problems are 422 in this API
  });

  it('an unknown customer is 404 on verify and export', async () => {
    await agent().get(`${API}/customers/987654/audit/verify`).expect(404);
    await agent().get(`${API}/customers/987654/audit/export`).expect(404);
  });
});
