import pg from 'pg';
import { describeDatabaseError } from './unavailable.js';

/** What /health and /metrics say about the LISTEN connection. */
export interface ListenerHealth {
  /** idle: nobody listens; listening: LISTEN active; reconnecting: the connection is lost, retrying. */
  state: 'idle' | 'listening' | 'reconnecting';
  channels: string[];
  /** Successful reconnections since start. */
  reconnects: number;
  /** Why the connection was lost (while reconnecting, and after, until the next loss). */
  lastError?: string;
  /** When the current outage began (reconnecting only). */
  downSince?: string;
}

export interface ListenOptions {
  /**
   * Called once after the connection was lost and LISTEN is active again: notifications sent in
   * between are lost, so a subscriber catches up here (e.g. reads what it may have missed).
   */
  onResume?: () => void;
}

interface Subscriber {
  onNotify: (payload: string) => void;
  onResume?: () => void;
}

export interface ListenerOptions {
  /** First retry after a lost connection (ms, default 100); doubles up to `maxBackoffMs`. */
  minBackoffMs?: number;
  /** Longest wait between attempts (ms, default 5,000). */
  maxBackoffMs?: number;
}

/**
 * One dedicated connection for LISTEN, shared by every channel of a Database. pg reports a lost
 * connection (server restart, network) only as an 'error'/'end' on the client; without reconnecting,
 * the app silently fell back to polling until restarted. This one reconnects with backoff (and
 * jitter, so many instances do not reconnect in step), LISTENs on every channel again, then calls
 * each subscriber's `onResume` once so it catches up what it missed.
 */
export class NotificationListener {
  private readonly channels = new Map<string, Set<Subscriber>>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private closed = false;
  private lost = false;
  private readonly status: ListenerHealth = { state: 'idle', channels: [], reconnects: 0 };
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly connectionString: string,
    options: ListenerOptions = {},
  ) {
    this.minBackoffMs = options.minBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
  }

  health(): ListenerHealth {
    return { ...this.status, channels: [...this.channels.keys()] };
  }

  /**
   * Subscribes to `channel`; resolves to an unlisten function. The first subscriber connects and
   * waits for LISTEN; it rejects only if that first connection fails (the subscriber polls then).
   * While the connection is lost, it resolves at once: LISTEN follows on reconnection.
   */
  async listen(channel: string, onNotify: (payload: string) => void, options: ListenOptions = {}): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('The database is closed');
    const subscriber: Subscriber = { onNotify, onResume: options.onResume };
    let subscribers = this.channels.get(channel);
    const newChannel = !subscribers;
    if (!subscribers) this.channels.set(channel, (subscribers = new Set()));
    subscribers.add(subscriber);
    const unlisten = async () => this.remove(channel, subscriber);
    const client = this.client;
    if (client) {
      if (newChannel) {
        // A connection lost meanwhile: its reconnection LISTENs on this channel too.
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`).catch((error: Error) => this.client === client && this.onConnectionLost(error));
      }
    } else if (!this.lost) {
      try {
        await (this.connecting ??= this.connect());
      } catch (error) {
        await unlisten();
        throw error;
      }
    }
    return unlisten;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.channels.clear();
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async remove(channel: string, subscriber: Subscriber): Promise<void> {
    const subscribers = this.channels.get(channel);
    if (!subscribers?.delete(subscriber) || subscribers.size > 0) return;
    this.channels.delete(channel);
    if (this.channels.size === 0) {
      // Nobody listens: drop the connection (and any retrying) until the next listen().
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.lost = false;
      this.attempt = 0;
      Object.assign(this.status, { state: 'idle', downSince: undefined });
      const client = this.client;
      this.client = null;
      await client?.end().catch(() => undefined);
    } else {
      await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
    }
  }

  /** Opens the connection and LISTENs on every channel; on failure during an outage, schedules the next try. */
  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true, connectionTimeoutMillis: 5000 });
    let settled = false;
    const onLost = (error?: Error) => {
      if (!settled) return; // a failing connect() reports through its promise
      if (this.client === client) this.onConnectionLost(error ?? new Error('Connection terminated'));
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      for (const subscriber of this.channels.get(message.channel) ?? []) subscriber.onNotify(message.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      client.end().catch(() => undefined);
      this.connecting = null;
      throw error;
    } finally {
      settled = true;
    }
    this.connecting = null;
    if (this.closed || this.channels.size === 0) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    const resumed = this.lost;
    this.lost = false;
    this.attempt = 0;
    Object.assign(this.status, { state: 'listening', downSince: undefined });
    if (resumed) {
      this.status.reconnects++;
      for (const subscribers of this.channels.values()) for (const subscriber of subscribers) subscriber.onResume?.();
    }
  }

  private onConnectionLost(error: Error): void {
    this.client = null;
    if (this.closed || this.channels.size === 0) return;
    if (!this.lost) {
      this.lost = true;
      Object.assign(this.status, { state: 'reconnecting', downSince: new Date().toISOString() });
    }
    this.status.lastError = describeDatabaseError(error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.retryTimer || this.closed) return;
    const backoff = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(this.attempt++, 16));
    const delay = backoff / 2 + Math.random() * (backoff / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closed || this.channels.size === 0) return;
      this.connecting ??= this.connect();
      this.connecting.catch((error: unknown) => {
        this.status.lastError = describeDatabaseError(error);
        this.scheduleReconnect();
      });
    }, delay);
    this.retryTimer.unref();
  }
}
