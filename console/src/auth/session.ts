/**
 * The login session: the token pair in sessionStorage (one session per browser tab, so two tabs never
 * race to use the same single-use refresh token), refreshed a minute before the access token expires.
 */
import type { components } from '../api/schema';

type LoginBody = components['schemas']['LoginDto'];
type RefreshBody = components['schemas']['RefreshDto'];

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the access token stops working. */
  expiresAt: number;
}

const STORAGE_KEY = 'chronicle.session';
/** Refresh this long before the access token expires (or at half its life when that is shorter). */
const REFRESH_AHEAD_MS = 60_000;

type Listener = (tokens: Tokens | null) => void;

class Session {
  private tokens: Tokens | null = load();
  private refreshing: Promise<Tokens | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();

  constructor() {
    this.schedule();
  }

  get current(): Tokens | null {
    return this.tokens;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async login(email: string, password: string): Promise<void> {
    const body: LoginBody = { email, password };
    const answer = await postJson('/api/v1/auth/login', body);
    this.set(toTokens(answer));
  }

  async logout(): Promise<void> {
    const tokens = this.tokens;
    this.set(null);
    if (tokens) {
      await fetch('/api/v1/auth/logout', {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: tokens.refreshToken }),
      }).catch(() => undefined);
    }
  }

  /** The access token, refreshed first when it is about to expire; null when logged out. */
  async validAccessToken(): Promise<string | null> {
    if (!this.tokens) return null;
    if (this.tokens.expiresAt - Date.now() < 5_000) await this.refresh();
    return this.tokens?.accessToken ?? null;
  }

  /** Trades the refresh token for a new pair (one refresh at a time). */
  refresh(): Promise<Tokens | null> {
    if (!this.refreshing) {
      const refreshToken = this.tokens?.refreshToken;
      this.refreshing = (async () => {
        if (!refreshToken) return null;
        try {
          const body: RefreshBody = { refreshToken };
          const tokens = toTokens(await postJson('/api/v1/auth/refresh', body));
          this.set(tokens);
          return tokens;
        } catch (error) {
          // A refused refresh ends the session; a network failure keeps it for the next try.
          if (error instanceof HttpFailure) this.set(null);
          return this.tokens;
        } finally {
          this.refreshing = null;
        }
      })();
    }
    return this.refreshing;
  }

  /** The server answered 401: the session ended (logout elsewhere, deactivation, expiry). */
  expired(): void {
    if (this.tokens && this.tokens.expiresAt - Date.now() > 5_000 && !this.refreshing) {
      // The token should still be valid, so the session itself was ended on the server.
      this.set(null);
    }
  }

  private set(tokens: Tokens | null): void {
    this.tokens = tokens;
    if (tokens) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
    else sessionStorage.removeItem(STORAGE_KEY);
    this.schedule();
    for (const listener of this.listeners) listener(tokens);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.tokens) return;
    const lifetime = this.tokens.expiresAt - Date.now();
    const delay = Math.max(0, Math.min(lifetime - REFRESH_AHEAD_MS, lifetime / 2));
    this.timer = setTimeout(() => void this.refresh(), delay);
  }
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly problem: Record<string, unknown>,
  ) {
    super(typeof problem.detail === 'string' ? problem.detail : `HTTP ${status}`);
  }
}

export { HttpFailure as LoginRefused };

async function postJson(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new HttpFailure(response.status, answer);
  return answer;
}

function toTokens(answer: Record<string, unknown>): Tokens {
  return {
    accessToken: String(answer.accessToken),
    refreshToken: String(answer.refreshToken),
    expiresAt: Date.now() + Number(answer.expiresIn ?? 900) * 1000,
  };
}

function load(): Tokens | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Tokens | null;
    return stored?.refreshToken ? stored : null;
  } catch {
    return null;
  }
}

export const session = new Session();
