import { Injectable } from '@nestjs/common';
import { AdminDirectory } from '../admins/application/admin-directory.js';
import { SYSTEM_ACTOR } from '../common/system-actor.js';
import type { Actor } from '../event-store/event-store.port.js';
import { PartnerScope } from './partner-scope.js';

/**
 * The partner scope of whoever a command acts for, from the actor in its event metadata (which
 * `@RequestMeta()` fills from the authenticated request). Lets a write path scope its decision
 * without threading the request through: the system (or no actor) sees every partner, an admin
 * their partners as they are now, an actor that is no known admin nothing (null).
 */
@Injectable()
export class PartnerScopes {
  constructor(private readonly directory: AdminDirectory) {}

  async of(actor: Pick<Actor, 'id'> | undefined | null): Promise<PartnerScope | null> {
    if (!actor || actor.id === SYSTEM_ACTOR.id) return PartnerScope.all();
    const admin = (await this.directory.resolve(actor.id))?.state;
    return admin ? PartnerScope.of(admin) : null;
  }
}
