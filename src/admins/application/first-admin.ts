import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR } from '../../common/system-actor.js';
import { ConfigError, DEV_ADMIN_PASSWORD, type AppConfig } from '../../config/app-config.js';
import { isValidationFailed } from '../../domain-kernel/index.js';
import { ADMIN_RULES, SUPER_ADMINISTRATOR } from '../domain/index.js';
import { AdminDirectory } from './admin-directory.js';
import { CreateAdminCommand } from './admin.commands.js';

/** The first super-administrator, from ADMIN_EMAIL / ADMIN_PASSWORD, on an empty system. */
@Injectable()
export class FirstAdmin {
  constructor(
    @Inject(AdminDirectory) private readonly directory: AdminDirectory,
    @Inject(CommandBus) private readonly commands: CommandBus,
  ) {}

  /** Idempotent: does nothing once any admin exists (also when another instance won the race to create it). */
  async bootstrap(config: Pick<AppConfig, 'adminEmail' | 'adminPassword' | 'production'>): Promise<'created' | 'exists'> {
    if (this.directory.size > 0) return 'exists';
    if (!config.adminPassword) {
      throw new ConfigError('ADMIN_PASSWORD (or ADMIN_PASSWORD_FILE) is required to create the first super-administrator on an empty system');
    }
    if (config.production && config.adminPassword === DEV_ADMIN_PASSWORD) {
      throw new ConfigError('ADMIN_PASSWORD must be set (not the documented development value) to create the first super-administrator in production');
    }
    const correlationId = randomUUID();
    try {
      await this.commands.execute(
        new CreateAdminCommand(
          { email: config.adminEmail, name: 'Super administrator', role: SUPER_ADMINISTRATOR, password: config.adminPassword },
          { actor: undefined, metadata: { actor: SYSTEM_ACTOR, correlationId, causationId: correlationId } },
        ),
      );
      return 'created';
    } catch (error) {
      if ((error as { rule?: string }).rule === ADMIN_RULES.emailTaken) return 'exists';
      if (isValidationFailed(error)) {
        throw new ConfigError(`ADMIN_EMAIL / ADMIN_PASSWORD cannot create the first super-administrator: ${error.errors.map((item) => item.message).join('; ')}`);
      }
      throw error;
    }
  }
}
