/** Shared by the customers-* and reference-data-* e2e specs: one app per file, helpers to write and to check the streams. */
import { sql } from 'kysely';
import request from 'supertest';
import type { Test } from 'supertest';
import { DATABASE } from '../../src/database/database.module.js';
import type { Database } from '../../src/database/database.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

export const API = '/api/v1';

export interface Harness {
  testApp: TestApp;
  store: EventStore;
  /** Events committed in the whole store (counted in the table, so a reader's visibility lag cannot hide one). */
  eventCount(): Promise<number>;
  /** Headers every request carries (a bearer token once auth is enabled). */
  headers: Record<string, string>;
  get(path: string): Test;
  post(path: string, body?: object, headers?: Record<string, string>): Test;
  patch(path: string, body?: object, headers?: Record<string, string>): Test;
  put(path: string, body?: unknown, headers?: Record<string, string>): Test;
  del(path: string, body?: object, headers?: Record<string, string>): Test;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const testApp = await startTestApp(process.env.E2E_LOG_LEVEL ? { env: { LOG_LEVEL: process.env.E2E_LOG_LEVEL } } : {});
  const server = testApp.app.getHttpServer();
  const store = testApp.app.get<EventStore>(EVENT_STORE);
  const headers: Record<string, string> = {};
  // Once the auth module is in, log in as the first super-administrator.
  const login = await request(server).post(`${API}/auth/login`).send({ email: testApp.config.adminEmail, password: testApp.config.adminPassword });
  const token = login.body?.accessToken ?? login.body?.token;
  if (login.status < 300 && typeof token === 'string') headers.Authorization = `Bearer ${token}`;
  const withHeaders = (test: Test, extra: Record<string, string> = {}) => test.set({ ...headers, ...extra });
  const database = testApp.app.get<Database>(DATABASE);
  return {
    testApp,
    store,
    eventCount: async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM es_events`.execute(database.db)).rows[0].n),
    headers,
    get: (path) => withHeaders(request(server).get(API + path)),
    post: (path, body, extra) => withHeaders(request(server).post(API + path), extra).send(body ?? {}),
    patch: (path, body, extra) => withHeaders(request(server).patch(API + path), extra).send(body ?? {}),
    put: (path, body, extra) => withHeaders(request(server).put(API + path), extra).send(body as object),
    del: (path, body, extra) => {
      const test = withHeaders(request(server).delete(API + path), extra);
      return body === undefined ? test : test.send(body);
    },
    close: () => testApp.close(),
  };
}

/** Every event of a stream ([] when it does not exist). */
export async function streamEvents(store: EventStore, streamId: string): Promise<RecordedEvent[]> {
  return store.readStream(streamId).catch((error: Error) => {
    if (error.name === 'StreamNotFoundError') return [];
    throw error;
  });
}

/**
 * Runs a refused request and checks nothing was appended: the given stream holds the same events
 * before and after (read through the EventStore), and no event was committed anywhere else either.
 * Returns the response.
 */
export async function expectNothingWritten(harness: Harness, streamId: string, send: () => Test | Promise<request.Response>): Promise<request.Response> {
  const countBefore = await harness.eventCount();
  const before = await streamEvents(harness.store, streamId);
  const response = await send();
  const after = await streamEvents(harness.store, streamId);
  expect(after.map((event) => event.id)).toEqual(before.map((event) => event.id));
  expect(await harness.eventCount()).toBe(countBefore);
  return response;
}

/** A problem document with the given status (and rule). */
export function expectProblem(response: request.Response, status: number, rule?: string): void {
  if (response.status !== status) throw new Error(`Expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body.status).toBe(status);
  if (rule !== undefined) expect(response.body.rule).toBe(rule);
}

/** The field errors of a 422 as "field:rule" strings. */
export function fieldRules(response: request.Response): string[] {
  return (response.body.errors ?? []).map((error: { field: string; rule: string }) => `${error.field}:${error.rule}`);
}

export const customerStream = (id: number): string => `customer-${id}`;

export interface Reference {
  partnerId: number;
  otherPartnerId: number;
  locationId: number;
  otherLocationId: number;
}

/** Two partners and two locations. */
export async function seedReferenceData(harness: Harness, suffix = ''): Promise<Reference> {
  const partner = await harness.post('/partners', { name: `Partner A${suffix}` }).expect(201);
  const otherPartner = await harness.post('/partners', { name: `Partner B${suffix}` }).expect(201);
  const location = await harness.post('/locations', { name: `Location A${suffix}` }).expect(201);
  const otherLocation = await harness.post('/locations', { name: `Location B${suffix}` }).expect(201);
  return { partnerId: partner.body.id, otherPartnerId: otherPartner.body.id, locationId: location.body.id, otherLocationId: otherLocation.body.id };
}

let counter = 0;
/** A unique login for this test file. */
export function uniqueLogin(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}.${Date.now().toString(36)}`;
}

/** Creates a customer (201) and returns the answer body. */
export async function createCustomer(harness: Harness, reference: Reference, body: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const response = await harness.post('/customers', { fullName: 'Jane Doe', partnerId: reference.partnerId, locationId: reference.locationId, ...body });
  if (response.status !== 201) throw new Error(`create failed ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Creates a customer and moves it to a status (new → active | blocked | inactive). */
export async function customerWithStatus(harness: Harness, reference: Reference, status: 'new' | 'active' | 'blocked' | 'inactive', body: Record<string, unknown> = {}) {
  const customer = await createCustomer(harness, reference, body);
  if (status === 'new') return customer;
  const response = await harness.post(`/customers/${customer.id}/status`, { status }).expect(200);
  return response.body as Record<string, any>;
}
