import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { ProblemException } from '../common/problem.js';
import type { AuthenticatedRequest } from '../common/request-context.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { RATE_LIMIT, type RateLimitCategory, type RateLimitRule } from './decorators.js';

/** One counter after a request was counted (the shape @nestjs/throttler's storages answer). */
export interface ThrottleRecord {
  totalHits: number;
  /** Seconds until the window ends. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until the block ends (at least 1 when blocked). */
  timeToBlockExpire: number;
}

/**
 * Fixed-window request counters kept in the database (table request_throttle) instead of one instance's
 * memory: every instance counts into the same row, and one statement (an upsert) counts and decides, so
 * parallel requests cannot slip past together. (@nestjs/throttler's storage interface, without the
 * package: it is CommonJS and loads the ESM-only @nestjs/common of Nest 12 only where Node can require ESM.)
 */
@Injectable()
export class DatabaseThrottlerStorage {
  private readonly db: Kysely<any>;
  private increments = 0;

  constructor(@Inject(DATABASE) database: Database) {
    this.db = database.db;
  }

  /** Counts one request under `key`: window `ttl` ms, at most `limit` per window, blocked `blockDuration` ms beyond. */
  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottleRecord> {
    const window = `${Math.max(1, Math.ceil(ttl))} milliseconds`;
    const block = `${Math.max(1, Math.ceil(blockDuration))} milliseconds`;
    const { rows } = await sql<{ hits: number; expires_in_ms: number; blocked_for_ms: number }>`
      insert into request_throttle as t (key, hits, window_ends_at, blocked_until)
      values (${key}, 1, now() + ${window}::interval, case when 1 > ${limit}::int then now() + ${block}::interval end)
      on conflict (key) do update set
        hits = case when t.window_ends_at <= now() then 1 else t.hits + 1 end,
        window_ends_at = case when t.window_ends_at <= now() then now() + ${window}::interval else t.window_ends_at end,
        blocked_until = case
          when t.blocked_until > now() then t.blocked_until
          when (case when t.window_ends_at <= now() then 1 else t.hits + 1 end) > ${limit}::int then now() + ${block}::interval
        end
      returning hits,
        greatest(0, extract(epoch from (window_ends_at - now())) * 1000)::float8 as expires_in_ms,
        greatest(0, coalesce(extract(epoch from (blocked_until - now())) * 1000, 0))::float8 as blocked_for_ms`.execute(this.db);
    if (++this.increments % 500 === 0) void this.sweep().catch(() => undefined);
    const row = rows[0];
    const blockedForMs = Number(row.blocked_for_ms);
    return {
      totalHits: Number(row.hits),
      timeToExpire: Math.ceil(Number(row.expires_in_ms) / 1000),
      isBlocked: blockedForMs > 0,
      // now() is each transaction's start: a request that waited for the row lock can see a block set by a later
      // one as slightly longer than the block itself, so never answer more than the block's duration.
      timeToBlockExpire: Math.max(1, Math.min(Math.ceil(blockDuration / 1000), Math.ceil(blockedForMs / 1000))),
    };
  }

  /** Forgets counters whose window and block are long over. */
  async sweep(): Promise<void> {
    await sql`delete from request_throttle where window_ends_at < now() - interval '1 hour' and (blocked_until is null or blocked_until < now())`.execute(this.db);
  }
}

/** The route's category, or undefined when this request is not counted. */
function categoryOf(context: ExecutionContext): RateLimitCategory | undefined {
  const rule: RateLimitRule | undefined = Reflect.getMetadata(RATE_LIMIT, context.getHandler());
  if (!rule) return undefined;
  if (rule.onlyWhenBodyHas) {
    const body = context.switchToHttp().getRequest<{ body?: unknown }>().body;
    if (!body || typeof body !== 'object' || !Object.hasOwn(body, rule.onlyWhenBodyHas)) return undefined;
  }
  return rule.category;
}

interface Throttle {
  ttlMs: number;
  limit: number;
  /** Whose counter a request counts into. */
  tracker(request: AuthenticatedRequest): string;
}

/**
 * Limits the routes marked @RateLimit: `credentials` per admin (it runs after AuthGuard, which put the
 * actor on the request), `expensive` per client address (TRUST_PROXY decides what that is). One counter
 * per category and key, whichever route of the category is called; unmarked routes are not counted.
 * Over the limit: 429 `request.rate_limited` with Retry-After, until the window that overflowed has passed.
 */
@Injectable()
export class RequestThrottleGuard implements CanActivate {
  private readonly throttles: Record<RateLimitCategory, Throttle>;

  constructor(
    @Inject(DatabaseThrottlerStorage) private readonly storage: DatabaseThrottlerStorage,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'rateLimits'>,
  ) {
    const minute = 60_000;
    this.throttles = {
      credentials: { ttlMs: minute, limit: config.rateLimits.credentialsPerMinute, tracker: (request) => (request.actor ? `admin:${request.actor.id}` : `address:${request.ip}`) },
      expensive: { ttlMs: minute, limit: config.rateLimits.expensivePerMinute, tracker: (request) => `address:${request.ip ?? 'unknown'}` },
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const category = categoryOf(context);
    if (!category) return true;
    const throttle = this.throttles[category];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const record = await this.storage.increment(`${category}:${throttle.tracker(request)}`, throttle.ttlMs, throttle.limit, throttle.ttlMs);
    if (!record.isBlocked) return true;
    const retryAfter = record.timeToBlockExpire;
    throw ProblemException.rule(
      'request.rate_limited',
      `Too many ${category} requests ${category === 'credentials' ? 'for this account' : 'from this client'} (at most ${throttle.limit} a minute); try again in ${retryAfter} s`,
      { retryAfter },
    );
  }
}
