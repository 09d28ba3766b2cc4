import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { adminSessionDecider, adminSessionStreamId, type AdminState } from '../admins/domain/index.js';
import { runCommand } from '../event-sourcing/command-runner.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import type { ClientInfo } from './auth.service.js';

/**
 * Records each successful login as AdminLoggedIn in the session's own stream (see
 * admins/domain/admin-sessions.ts), with the admin as actor and the client's address and user
 * agent, so the audit log answers "who logged in when, from where". A login whose record cannot be
 * written fails: an unrecorded session is not opened.
 */
@Injectable()
export class LoginRecorder {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async record(admin: AdminState, sessionId: string, client: ClientInfo): Promise<void> {
    const correlationId = randomUUID();
    await runCommand(this.store, adminSessionStreamId(sessionId), adminSessionDecider, { type: 'RecordLogin', data: { adminId: admin.id, sessionId, email: admin.email } }, {
      context: () => ({ now: new Date().toISOString() }),
      metadata: {
        actor: { id: admin.id, name: admin.name, role: admin.role },
        correlationId,
        causationId: correlationId,
        ip: client.ip,
        userAgent: client.userAgent,
      },
    });
  }
}

