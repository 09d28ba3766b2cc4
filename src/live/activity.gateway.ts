import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  Ack,
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { problemType, statusTitle } from '../common/problem.js';
import { isKnownRule, RULE_CODES, type Rule } from '../common/rule-codes.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../event-store/event-store.port.js';
import { ACTIVITY_DESCRIBER, customerIdOfStream, sharedActivityPayloads, type ActivityPayload, type DescribeActivity } from './activity-entry.js';
import { ActivityOutbox } from './activity-outbox.js';
import { ActivitySubscription } from './activity-subscription.js';
import { CustomerPartnerDirectory } from './customer-partners.js';
import { EventTail } from './event-tail.js';
import { LIVE_ACTIVITY_PERMISSION, SOCKET_AUTHENTICATOR, type SocketActor, type SocketAuthenticator } from './socket-authenticator.js';
import { SocketFlow } from './socket-flow.js';

export const ACTIVITY_NAMESPACE = '/activity';

/** Limits of one connection; see ActivitySubscription for what they bound. */
export const LIVE_LIMITS = {
  subscriptionsPerSocket: 20,
  /** engine.io packets buffered for a socket before its subscriptions pause. */
  socketHighWaterMark: 64,
  /** Live events queued per subscription before it falls back to reading the store. */
  maxQueue: 1000,
  pageSize: 200,
  /** How often a connection's session is checked again (logout, deactivation, role change). */
  revalidateEveryMs: 60_000,
};

export interface ProblemAck {
  ok: false;
  error: { status: number; title: string; detail: string; rule: Rule };
}
export type SubscribeAck = { ok: true; customerId: number | null; after: string | null } | ProblemAck;
export type UnsubscribeAck = { ok: true; customerId: number | null; unsubscribed: boolean } | ProblemAck;

interface SocketState {
  actor: SocketActor;
  flow: SocketFlow;
  subscriptions: Map<string, ActivitySubscription>;
  recheck: NodeJS.Timeout;
}

/**
 * Socket.IO namespace /activity on the app's HTTP server.
 *
 * - Handshake: `auth: {token}` (or `Authorization: Bearer`), an access token whose role grants
 *   customers.read, verified by a namespace middleware registered in afterInit (Nest guards do not
 *   run on the handshake). Refused: connect_error with `data: {status: 401 | 403, type, title, detail, rule}`.
 * - `subscribe {customerId?, after?, batch?}` → ack `{ok: true, customerId, after}` or `{ok: false,
 *   error: {status, title, detail, rule}}` (rule codes as over HTTP: docs/rule-codes.md); then `activity` payloads (timeline entry + customerId) in
 *   position order: first every event after `after`, then live ones; `caughtUp {customerId,
 *   position}` marks the switch. Without `after`: live only. Without customerId: every customer the
 *   admin may see. Subscribing again with the same customerId (or none) replaces that subscription.
 *   `batch: true` (an addition; clients that do not ask get `activity` as before): the same payloads
 *   in the same order, but as `activity:batch` arrays, one per socket per turn of the server's
 *   event loop (a burst costs the client one packet instead of one per event).
 * - `unsubscribe {customerId?}` → ack `{ok, customerId, unsubscribed}`.
 * - `subscriptionError {customerId, position, detail, rule}`: a subscription ended on a store error;
 *   subscribe again with `after: position`.
 * - `unauthorized {status, title, detail, rule}` then a disconnect: the session ended (checked on every
 *   subscribe and every minute).
 * Partner scoping: an admin limited to some partners never receives an event of a customer whose
 * current partner is not one of them. Each subscription reads from the store (catch-up) and then
 * from this instance's EventTail (live), handing over by position: see ActivitySubscription.
 */
