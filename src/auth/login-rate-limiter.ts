import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';

export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Failed logins counted per account (the email tried, known or not) and per client address over a
 * sliding window, in the database so every instance shares the counts. A successful login clears
 * the account's count but not the address's, so one valid account cannot launder guesses at others.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly db: Kysely<any>;

  constructor(
    @Inject(DATABASE) database: Database,
    @Inject(APP_CONFIG)
    private readonly config: Pick<AppConfig, 'loginMaxFailuresPerAccount' | 'loginMaxFailuresPerAddress' | 'loginFailureWindowSeconds'>,
  ) {
    this.db = database.db;
  }

  async check(email: string, address: string | undefined): Promise<LimitVerdict> {
    const verdicts = await Promise.all([
      this.checkKey(accountKey(email), this.config.loginMaxFailuresPerAccount),
      address ? this.checkKey(addressKey(address), this.config.loginMaxFailuresPerAddress) : Promise.resolve<LimitVerdict>({ allowed: true }),
    ]);
    const refused = verdicts.filter((verdict): verdict is Extract<LimitVerdict, { allowed: false }> => !verdict.allowed);
    return refused.length ? { allowed: false, retryAfterSeconds: Math.max(...refused.map((verdict) => verdict.retryAfterSeconds)) } : { allowed: true };
  }

  async recordFailure(email: string, address: string | undefined): Promise<void> {
    const keys = [accountKey(email), ...(address ? [addressKey(address)] : [])];
    await this.db.insertInto('auth_login_failures').values(keys.map((key) => ({ key }))).execute();
    // Keep the table small: forget what has left the window for these keys.
    await this.db
      .deleteFrom('auth_login_failures')
      .where('key', 'in', keys)
      .where('failed_at', '<', sql<Date>`now() - make_interval(secs => ${this.config.loginFailureWindowSeconds})`)
      .execute();
  }

  async recordSuccess(email: string): Promise<void> {
    await this.db.deleteFrom('auth_login_failures').where('key', '=', accountKey(email)).execute();
  }

  private async checkKey(key: string, max: number): Promise<LimitVerdict> {
    const window = this.config.loginFailureWindowSeconds;
    const row = await this.db
      .selectFrom('auth_login_failures')
      .select([sql<string>`count(*)`.as('failures'), sql<Date | null>`min(failed_at)`.as('oldest')])
      .where('key', '=', key)
      .where('failed_at', '>', sql<Date>`now() - make_interval(secs => ${window})`)
      .executeTakeFirstOrThrow();
    if (Number(row.failures) < max || !row.oldest) return { allowed: true };
    const retryAt = new Date(row.oldest).getTime() + window * 1000;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((retryAt - Date.now()) / 1000)) };
  }
}

function accountKey(email: string): string {
  return `account:${email}`;
}

function addressKey(address: string): string {
  return `address:${address}`;
}
