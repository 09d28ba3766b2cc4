import { Inject, Injectable } from '@nestjs/common';
import { ProblemException } from '../../common/problem.js';
import { refuse } from '../../domain-kernel/errors.js';
import { PasswordHasher } from './password-hasher.js';

export type CredentialAttempt = { allowed: true; succeeded(): Promise<void> } | { allowed: false; retryAfterSeconds: number };

/**
 * The port through which a password check is counted like a login (the auth module's login limiter
 * implements it and registers itself), so checking "the current password" is no unlimited oracle.
 */
export interface CredentialAttemptLimiter {
  reserveAttempt(account: string, address: string | undefined): Promise<CredentialAttempt>;
}

export const REAUTHENTICATION_REQUIRED = 'auth.reauthentication_required';

/** Checks an admin's current password before a change of their own credentials (password, email). */
@Injectable()
export class Reauthentication {
  private limiter: CredentialAttemptLimiter | undefined;

  constructor(@Inject(PasswordHasher) private readonly hasher: PasswordHasher) {}

  register(limiter: CredentialAttemptLimiter): void {
    this.limiter = limiter;
  }

  /**
   * True when `password` is the admin's current one. The check is reserved with the login limiter
   * first (429 `auth.too_many_login_attempts` with Retry-After when it must wait).
   */
  async matches(account: string, passwordHash: string, password: unknown, address: string | undefined): Promise<boolean> {
    if (typeof password !== 'string' || password === '') return false;
    const attempt: CredentialAttempt = this.limiter ? await this.limiter.reserveAttempt(account, address) : { allowed: true, succeeded: async () => {} };
    if (!attempt.allowed) {
      throw ProblemException.rule('auth.too_many_login_attempts', `Too many failed password checks; try again in ${attempt.retryAfterSeconds} s`, {
        retryAfter: attempt.retryAfterSeconds,
      });
    }
    const matches = await this.hasher.verify(password, passwordHash);
    if (matches) await attempt.succeeded();
    return matches;
  }

  /** Refuses with 403 `auth.reauthentication_required` unless `password` is the admin's current one. */
  async require(account: string, passwordHash: string, password: unknown, address: string | undefined, what: string): Promise<void> {
    if (password === undefined || password === null || password === '') {
      refuse(REAUTHENTICATION_REQUIRED, `Changing your own ${what} needs your current password: send currentPassword`);
    }
    if (!(await this.matches(account, passwordHash, password, address))) {
      refuse(REAUTHENTICATION_REQUIRED, `currentPassword is not your current password; your own ${what} was not changed`);
    }
  }
}
