import { Inject, Injectable } from '@nestjs/common';
import { hash as argon2Hash, parseOptions, verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { APP_CONFIG, type AppConfig, type PasswordHashing } from '../../config/app-config.js';

const ARGON2ID = '$argon2id$';
const BCRYPT = /^\$2[aby]\$/;

/**
 * Admin passwords: argon2id (OWASP's first choice) with the configured memory, passes and parallelism,
 * computed by a native implementation on libuv's thread pool, so a burst of logins never holds the one
 * JavaScript thread that serves every other request and socket. Hashes of earlier releases (bcrypt) still
 * verify, and `needsRehash` tells the login to replace them (and argon2 hashes of other parameters) with
 * one of the current parameters. Only the hash ever leaves this class.
 */
@Injectable()
export class PasswordHasher {
  /** Compared against when the email is unknown, so a miss costs as long as a wrong password. */
  private dummyHash?: Promise<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'passwordHashing'>) {}

  hash(password: string): Promise<string> {
    const { memoryKiB, timeCost, parallelism } = this.config.passwordHashing;
    // argon2id is the library's default algorithm (a const enum cannot be named under isolatedModules).
    return argon2Hash(password, { memoryCost: memoryKiB, timeCost, parallelism });
  }

  /** False for a missing hash too (after the same work as a real comparison). */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    if (!hash) {
      await argon2Verify(await (this.dummyHash ??= this.hash('chronicle-timing-equaliser')), password).catch(() => false);
      return false;
    }
    if (hash.startsWith('$argon2')) return argon2Verify(hash, password).catch(() => false);
    // A bcrypt hash from before argon2id (pure JavaScript, on the main thread): verified once, then rehashed.
    if (BCRYPT.test(hash)) return bcrypt.compare(password, hash);
    return false;
  }

  /** True for a bcrypt hash, or an argon2 hash that is not argon2id with the current parameters. */
  needsRehash(hash: string): boolean {
    if (!hash.startsWith(ARGON2ID)) return true;
    try {
      const options = parseOptions(hash);
      const wanted: PasswordHashing = this.config.passwordHashing;
      return options.memoryCost !== wanted.memoryKiB || options.timeCost !== wanted.timeCost || options.parallelism !== wanted.parallelism;
    } catch {
      return true;
    }
  }
}
