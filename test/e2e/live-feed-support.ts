/** Shared by the live-* and feed-* e2e specs: apps with a chosen socket authenticator, clients, event builders, bounded waits. */
import { randomUUID } from 'node:crypto';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { IN_MEMORY, loadAppConfig, type AppConfig } from '../../src/config/app-config.js';
import { EVENT_STORE, type EventStore, type NewEvent, type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { configureHttpApp } from '../../src/http-app.js';
import type { ActivityPayload } from '../../src/live/activity-entry.js';
import { SOCKET_AUTHENTICATOR, type SocketAuthenticator } from '../../src/live/socket-authenticator.js';
import { ESDB_MODES, startEsdbFixture, type EsdbServerMode } from '../esdb/esdb-fixture.js';
import { createFreshPostgresDatabase, postgresUrl } from '../support/test-databases.js';
import { baseContext, created } from '../domain/fixtures.js';

export interface LiveApp {
  app: INestApplication;
  config: AppConfig;
  url: string;
  store: EventStore;
  databaseUrl?: string;
  /** An access token of the first super-administrator (POST /auth/login). */
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

/** Secrets shared by every instance of one test, so a token issued by one is valid on another. */
const SHARED_SECRETS = { JWT_SECRET: 'live-feed-e2e-jwt-secret-0123456789abcdef', ENCRYPTION_KEY: '0'.repeat(64) };

/** The event stores a live spec runs on: the default (PostgreSQL / PGlite), and EventStoreDB on the fixture in both server modes. */
export const liveEventStores: Array<{ name: string; esdb?: EsdbServerMode }> = [
  { name: 'the PostgreSQL event store' },
  ...ESDB_MODES.map((mode) => ({ name: `EventStoreDB (fixture, ${mode})`, esdb: mode })),
];

/**
 * Boots the app as main.ts does (startTestApp's recipe), optionally with the socket authenticator
 * replaced. `databaseUrl`: join another instance's database (the real server only). `esdb`: events in
 * EventStoreDB, on a fresh in-process fixture in that server mode (EVENTSTORE_CONNECTION_STRING).
 */
export async function startLiveApp(
  options: { databaseUrl?: string; authenticator?: SocketAuthenticator; esdb?: EsdbServerMode } = {},
): Promise<LiveApp> {
  const fresh = options.databaseUrl || !postgresUrl ? undefined : await createFreshPostgresDatabase();
  const databaseUrl = options.databaseUrl ?? fresh?.url;
  const esdb = options.esdb ? await startEsdbFixture({ mode: options.esdb, systemEventEvery: 5 }) : undefined;
  const config = loadAppConfig(
    {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent',
      ...SHARED_SECRETS,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...(esdb ? { EVENTSTORE_CONNECTION_STRING: esdb.connectionString } : {}),
    },
    { dataDir: IN_MEMORY, port: 0 },
  );
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (options.authenticator) builder = builder.overrideProvider(SOCKET_AUTHENTICATOR).useValue(options.authenticator);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, bufferLogs: true });
  configureHttpApp(app, config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let token: Promise<string> | undefined;
  return {
    app,
    config,
    url,
    store: app.get<EventStore>(EVENT_STORE),
    databaseUrl,
    adminToken: () =>
      (token ??= request(app.getHttpServer())
        .post('/api/v1/auth/login')
        .send({ email: config.adminEmail, password: config.adminPassword })
        .then((response) => {
          const value = response.body?.accessToken;
          if (response.status !== 200 || typeof value !== 'string') throw new Error(`login answered ${response.status}: ${JSON.stringify(response.body)}`);
          return value;
        })),
    async close() {
      await app.close();
      await esdb?.stop();
      await fresh?.drop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bounded waits (no sleeps as synchronisation)

/**
 * How long a live payload may take. On PostgreSQL an event is delivered once every older transaction
 * on the server has ended, and with two jest workers another file's long transaction can hold it back
 * for many seconds (seen: more than 15 s on the loaded machine). Below jest's 60 s test timeout.
 */
export const LIVE_WAIT_MS = 40_000;

/** Resolves when `check` returns a value other than undefined/false; polls, bounded by `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = LIVE_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------------------------------------
// Socket.IO client

export interface ActivityClient {
  socket: Socket;
  /** Every payload in arrival order, whether it came as `activity` or inside an `activity:batch`. */
  received: ActivityPayload[];
  /** The `activity:batch` packets (subscriptions with `batch: true`). */
  batches: ActivityPayload[][];
  /** What arrived, in order: `activity <position>`, `batch <positions>`, `caughtUp <position>`. */
  log: string[];
  caughtUp: { customerId: number | null; position: string | null }[];
  subscribe(payload?: { customerId?: number; after?: string; batch?: boolean }): Promise<Record<string, any>>;
  unsubscribe(payload?: { customerId?: number }): Promise<Record<string, any>>;
  /** Waits until `count` activity payloads have arrived in total. */
  waitForCount(count: number, timeoutMs?: number): Promise<ActivityPayload[]>;
  /** Waits until `count` payloads of these customers have arrived; returns them. */
  waitForCustomers(customerIds: readonly number[], count: number, timeoutMs?: number): Promise<ActivityPayload[]>;
  waitForCaughtUp(count?: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function connectActivity(url: string, token: string | undefined, timeoutMs = 10_000): Promise<ActivityClient> {
  const socket = io(`${url}/activity`, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const received: ActivityPayload[] = [];
  const batches: ActivityPayload[][] = [];
  const log: string[] = [];
  const caughtUp: ActivityClient['caughtUp'] = [];
  socket.on('activity', (payload: ActivityPayload) => {
    received.push(payload);
    log.push(`activity ${payload.position}`);
  });
  socket.on('activity:batch', (payloads: ActivityPayload[]) => {
    batches.push(payloads);
    received.push(...payloads);
    log.push(`batch ${payloads.map((payload) => payload.position).join(',')}`);
  });
  socket.on('caughtUp', (notice: ActivityClient['caughtUp'][number]) => {
    caughtUp.push(notice);
    log.push(`caughtUp ${notice.position}`);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connect timed out')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
  return {
    socket,
    received,
    batches,
    log,
    caughtUp,
    subscribe: (payload = {}) => socket.timeout(timeoutMs).emitWithAck('subscribe', payload),
    unsubscribe: (payload = {}) => socket.timeout(timeoutMs).emitWithAck('unsubscribe', payload),
    waitForCount: (count, wait = LIVE_WAIT_MS) => eventually(() => received.length >= count && received, `${count} activity payloads (have ${received.length})`, wait),
    waitForCustomers: (customerIds, count, wait = LIVE_WAIT_MS) =>
      eventually(() => {
        const mine = received.filter((item) => customerIds.includes(item.customerId));
        return mine.length >= count && mine;
      }, `${count} activity payloads of customers ${customerIds.join(', ')}`, wait),
    waitForCaughtUp: async (count = 1, wait = LIVE_WAIT_MS) => {
      await eventually(() => caughtUp.length >= count, `caughtUp #${count}`, wait);
    },
    close: () => socket.close(),
  };
}

/** Rejects with the connect_error a refused handshake produces. */
export function connectError(url: string, auth: Record<string, unknown>, timeoutMs = 10_000): Promise<Error & { data?: any }> {
  const socket = io(`${url}/activity`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connect_error')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error('connected although it should not'));
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      resolve(error as Error & { data?: any });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Events

let nextCustomerId = 1_000 + Math.floor(Math.random() * 1_000_000) * 10;

/** A fresh customer id, unique within the test run. */
export function newCustomerId(): number {
  return nextCustomerId++;
}

const ACTOR = { id: 'admin-e2e', name: 'E2E Admin', role: 'super-administrator' };

/** Appends a CustomerCreated (as the decider makes it) for a new customer of `partnerId`. */
export async function createCustomer(store: EventStore, customerId: number, partnerId = 1): Promise<RecordedEvent> {
  const event = created({ partnerId, fullName: `Customer ${customerId}` }, {
    knownPartnerIds: [partnerId],
    creation: { ...baseContext().creation!, customerId, login: `c${customerId}`, accountNumber: String(4_000_000_000 + customerId) },
  });
  await store.append(`customer-${customerId}`, [{ id: randomUUID(), type: event.type, data: event.data as unknown as Record<string, unknown>, metadata: { actor: ACTOR, ip: '10.0.0.9', userAgent: 'e2e' } }], 'no_stream');
  return lastOf(store, customerId);
}

export function commentEvent(customerId: number, text: string): NewEvent {
  return {
    id: randomUUID(),
    type: 'CustomerCommentAdded',
    data: { customerId, at: new Date().toISOString(), commentId: randomUUID(), text, type: 'comment', pinned: false, author: { id: ACTOR.id, name: ACTOR.name } },
    metadata: { actor: ACTOR, occurredAt: new Date().toISOString() },
  };
}

export function paymentEvent(customerId: number, amount: number, balanceFrom: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'PaymentRecorded',
    schemaVersion: 1,
    data: {
      customerId,
      at: new Date().toISOString(),
      paymentId: randomUUID(),
      amount,
      method: 'cash',
      reference: null,
      note: null,
      changes: [{ field: 'balance', from: balanceFrom, to: balanceFrom + amount }],
    },
    metadata: { actor: ACTOR, occurredAt: new Date().toISOString() },
  };
}

export async function addComment(store: EventStore, customerId: number, text: string): Promise<RecordedEvent> {
  await store.append(`customer-${customerId}`, [commentEvent(customerId, text)]);
  return lastOf(store, customerId);
}

async function lastOf(store: EventStore, customerId: number): Promise<RecordedEvent> {
  const [event] = await store.readStream(`customer-${customerId}`, { direction: 'backwards', maxCount: 1 });
  return event;
}

/**
 * Every event of these customers' streams that readers can see, in position order, once `count`
 * are visible (an append is visible to readAll only when every older transaction has ended).
 */
export async function visibleEventsOf(store: EventStore, customerIds: readonly number[], count: number, after?: string): Promise<RecordedEvent[]> {
  return eventually(async () => {
    const events = await storedEventsOf(store, customerIds, after);
    return events.length >= count && events;
  }, `${count} visible events of customers ${customerIds.join(', ')}`);
}

/** Every event of these customers' streams in the store, in position order. */
export async function storedEventsOf(store: EventStore, customerIds: readonly number[], after?: string): Promise<RecordedEvent[]> {
  const streams = new Set(customerIds.map((id) => `customer-${id}`));
  const events: RecordedEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.readAll({ after: cursor, maxCount: 1000, filter: { streamPrefixes: ['customer-'] } });
    events.push(...page.filter((event) => streams.has(event.streamId)));
    if (page.length < 1000) return events;
    cursor = page[page.length - 1].position;
  }
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events client (fetch + eventsource-parser)

export interface SseClient {
  status: number;
  headers: Headers;
  /** The problem document when the status is not 200. */
  problem?: Record<string, any>;
  messages: EventSourceMessage[];
  comments: string[];
  retry?: number;
  /** Resolves when the stream ends: closed by the server (true) or by close() (false). */
  ended: Promise<boolean>;
  waitForMessages(count: number, timeoutMs?: number): Promise<EventSourceMessage[]>;
  close(): void;
}

export async function openSse(baseUrl: string, options: { token?: string; lastEventId?: string; query?: Record<string, string> } = {}): Promise<SseClient> {
  const url = new URL('/api/v1/events/stream', baseUrl);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.lastEventId) headers['Last-Event-ID'] = options.lastEventId;
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const messages: EventSourceMessage[] = [];
  const comments: string[] = [];
  const client: SseClient = {
    status: response.status,
    headers: response.headers,
    messages,
    comments,
    ended: Promise.resolve(true),
    waitForMessages: (count, wait = LIVE_WAIT_MS) => eventually(() => messages.length >= count && messages, `${count} SSE messages (have ${messages.length})`, wait),
    close: () => controller.abort(),
  };
  if (response.status !== 200) {
    client.problem = await response.json().catch(() => undefined);
    return client;
  }
  const parser = createParser({
    onEvent: (message) => messages.push(message),
    onComment: (comment) => comments.push(comment),
    onRetry: (retry) => (client.retry = retry),
  });
  client.ended = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
      return true;
    } catch (error) {
      if (controller.signal.aborted) return false;
      throw error;
    }
  })();
  client.ended.catch(() => undefined);
  return client;
}
