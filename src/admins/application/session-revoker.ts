import { Injectable } from '@nestjs/common';

/** Why an admin's sessions end. */
export type SessionEndReason = 'password_changed' | 'admin_deactivated';

/**
 * The port through which admin commands end an admin's login sessions. Admins own it; whatever
 * keeps sessions (the auth module's session store) implements it and registers itself, so auth
 * depends on admins and never the reverse.
 */
export interface SessionRevoker {
  revokeAllForAdmin(adminId: string, reason: SessionEndReason, exceptSessionId?: string): Promise<unknown>;
}

/**
 * Every registered SessionRevoker, called in turn and awaited: when a deactivation or a password
 * change answers, the sessions have ended. None registered (no auth module): there are no sessions.
 */
@Injectable()
export class SessionRevokers implements SessionRevoker {
  private readonly revokers: SessionRevoker[] = [];

  register(revoker: SessionRevoker): void {
    if (!this.revokers.includes(revoker)) this.revokers.push(revoker);
  }

  async revokeAllForAdmin(adminId: string, reason: SessionEndReason, exceptSessionId?: string): Promise<void> {
    for (const revoker of this.revokers) await revoker.revokeAllForAdmin(adminId, reason, exceptSessionId);
  }
}