@WebSocketGateway({ namespace: ACTIVITY_NAMESPACE })
export class ActivityGateway implements OnGatewayInit<Namespace>, OnGatewayConnection<Socket>, OnGatewayDisconnect<Socket>, OnModuleDestroy {
  private readonly logger = new Logger('ActivityGateway');
  private readonly sockets = new Map<string, SocketState>();
  private namespace: Namespace | null = null;
  /** Payloads are encoded once per event for all sockets, not once per socket: see ActivityOutbox. */
  private readonly outbox = new ActivityOutbox((socketIds, event, data) => this.namespace?.to(socketIds).emit(event, data));
  private readonly payloadOf: (event: RecordedEvent) => ActivityPayload | null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(EventTail) private readonly tail: EventTail,
    @Inject(CustomerPartnerDirectory) private readonly partners: CustomerPartnerDirectory,
    @Inject(ACTIVITY_DESCRIBER) private readonly describe: DescribeActivity,
    @Inject(SOCKET_AUTHENTICATOR) private readonly authenticator: SocketAuthenticator,
  ) {
    this.payloadOf = sharedActivityPayloads(this.describe);
  }

  afterInit(namespace: Namespace): void {
    this.namespace = namespace;
    namespace.use((socket, next) => {
      this.authenticator.authenticate(socket.handshake, LIVE_ACTIVITY_PERMISSION).then(
        (actor) => {
          if (!actor) return next(unauthorized('auth.missing_token', 'A valid access token is required in the handshake: auth: {token}'));
          socket.data.actor = actor;
          next();
        },
        (error: unknown) => {
          // The authenticator's refusals carry {status, title, detail…} for the client's connect_error.
          if (error instanceof Error && typeof (error as { data?: unknown }).data === 'object') return next(error);
          this.logger.error(`Socket authentication failed: ${(error as Error)?.stack ?? error}`);
          next(unauthorized('auth.invalid_token', 'The token could not be verified'));
        },
      );
    });
  }

  handleConnection(socket: Socket): void {
    const actor = socket.data.actor as SocketActor | undefined;
    if (!actor) {
      socket.disconnect(true);
      return;
    }
    const state: SocketState = {
      actor,
      flow: new SocketFlow(socket, LIVE_LIMITS.socketHighWaterMark, () => this.outbox.pendingFor(socket.id)),
      subscriptions: new Map(),
      recheck: setInterval(() => void this.recheck(socket, state), LIVE_LIMITS.revalidateEveryMs),
    };
    state.recheck.unref();
    this.sockets.set(socket.id, state);
  }

  handleDisconnect(socket: Socket): void {
    const state = this.sockets.get(socket.id);
    this.sockets.delete(socket.id);
    if (!state) return;
    clearInterval(state.recheck);
    for (const subscription of state.subscriptions.values()) void subscription.close();
  }

  async onModuleDestroy(): Promise<void> {
    const states = [...this.sockets.values()];
    for (const state of states) clearInterval(state.recheck);
    const all = states.flatMap((state) => [...state.subscriptions.values()]);
    this.sockets.clear();
    await Promise.all(all.map((subscription) => subscription.close()));
  }

  /** Open subscriptions on this instance (for tests and health). */
  get subscriptionCount(): number {
    let count = 0;
    for (const state of this.sockets.values()) count += state.subscriptions.size;
    return count;
  }

  subscriptionsOf(socketId: string): ActivitySubscription[] {
    return [...(this.sockets.get(socketId)?.subscriptions.values() ?? [])];
  }

  /** The engine.io connection of a socket (tests look at its buffer). */
  connectionOf(socketId: string): Socket['conn'] | undefined {
    return this.sockets.get(socketId)?.flow.connection;
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown, @Ack() ack?: (response: SubscribeAck) => void): Promise<void> {
    const reply = this.replier(socket, ack);
    try {
      const state = this.sockets.get(socket.id);
      if (!state) return reply(problem('auth.session_revoked', 'Not connected'));
      const request = parseSubscribe(body);
      if ('error' in request) return reply(problem('live.malformed_request', request.error));
      const checked = await this.revalidate(state);
      if ('ok' in checked) return reply(checked);
      const { actor } = checked;
      const { customerId, after, batch } = request;
      const key = customerId === null ? '*' : String(customerId);
      if (!state.subscriptions.has(key) && state.subscriptions.size >= LIVE_LIMITS.subscriptionsPerSocket) {
        return reply(problem('live.too_many_subscriptions', `At most ${LIVE_LIMITS.subscriptionsPerSocket} subscriptions per connection`));
      }
      if (customerId !== null && !(await this.partners.maySee(actor.partnerIds, customerId))) {
        // As over HTTP: a customer outside the admin's partners does not exist for them.
        return reply(problem('customer.not_found', `Customer ${customerId} not found`));
      }
      if (after !== undefined && !(await this.isPosition(after))) {
        return reply(problem('live.invalid_position', `after is not a position of this event store: ${JSON.stringify(after)}`));
      }
      const previous = state.subscriptions.get(key);
      if (previous) await previous.close();
      if (!socket.connected) return;
      const subscription = new ActivitySubscription({
        customerId,
        after,
        store: this.store,
        tail: this.tail,
        permits: (event) => this.permits(state, event),
        permitsLive: (event) => this.permitsLive(state, event),
        toPayload: this.payloadOf,
        maxQueue: LIVE_LIMITS.maxQueue,
        pageSize: LIVE_LIMITS.pageSize,
        sink: {
          writable: () => state.flow.writable(),
          whenWritable: () => state.flow.whenWritable(),
          isOpen: () => state.flow.isOpen(),
          activity: (payload) => this.outbox.add(socket.id, payload, batch),
          caughtUp: (notice) => this.emitInOrder(socket, 'caughtUp', notice),
          failed: (notice) => {
            if (state.subscriptions.get(key) === subscription) state.subscriptions.delete(key);
            this.logger.warn(`Activity subscription of ${socket.id} (${key}) failed at ${notice.position}: ${notice.detail}`);
            this.emitInOrder(socket, 'subscriptionError', { ...notice, rule: 'live.subscription_failed' });
          },
        },
      });
      state.subscriptions.set(key, subscription);
      reply({ ok: true, customerId, after: after ?? null });
      subscription.start();
    } catch (error) {
      this.logger.error(`subscribe failed: ${(error as Error)?.stack ?? error}`);
      reply(problem('server.internal_error', 'The subscription could not be started'));
    }
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown, @Ack() ack?: (response: UnsubscribeAck) => void): Promise<void> {
    const reply = this.replier(socket, ack);
    const state = this.sockets.get(socket.id);
    if (!state) return reply(problem('auth.session_revoked', 'Not connected'));
    const request = parseSubscribe(body);
    if ('error' in request) return reply(problem('live.malformed_request', request.error));
    const key = request.customerId === null ? '*' : String(request.customerId);
    const subscription = state.subscriptions.get(key);
    state.subscriptions.delete(key);
    await subscription?.close();
    reply({ ok: true, customerId: request.customerId, unsubscribed: subscription !== undefined });
  }

  /** The socket's actor re-checked (its session may have ended or its role changed since the handshake). */
  private async revalidate(state: SocketState): Promise<{ actor: SocketActor } | ProblemAck> {
    if (!this.authenticator.revalidate) return { actor: state.actor };
    const ended = problem('auth.session_revoked', 'The session has ended: connect again with a new token');
    try {
      const actor = await this.authenticator.revalidate(state.actor, LIVE_ACTIVITY_PERMISSION);
      if (!actor) return ended;
      state.actor = actor;
      return { actor };
    } catch (error) {
      const data = (error as { data?: { rule?: unknown; detail?: unknown } }).data;
      if (!(error instanceof Error) || typeof data !== 'object' || data === null) throw error;
      const rule = typeof data.rule === 'string' && isKnownRule(data.rule) ? data.rule : 'auth.session_revoked';
      return problem(rule, String(data.detail ?? error.message));
    }
  }

  /** Periodic check of a connection: a logged-out or deactivated admin is disconnected. */
  private async recheck(socket: Socket, state: SocketState): Promise<void> {
    try {
      const checked = await this.revalidate(state);
      if (!('ok' in checked)) return;
      this.emitInOrder(socket, 'unauthorized', checked.error);
      socket.disconnect(true);
    } catch (error) {
      this.logger.warn(`Could not re-check the session of socket ${socket.id}: ${(error as Error)?.message ?? error}`);
    }
  }

  /** A packet to one socket, after the activity payloads the outbox still holds for it. */
  private emitInOrder(socket: Socket, event: string, data: unknown): void {
    this.outbox.flushBefore(socket.id);
    socket.emit(event, data);
  }

  /** The ack callback (or nothing), sent after the activity payloads the outbox still holds for the socket. */
  private replier<T>(socket: Socket, ack: ((response: T) => void) | undefined): (response: T) => void {
    return (response) => {
      this.outbox.flushBefore(socket.id);
      if (typeof ack === 'function') ack(response);
    };
  }

  private async permits(state: SocketState, event: RecordedEvent): Promise<boolean> {
    this.partners.observeReplayed(event);
    const customerId = customerIdOfStream(event.streamId);
    return customerId !== null && this.partners.maySee(state.actor.partnerIds, customerId);
  }

  /**
   * `permits` for a live event, answered without waiting when it can be: the tail has already
   * shown the event to the partner directory, so a held entry is the customer's current partner.
   */
  private permitsLive(state: SocketState, event: RecordedEvent): boolean | undefined {
    const customerId = customerIdOfStream(event.streamId);
    if (customerId === null) return false;
    const { partnerIds } = state.actor;
    if (!partnerIds || partnerIds.length === 0) return true;
    const partnerId = this.partners.knownPartnerOf(customerId);
    return partnerId === undefined ? undefined : partnerIds.includes(partnerId);
  }

  private async isPosition(after: string): Promise<boolean> {
    try {
      await this.store.readAll({ after, maxCount: 1, filter: { streamPrefixes: ['customer-'] } });
      return true;
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) return false;
      throw error;
    }
  }
}

