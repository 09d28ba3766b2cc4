import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DEV_ADMIN_PASSWORD, type AppConfig } from '../../config/app-config.js';
import { SYSTEM_ACTOR, type RequestActor } from '../../common/request-context.js';
import { loadAggregate, runCommand } from '../../event-sourcing/command-runner.js';
import { EVENT_STORE, type EventMetadata, type EventStore } from '../../event-store/event-store.port.js';
import { FieldErrors, isValidationFailed, refuse, ValidationFailed, type FieldError } from '../../customers/domain/index.js';
import { PARTNERS_STREAM, partnersDecider } from '../../reference-data/domain/partners.js';
import { SessionStore } from '../../auth/session.store.js';
import {
  ADMIN_RULES,
  adminDecider,
  adminStreamId,
  allRoles,
  checkPasswordPolicy,
  findRole,
  isAdminId,
  mayManage,
  PLACEHOLDER_PASSWORD_HASH,
  ROLE_RULES,
  ROLES_STREAM,
  rolesDecider,
  SUPER_ADMINISTRATOR,
  type ActingAdmin,
  type AdminCommand,
  type AdminContext,
  type AdminEvent,
  type AdminState,
  type RoleCommand,
  type RoleDefinition,
} from '../domain/index.js';
import { AdminDirectory, type Versioned } from './admin-directory.js';
import { EmailReservations } from './email-reservations.js';
import { PasswordHasher } from './password-hasher.js';

/** An admin as the API shows it: never the password hash. */
export interface AdminView {
  id: string;
  email: string;
  name: string;
  role: string;
  /** Empty = every partner. */
  partnerIds: number[];
  active: boolean;
  createdAt: string;
  passwordChangedAt: string | null;
  deactivatedAt: string | null;
  revision: number;
}

export interface RoleView {
  name: string;
  label: string;
  permissions: string[];
  builtIn: boolean;
}

export interface WriteResult<View> {
  view: View;
  revision: number;
  /** Null when the command changed nothing. */
  position: string | null;
}

export interface NewAdminInput {
  email?: unknown;
  name?: unknown;
  role?: unknown;
  partnerIds?: unknown;
  password?: unknown;
}

export interface AdminPatchInput {
  email?: unknown;
  name?: unknown;
  role?: unknown;
  partnerIds?: unknown;
  password?: unknown;
}

export interface AdminListQuery {
  limit: number;
  cursor?: string;
  q?: string;
  active?: boolean;
  role?: string;
}

export function toAdminView({ state, revision }: Versioned<AdminState>): AdminView {
  return {
    id: state.id,
    email: state.email,
    name: state.name,
    role: state.role,
    partnerIds: [...state.partnerIds],
    active: state.active,
    createdAt: state.createdAt,
    passwordChangedAt: state.passwordChangedAt,
    deactivatedAt: state.deactivatedAt,
    revision,
  };
}

export function toRoleView(role: RoleDefinition): RoleView {
  return { name: role.name, label: role.label, permissions: [...role.permissions], builtIn: role.builtIn };
}

export function actingAdmin(actor: RequestActor | undefined): ActingAdmin | undefined {
  if (!actor || actor.id === SYSTEM_ACTOR.id) return undefined;
  return { id: actor.id, permissions: actor.permissions ?? [], partnerIds: actor.partnerIds ?? [] };
}

/**
 * Admin and role commands: validate (pure decider, dry run), reserve a new email, hash a new
 * password, append through runCommand, record the outcome in the directory, end sessions where
 * a credential or the admin's access changed.
 */
