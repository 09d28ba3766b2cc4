import { Inject, Injectable } from '@nestjs/common';
import { loadAggregate, runCommand } from '../../event-sourcing/command-runner.js';
import { EVENT_STORE, type EventMetadata, type EventStore } from '../../event-store/event-store.port.js';
import { FieldErrors, isValidationFailed, refuse, ValidationFailed, type FieldError } from '../../domain-kernel/index.js';
import { PARTNERS_STREAM, partnersDecider } from '../../reference-data/domain/index.js';
import {
  ADMIN_RULES,
  adminDecider,
  adminStreamId,
  isAdminId,
  mayManage,
  ROLES_STREAM,
  rolesDecider,
  type ActingAdmin,
  type AdminCommand,
  type AdminContext,
  type AdminEvent,
  type AdminState,
  type RoleCommand,
} from '../domain/index.js';
import { AdminDirectory, type Versioned } from './admin-directory.js';
import { EmailReservations } from './email-reservations.js';

export interface AdminOutcome extends Versioned<AdminState> {
  events: AdminEvent[];
  position: string | null;
}

/**
 * What every admin and role command handler shares: load an admin's fresh state, decide once
 * without appending (so password policy errors come with the command's own), reserve an email,
 * append through runCommand and record the outcome in the directory.
 */
@Injectable()
export class AdminCommandExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly directory: AdminDirectory,
    private readonly reservations: EmailReservations,
  ) {}

  /** The admin's current state from its stream (not the directory): commands decide on fresh state. 404 when the actor may not manage it. */
  async load(id: string, acting: ActingAdmin | undefined): Promise<Versioned<AdminState>> {
    if (!isAdminId(id)) refuse(ADMIN_RULES.notFound, 'There is no such administrator', {});
    const { state, revision } = await loadAggregate(this.store, adminStreamId(id), adminDecider);
    if (!state.exists || !mayManage(acting, state)) refuse(ADMIN_RULES.notFound, 'There is no such administrator', {});
    this.directory.record(adminStreamId(id), state, revision);
    return { state, revision };
  }

  /** Decides once without appending, reporting password policy errors together with the command's own. */
  async dryRun(passwordErrors: FieldErrors, state: AdminState, command: AdminCommand, acting: ActingAdmin | undefined): Promise<AdminEvent[]> {
    let events: AdminEvent[] = [];
    let fieldErrors: FieldError[] = [];
    try {
      events = adminDecider.decide(command, state, await this.adminContext(acting));
    } catch (error) {
      if (!isValidationFailed(error) || passwordErrors.empty) throw error;
      fieldErrors = error.errors;
    }
    if (!passwordErrors.empty || fieldErrors.length) throw new ValidationFailed([...fieldErrors, ...passwordErrors.errors]);
    return events;
  }

  /** Appends the command's events to the admin's stream and records the outcome. */
  async run(id: string, command: AdminCommand, acting: ActingAdmin | undefined, metadata: EventMetadata, expectedRevision?: number): Promise<AdminOutcome> {
    const outcome = await runCommand(this.store, adminStreamId(id), adminDecider, command, {
      context: () => this.adminContext(acting),
      metadata,
      expectedRevision,
    });
    this.directory.record(adminStreamId(id), outcome.state, outcome.revision);
    return outcome;
  }

  async runRoles(command: RoleCommand, acting: ActingAdmin | undefined, metadata: EventMetadata, expectedRevision?: number): Promise<{ revision: number; position: string | null }> {
    const outcome = await runCommand(this.store, ROLES_STREAM, rolesDecider, command, {
      context: () => ({ now: new Date().toISOString(), actorPermissions: acting?.permissions, actorPartnerIds: acting?.partnerIds, rolesInUse: this.directory.rolesInUse() }),
      metadata,
      expectedRevision,
    });
    this.directory.record(ROLES_STREAM, outcome.state, outcome.revision);
    return { revision: outcome.revision, position: outcome.position };
  }

  /** 409 admin.email_taken unless `id` now holds `email`. */
  async reserveEmail(email: string, id: string): Promise<void> {
    const reserved = await this.reservations.reserve(email, id, async (holderId) => {
      const { state } = await loadAggregate(this.store, adminStreamId(holderId), adminDecider);
      return state.exists && state.email === email;
    });
    if (!reserved) refuse(ADMIN_RULES.emailTaken, 'Another administrator already uses this email', { field: 'email' });
  }

  releaseEmail(email: string, id: string): Promise<unknown> {
    return this.reservations.release(email, id);
  }

  private async adminContext(actor: ActingAdmin | undefined): Promise<AdminContext> {
    const partners = await loadAggregate(this.store, PARTNERS_STREAM, partnersDecider);
    return {
      now: new Date().toISOString(),
      roles: this.directory.rolesState().state,
      actor,
      knownPartnerIds: Object.values(partners.state.entities)
        .filter((partner) => !partner.deleted)
        .map((partner) => partner.id),
      activeSuperAdministrators: this.directory.activeSuperAdministrators(),
    };
  }
}
