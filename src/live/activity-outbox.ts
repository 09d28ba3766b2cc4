import type { ActivityPayload } from './activity-entry.js';

/** One Socket.IO packet to several sockets, encoded once (the gateway: `namespace.to(socketIds).emit`). */
export type BroadcastToSockets = (socketIds: string[], event: string, data: unknown) => void;

/** The `activity:batch` event: the payloads of one outbox flush for one socket, in order. */
export const ACTIVITY_BATCH_EVENT = 'activity:batch';

/**
 * Coalesces the activity payloads the subscriptions hand out during one turn of the event loop and
 * writes them when it ends (setImmediate: after every subscription has taken the tail's batch, no
 * fixed delay). Socket.IO encodes a packet and its WebSocket frame once per broadcast, so instead of
 * 2,000 sockets × 100 events each encoding its own `activity` packet:
 *
 * - `activity`: one broadcast per event, to every socket that got it in this turn;
 * - `activity:batch` (subscriptions that asked for `batch: true`): one array per socket with all its
 *   payloads of this turn, one broadcast per distinct array (every full admin gets the same one).
 *
 * Order: within a flush the `activity` packets go out in position order, so each subscription's
 * events keep their order (its own sends are in position order, and earlier flushes go out first).
 * A packet the gateway sends to a socket outside the outbox (caughtUp, an ack, subscriptionError)
 * must call `flushBefore` first so it does not overtake that socket's pending payloads.
 *
 * Memory: what waits here counts towards the socket's high-water mark (`pendingFor`), so the bound
 * on one connection's buffered packets holds as before.
 */
export class ActivityOutbox {
  /**
   * Per position, its payload and the sockets it goes to. A socket with two subscriptions that both
   * take the event (one customer and every customer) gets it twice, as before: the second time in
   * a second set, since one broadcast reaches each socket once.
   */
  private single = new Map<string, { payload: ActivityPayload; sockets: Set<string>[] }>();
  private batched = new Map<string, ActivityPayload[]>();
  private pending = new Map<string, number>();
  private scheduled = false;

  constructor(
    private readonly broadcast: BroadcastToSockets,
    private readonly schedule: (flush: () => void) => void = (flush) => void setImmediate(flush),
  ) {}

  add(socketId: string, payload: ActivityPayload, batch = false): void {
    if (batch) {
      const payloads = this.batched.get(socketId);
      if (payloads) payloads.push(payload);
      else this.batched.set(socketId, [payload]);
    } else {
      const group = this.single.get(payload.position);
      if (!group) this.single.set(payload.position, { payload, sockets: [new Set([socketId])] });
      else {
        const free = group.sockets.find((sockets) => !sockets.has(socketId));
        if (free) free.add(socketId);
        else group.sockets.push(new Set([socketId]));
      }
    }
    this.pending.set(socketId, (this.pending.get(socketId) ?? 0) + 1);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Payloads accepted for this socket and not yet handed to Socket.IO. */
  pendingFor(socketId: string): number {
    return this.pending.get(socketId) ?? 0;
  }

  /** Writes now if this socket has something pending (before a packet that must not overtake it). */
  flushBefore(socketId: string): void {
    if (this.pending.has(socketId)) this.flush();
  }

  flush(): void {
    const single = this.single;
    const batched = this.batched;
    if (single.size === 0 && batched.size === 0) return;
    this.single = new Map();
    this.batched = new Map();
    this.pending = new Map();
    const groups = [...single.values()].sort((a, b) => (a.payload.position < b.payload.position ? -1 : a.payload.position > b.payload.position ? 1 : 0));
    for (const { payload, sockets } of groups) {
      for (const socketIds of sockets) this.broadcast([...socketIds], 'activity', payload);
    }
    const sameBatch = new Map<string, { payloads: ActivityPayload[]; socketIds: string[] }>();
    for (const [socketId, payloads] of batched) {
      const key = payloads.map((payload) => payload.position).join(',');
      const group = sameBatch.get(key);
      if (group) group.socketIds.push(socketId);
      else sameBatch.set(key, { payloads, socketIds: [socketId] });
    }
    for (const { payloads, socketIds } of sameBatch.values()) this.broadcast(socketIds, ACTIVITY_BATCH_EVENT, payloads);
  }
}