@Injectable()
export class AdminsService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly directory: AdminDirectory,
    private readonly reservations: EmailReservations,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionStore,
  ) {}

  // ----- reads ------------------------------------------------------------------------------------

  list(actor: RequestActor | undefined, query: AdminListQuery): { items: AdminView[]; nextCursor: string | null; total: number } {
    const acting = actingAdmin(actor);
    const q = query.q?.trim().toLowerCase();
    const matching = this.directory
      .list()
      .filter(({ state }) => mayManage(acting, state))
      .filter(({ state }) => query.active === undefined || state.active === query.active)
      .filter(({ state }) => !query.role || state.role === query.role)
      .filter(({ state }) => !q || state.email.includes(q) || state.name.toLowerCase().includes(q));
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const page = matching.filter(({ state }) => after === undefined || state.email > after).slice(0, query.limit + 1);
    const items = page.slice(0, query.limit).map(toAdminView);
    return { items, nextCursor: page.length > query.limit ? encodeCursor(items[items.length - 1].email) : null, total: matching.length };
  }

  /** 404 (admin.not_found) when absent or outside the actor's partners. */
  async get(id: string, actor: RequestActor | undefined): Promise<AdminView> {
    const entry = await this.directory.resolve(id);
    if (!entry || !mayManage(actingAdmin(actor), entry.state)) refuse(ADMIN_RULES.notFound, 'There is no such administrator', {});
    return toAdminView(entry);
  }

  listRoles(): RoleView[] {
    return allRoles(this.directory.rolesState().state).map(toRoleView);
  }

  getRole(name: string): RoleView {
    const role = findRole(this.directory.rolesState().state, name);
    if (!role) refuse(ROLE_RULES.notFound, `There is no role "${name}"`, { name });
    return toRoleView(role);
  }

  // ----- admin commands ---------------------------------------------------------------------------

  async create(input: NewAdminInput, actor: RequestActor | undefined, metadata: EventMetadata): Promise<WriteResult<AdminView>> {
    const acting = actingAdmin(actor);
    const id = randomUUID();
    const command = (passwordHash: string): AdminCommand => ({
      type: 'CreateAdmin',
      data: { id, email: input.email, name: input.name, role: input.role, partnerIds: input.partnerIds, passwordHash },
    });
    const passwordErrors = new FieldErrors();
    const password = checkPasswordPolicy(passwordErrors, 'password', input.password);
    const [created] = await this.dryRun(passwordErrors, adminDecider.initialState, command(PLACEHOLDER_PASSWORD_HASH), acting);
    const email = (created as Extract<AdminEvent, { type: 'AdminCreated' }>).data.email;
    const passwordHash = await this.hasher.hash(password);
    await this.reserveEmail(email, id);
    try {
      const outcome = await runCommand(this.store, adminStreamId(id), adminDecider, command(passwordHash), {
        context: () => this.adminContext(acting),
        metadata,
      });
      this.directory.record(adminStreamId(id), outcome.state, outcome.revision);
      return { view: toAdminView(outcome), revision: outcome.revision, position: outcome.position };
    } catch (error) {
      await this.reservations.release(email, id);
      throw error;
    }
  }

  async update(id: string, input: AdminPatchInput, actor: RequestActor | undefined, metadata: EventMetadata, expectedRevision?: number): Promise<WriteResult<AdminView>> {
    const acting = actingAdmin(actor);
    const current = await this.load(id, acting);
    const passwordErrors = new FieldErrors();
    const password = input.password === undefined ? undefined : checkPasswordPolicy(passwordErrors, 'password', input.password);
    const command = (passwordHash?: string): AdminCommand => ({
      type: 'ChangeAdmin',
      data: { email: input.email, name: input.name, role: input.role, partnerIds: input.partnerIds, ...(passwordHash ? { passwordHash } : {}) },
    });
    const events = await this.dryRun(passwordErrors, current.state, command(password === undefined ? undefined : PLACEHOLDER_PASSWORD_HASH), acting);
    const emailChange = events.find((event) => event.type === 'AdminEmailChanged');
    const newEmail = emailChange ? (emailChange.data as { changes: { to: string }[] }).changes[0].to : undefined;
    const passwordHash = password === undefined ? undefined : await this.hasher.hash(password);
    if (newEmail) await this.reserveEmail(newEmail, id);
    let outcome;
    try {
      outcome = await runCommand(this.store, adminStreamId(id), adminDecider, command(passwordHash), {
        context: () => this.adminContext(acting),
        metadata,
        expectedRevision,
      });
    } catch (error) {
      if (newEmail) await this.reservations.release(newEmail, id);
      throw error;
    }
    this.directory.record(adminStreamId(id), outcome.state, outcome.revision);
    if (newEmail && outcome.state.email === newEmail) await this.reservations.release(current.state.email, id);
    if (outcome.events.some((event) => event.type === 'AdminPasswordChanged')) {
      // A new password ends every other session of that admin (the actor's own current one survives).
      await this.sessions.revokeAllForAdmin(id, 'password_changed', actor?.id === id ? actor.sessionId : undefined);
    }
    return { view: toAdminView(outcome), revision: outcome.revision, position: outcome.position };
  }

  async deactivate(id: string, reason: unknown, actor: RequestActor | undefined, metadata: EventMetadata, expectedRevision?: number): Promise<WriteResult<AdminView>> {
    const acting = actingAdmin(actor);
    await this.load(id, acting);
    const outcome = await runCommand(this.store, adminStreamId(id), adminDecider, { type: 'DeactivateAdmin', data: { reason } }, {
      context: () => this.adminContext(acting),
      metadata,
      expectedRevision,
    });
    this.directory.record(adminStreamId(id), outcome.state, outcome.revision);
    await this.sessions.revokeAllForAdmin(id, 'admin_deactivated');
    return { view: toAdminView(outcome), revision: outcome.revision, position: outcome.position };
  }

  async reactivate(id: string, actor: RequestActor | undefined, metadata: EventMetadata, expectedRevision?: number): Promise<WriteResult<AdminView>> {
    const acting = actingAdmin(actor);
    await this.load(id, acting);
    const outcome = await runCommand(this.store, adminStreamId(id), adminDecider, { type: 'ReactivateAdmin', data: {} }, {
      context: () => this.adminContext(acting),
      metadata,
      expectedRevision,
    });
    this.directory.record(adminStreamId(id), outcome.state, outcome.revision);
    return { view: toAdminView(outcome), revision: outcome.revision, position: outcome.position };
  }

  /** An admin changing their own password: the current one must match; other sessions end. */
  async changeOwnPassword(actor: RequestActor, currentPassword: unknown, newPassword: unknown, metadata: EventMetadata): Promise<WriteResult<AdminView>> {
    const errors = new FieldErrors();
    const password = checkPasswordPolicy(errors, 'newPassword', newPassword);
    const current = await this.load(actor.id, undefined);
    const matches = typeof currentPassword === 'string' && (await this.hasher.verify(currentPassword, current.state.passwordHash));
    if (!matches) errors.add('currentPassword', 'mismatch', 'currentPassword is not your current password');
    errors.throwIfAny();
    const passwordHash = await this.hasher.hash(password);
    const self: ActingAdmin = { id: actor.id, permissions: actor.permissions ?? [], partnerIds: actor.partnerIds ?? [] };
    const outcome = await runCommand(this.store, adminStreamId(actor.id), adminDecider, { type: 'ChangeAdminPassword', data: { passwordHash } }, {
      context: () => this.adminContext(self),
      metadata,
    });
    this.directory.record(adminStreamId(actor.id), outcome.state, outcome.revision);
    await this.sessions.revokeAllForAdmin(actor.id, 'password_changed', actor.sessionId);
    return { view: toAdminView(outcome), revision: outcome.revision, position: outcome.position };
  }

  /**
   * On an empty system, the first super-administrator from ADMIN_EMAIL / ADMIN_PASSWORD. Idempotent:
   * does nothing once any admin exists (also when another instance won the race to create it).
   */
  async bootstrapFirstAdmin(config: Pick<AppConfig, 'adminEmail' | 'adminPassword' | 'production'>): Promise<'created' | 'exists'> {
    if (this.directory.size > 0) return 'exists';
    if (config.production && config.adminPassword === DEV_ADMIN_PASSWORD) {
      throw new Error('ADMIN_PASSWORD must be set (not the documented development value) to create the first super-administrator in production');
    }
    const correlationId = randomUUID();
    try {
      await this.create(
        { email: config.adminEmail, name: 'Super administrator', role: SUPER_ADMINISTRATOR, password: config.adminPassword },
        undefined,
        { actor: SYSTEM_ACTOR, correlationId, causationId: correlationId },
      );
      return 'created';
    } catch (error) {
      if ((error as { rule?: string }).rule === ADMIN_RULES.emailTaken) return 'exists';
      if (isValidationFailed(error)) {
        throw new Error(`ADMIN_EMAIL / ADMIN_PASSWORD cannot create the first super-administrator: ${error.errors.map((item) => item.message).join('; ')}`);
      }
      throw error;
    }
  }

  // ----- role commands ----------------------------------------------------------------------------

  async defineRole(input: { name?: unknown; label?: unknown; permissions?: unknown }, actor: RequestActor | undefined, metadata: EventMetadata): Promise<WriteResult<RoleView>> {
    const command: RoleCommand = { type: 'DefineRole', data: { name: input.name, label: input.label, permissions: input.permissions } };
    const result = await this.runRoleCommand(command, actor, metadata);
    return this.roleResult(String(input.name).trim(), result);
  }

  async changeRole(name: string, input: { label?: unknown; permissions?: unknown }, actor: RequestActor | undefined, metadata: EventMetadata, expectedRevision?: number): Promise<WriteResult<RoleView>> {
    const result = await this.runRoleCommand({ type: 'ChangeRole', data: { name, label: input.label, permissions: input.permissions } }, actor, metadata, expectedRevision);
    return this.roleResult(name, result);
  }

  async removeRole(name: string, actor: RequestActor | undefined, metadata: EventMetadata, expectedRevision?: number): Promise<{ name: string; revision: number; position: string | null }> {
    const result = await this.runRoleCommand({ type: 'RemoveRole', data: { name } }, actor, metadata, expectedRevision);
    return { name, ...result };
  }

  // ----- helpers ----------------------------------------------------------------------------------

  private async runRoleCommand(command: RoleCommand, actor: RequestActor | undefined, metadata: EventMetadata, expectedRevision?: number) {
    const acting = actingAdmin(actor);
    const outcome = await runCommand(this.store, ROLES_STREAM, rolesDecider, command, {
      context: () => ({ now: new Date().toISOString(), actorPermissions: acting?.permissions, rolesInUse: this.directory.rolesInUse() }),
      metadata,
      expectedRevision,
    });
    this.directory.record(ROLES_STREAM, outcome.state, outcome.revision);
    return { revision: outcome.revision, position: outcome.position };
  }

  private roleResult(name: string, result: { revision: number; position: string | null }): WriteResult<RoleView> {
    return { view: this.getRole(name), ...result };
  }

  /** The admin's current state from its stream (not the directory): commands decide on fresh state. */
  private async load(id: string, acting: ActingAdmin | undefined): Promise<Versioned<AdminState>> {
    if (!isAdminId(id)) refuse(ADMIN_RULES.notFound, 'There is no such administrator', {});
    const { state, revision } = await loadAggregate(this.store, adminStreamId(id), adminDecider);
    if (!state.exists || !mayManage(acting, state)) refuse(ADMIN_RULES.notFound, 'There is no such administrator', {});
    this.directory.record(adminStreamId(id), state, revision);
    return { state, revision };
  }

  /** Decides once without appending, reporting password policy errors together with the command's own. */
  private async dryRun(passwordErrors: FieldErrors, state: AdminState, command: AdminCommand, acting: ActingAdmin | undefined): Promise<AdminEvent[]> {
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

  private async reserveEmail(email: string, id: string): Promise<void> {
    const reserved = await this.reservations.reserve(email, id, async (holderId) => {
      const { state } = await loadAggregate(this.store, adminStreamId(holderId), adminDecider);
      return state.exists && state.email === email;
    });
    if (!reserved) refuse(ADMIN_RULES.emailTaken, 'Another administrator already uses this email', { field: 'email' });
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

function encodeCursor(email: string): string {
  return Buffer.from(email, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
