import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { CredentialAttempt, CredentialAttemptLimiter } from '../admins/application/reauthentication.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { liveFailures, waitSeconds, type ThrottleLimits } from './login-throttle-policy.js';

export type LimitVerdict = { allowed: true; reservation: LoginReservation } | { allowed: false; retryAfterSeconds: number };

export interface LoginReservation {
  account: string;
  address: string;
  /** Each counter's value right after this reservation (key → failures). */
  counted: Record<string, number>;
}

type LimiterConfig = Pick<
  AppConfig,
  | 'loginFreeFailuresPerPair'
  | 'loginMaxFailuresPerAccount'
  | 'loginMaxFailuresPerAddress'
  | 'loginFailureWindowSeconds'
  | 'loginFirstDelaySeconds'
  | 'loginMaxDelaySeconds'
  | 'sessionMaxAgeSeconds'
>;

/** Used when the client's address is unknown: all such clients share one counter. */
const NO_ADDRESS = 'unknown';

/**
 * Login limiting in the database, so every instance shares it, and atomic: an attempt is reserved
 * (counted as a failure, under row locks) before the password is hashed, so a burst of parallel
 * guesses cannot all slip past the check. A success gives its reservation back.
 *
 * Three counters, each with the progressive delay of login-throttle-policy:
 * - the account and address pair (LOGIN_FREE_FAILURES_PER_PAIR free failures): what a guesser meets;
 *   it never touches the account's owner at another address, so lockout is no denial of service;
 * - the address, over all accounts (LOGIN_MAX_FAILURES_PER_ADDRESS free): one client spraying many;
 * - the account, over all addresses (LOGIN_MAX_FAILURES_PER_ACCOUNT free): many clients guessing one
 *   account; it does not apply to addresses from which the account logged in before (within
 *   SESSION_MAX_AGE_SECONDS), so the owner still gets in while a botnet is slowed to one guess per delay.
 */
@Injectable()
export class LoginRateLimiter implements CredentialAttemptLimiter {
  private readonly db: Kysely<any>;

  constructor(
    @Inject(DATABASE) database: Database,
    @Inject(APP_CONFIG) private readonly config: LimiterConfig,
  ) {
    this.db = database.db;
  }

  /** Reserves one attempt for the account from the address, or says how long to wait. */
  async reserve(account: string, address: string | undefined): Promise<LimitVerdict> {
    const from = address || NO_ADDRESS;
    const keys = { pair: pairKey(account, from), account: accountKey(account), address: addressKey(from) };
    const limits: Record<keyof typeof keys, ThrottleLimits> = {
      pair: this.limits(this.config.loginFreeFailuresPerPair),
      account: this.limits(this.config.loginMaxFailuresPerAccount),
      address: this.limits(this.config.loginMaxFailuresPerAddress),
    };
    const sorted = Object.values(keys).sort();
    return this.db.transaction().execute(async (trx): Promise<LimitVerdict> => {
      // Rows first (so there is something to lock), then locks in key order: no deadlock between instances.
      await trx
        .insertInto('auth_login_throttle')
        .values(sorted.map((key) => ({ key, failures: 0 })))
        .onConflict((conflict) => conflict.column('key').doNothing())
        .execute();
      const rows = await trx
        .selectFrom('auth_login_throttle')
        .select(['key', 'failures', sql<number | null>`extract(epoch from (now() - last_failure_at))`.as('since')])
        .where('key', 'in', sorted)
        .orderBy('key')
        .forUpdate()
        .execute();
      const counter = (key: string) => {
        const row = rows.find((candidate) => candidate.key === key);
        return { failures: Number(row?.failures ?? 0), secondsSinceLastFailure: row?.since === null || row?.since === undefined ? null : Number(row.since) };
      };
      const known = await trx
        .selectFrom('auth_login_known_addresses')
        .select('account')
        .where('account', '=', account)
        .where('address', '=', from)
        .where('last_success_at', '>', sql<Date>`now() - make_interval(secs => ${this.config.sessionMaxAgeSeconds})`)
        .executeTakeFirst();
      const applying = (Object.keys(keys) as Array<keyof typeof keys>).filter((name) => name !== 'account' || !known);
      const wait = Math.max(...applying.map((name) => waitSeconds(counter(keys[name]), limits[name])));
      if (wait > 0) return { allowed: false, retryAfterSeconds: wait };
      const counted: Record<string, number> = {};
      for (const name of Object.keys(keys) as Array<keyof typeof keys>) {
        counted[keys[name]] = liveFailures(counter(keys[name]), limits[name]) + 1;
        await trx
          .updateTable('auth_login_throttle')
          .set({ failures: counted[keys[name]], last_failure_at: sql`now()` })
          .where('key', '=', keys[name])
          .execute();
      }
      return { allowed: true, reservation: { account, address: from, counted } };
    });
  }

  /** For checks of one's current password: the same counters as logins. */
  async reserveAttempt(account: string, address: string | undefined): Promise<CredentialAttempt> {
    const verdict = await this.reserve(account, address);
    return verdict.allowed ? { allowed: true, succeeded: () => this.succeeded(verdict.reservation) } : verdict;
  }

  /**
   * The reserved attempt succeeded: the address becomes known, and a counter gets this attempt back only
   * when nobody reserved after it. Earlier failures are not wiped (they age out), and nothing is given
   * back while other attempts of a burst are under way: a success must not open the door to them.
   */
  async succeeded(reservation: LoginReservation): Promise<void> {
    const { account, address } = reservation;
    await this.db.transaction().execute(async (trx) => {
      for (const [key, failures] of Object.entries(reservation.counted)) {
        await trx.updateTable('auth_login_throttle').set({ failures: failures - 1 }).where('key', '=', key).where('failures', '=', failures).execute();
      }
      await trx
        .insertInto('auth_login_known_addresses')
        .values({ account, address, last_success_at: sql`now()` })
        .onConflict((conflict) => conflict.columns(['account', 'address']).doUpdateSet({ last_success_at: sql`now()` }))
        .execute();
    });
    // Keep both tables small: forget counters long past their delay and window, and stale known addresses.
    const forgetAfter = this.config.loginMaxDelaySeconds + this.config.loginFailureWindowSeconds;
    await this.db.deleteFrom('auth_login_throttle').where('last_failure_at', '<', sql<Date>`now() - make_interval(secs => ${forgetAfter})`).execute();
    await this.db
      .deleteFrom('auth_login_known_addresses')
      .where('last_success_at', '<', sql<Date>`now() - make_interval(secs => ${this.config.sessionMaxAgeSeconds})`)
      .execute();
  }

  private limits(free: number): ThrottleLimits {
    return { free, firstDelaySeconds: this.config.loginFirstDelaySeconds, maxDelaySeconds: this.config.loginMaxDelaySeconds, windowSeconds: this.config.loginFailureWindowSeconds };
  }
}

function pairKey(account: string, address: string): string {
  return `pair:${address} ${account}`;
}

function accountKey(account: string): string {
  return `account:${account}`;
}

function addressKey(address: string): string {
  return `address:${address}`;
}