function unauthorized(rule: Rule, detail: string): Error {
  const error = new Error('Unauthorized') as Error & { data?: unknown };
  error.data = { status: 401, type: problemType(rule), title: 'Unauthorized', detail, rule };
  return error;
}

/** A refusal in the same words as HTTP: the rule (RULE_CODES) with its status and title. */
function problem(rule: Rule, detail: string): ProblemAck {
  const { status } = RULE_CODES[rule];
  return { ok: false, error: { status, title: statusTitle(status), detail, rule } };
}

type SubscribeRequest = { customerId: number | null; after?: string; batch: boolean } | { error: string };

export function parseSubscribe(body: unknown): SubscribeRequest {
  if (body === undefined || body === null) return { customerId: null, batch: false };
  if (typeof body !== 'object' || Array.isArray(body)) return { error: 'The payload must be an object {customerId?, after?, batch?}' };
  const { customerId, after, batch, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return { error: `Unknown field(s): ${unknown.join(', ')}` };
  if (customerId !== undefined && customerId !== null && !(Number.isSafeInteger(customerId) && (customerId as number) > 0)) {
    return { error: 'customerId must be a positive integer' };
  }
  if (after !== undefined && after !== null && (typeof after !== 'string' || after.length === 0 || after.length > 200)) {
    return { error: 'after must be a position (a non-empty string) as received in an activity payload' };
  }
  if (batch !== undefined && batch !== null && typeof batch !== 'boolean') return { error: 'batch must be a boolean' };
  return { customerId: (customerId as number | null | undefined) ?? null, ...(typeof after === 'string' ? { after } : {}), batch: batch === true };
}
