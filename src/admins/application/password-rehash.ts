import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR } from '../../common/system-actor.js';
import type { AdminState } from '../domain/index.js';
import { AdminCommandExecutor } from './admin-command-executor.js';
import { PasswordHasher } from './password-hasher.js';

/**
 * After a successful login the password is at hand once: an outdated hash (bcrypt of earlier releases,
 * or argon2id of other parameters) is replaced by argon2id of the current ones (AdminPasswordRehashed).
 * It is no password change: sessions stay, passwordChangedAt stays. A failure is logged, never the login's.
 */
@Injectable()
export class PasswordRehash {
  private readonly logger = new Logger('PasswordRehash');

  constructor(
    @Inject(AdminCommandExecutor) private readonly executor: AdminCommandExecutor,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
  ) {}

  /** True when a new hash was written. */
  async afterLogin(admin: AdminState, password: string): Promise<boolean> {
    if (!this.hasher.needsRehash(admin.passwordHash)) return false;
    try {
      const passwordHash = await this.hasher.hash(password);
      const correlationId = randomUUID();
      const outcome = await this.executor.run(
        admin.id,
        { type: 'RehashAdminPassword', data: { passwordHash, previousHash: admin.passwordHash } },
        undefined,
        { actor: SYSTEM_ACTOR, correlationId, causationId: correlationId },
      );
      return outcome.events.length > 0;
    } catch (error) {
      this.logger.warn(`Could not rehash the password of admin ${admin.id}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }
}
