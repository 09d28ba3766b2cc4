import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { FieldErrors } from '../../domain-kernel/index.js';
import { adminDecider, checkPasswordPolicy, PLACEHOLDER_PASSWORD_HASH, type ActingAdmin, type AdminCommand, type AdminEvent } from '../domain/index.js';
import { AdminCommandExecutor, type AdminOutcome } from './admin-command-executor.js';
import { actingAdmin, AdminQueries, toAdminView, type AdminView, type RoleView } from './admin-queries.js';
import {
  ChangeAdminCommand,
  ChangeOwnPasswordCommand,
  ChangeRoleCommand,
  CreateAdminCommand,
  DeactivateAdminCommand,
  DefineRoleCommand,
  ReactivateAdminCommand,
  RemoveRoleCommand,
  type WriteResult,
} from './admin.commands.js';
import { PasswordHasher } from './password-hasher.js';
import { Reauthentication } from './reauthentication.js';
import { SessionRevokers } from './session-revoker.js';

/** A write's answer: the admin as it now is, with the stream's revision and the write's position. */
function adminWritten(outcome: AdminOutcome): WriteResult<AdminView> {
  return { view: toAdminView(outcome), revision: outcome.revision, position: outcome.position };
}

// ----- admins -------------------------------------------------------------------------------------

/** Validates (dry run) before the slow bcrypt hash, reserves the email, appends; the reservation is released when the append fails. */
@CommandHandler(CreateAdminCommand)
export class CreateAdminHandler implements ICommandHandler<CreateAdminCommand> {
  constructor(
    @Inject(AdminCommandExecutor) private readonly executor: AdminCommandExecutor,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
  ) {}

  async execute({ input, options }: CreateAdminCommand): Promise<WriteResult<AdminView>> {
    const acting = actingAdmin(options.actor);
    const id = randomUUID();
    const command = (passwordHash: string): AdminCommand => ({
      type: 'CreateAdmin',
      data: { id, email: input.email, name: input.name, role: input.role, partnerIds: input.partnerIds, passwordHash },
    });
    const passwordErrors = new FieldErrors();
    const password = checkPasswordPolicy(passwordErrors, 'password', input.password);
    const [created] = await this.executor.dryRun(passwordErrors, adminDecider.initialState, command(PLACEHOLDER_PASSWORD_HASH), acting);
    const email = (created as Extract<AdminEvent, { type: 'AdminCreated' }>).data.email;
    const passwordHash = await this.hasher.hash(password);
    await this.executor.reserveEmail(email, id);
    try {
      const outcome = await this.executor.run(id, command(passwordHash), acting, options.metadata);
      return adminWritten(outcome);
    } catch (error) {
      await this.executor.releaseEmail(email, id);
      throw error;
    }
  }
}

/**
 * Email, name, role, partners, password. A new email is reserved first; a new password ends the admin's
 * other sessions. One's own password or email needs `currentPassword` (a stolen access token alone must
 * not take the account for good).
 */
@CommandHandler(ChangeAdminCommand)
export class ChangeAdminHandler implements ICommandHandler<ChangeAdminCommand> {
  constructor(
    @Inject(AdminCommandExecutor) private readonly executor: AdminCommandExecutor,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(SessionRevokers) private readonly sessions: SessionRevokers,
    @Inject(Reauthentication) private readonly reauthentication: Reauthentication,
  ) {}

  async execute({ adminId: id, patch, options }: ChangeAdminCommand): Promise<WriteResult<AdminView>> {
    const { actor } = options;
    const acting = actingAdmin(actor);
    const current = await this.executor.load(id, acting);
    const passwordErrors = new FieldErrors();
    const password = patch.password === undefined ? undefined : checkPasswordPolicy(passwordErrors, 'password', patch.password);
    const command = (passwordHash?: string): AdminCommand => ({
      type: 'ChangeAdmin',
      data: { email: patch.email, name: patch.name, role: patch.role, partnerIds: patch.partnerIds, ...(passwordHash ? { passwordHash } : {}) },
    });
    const events = await this.executor.dryRun(passwordErrors, current.state, command(password === undefined ? undefined : PLACEHOLDER_PASSWORD_HASH), acting);
    const emailChange = events.find((event) => event.type === 'AdminEmailChanged');
    const newEmail = emailChange ? (emailChange.data as { changes: { to: string }[] }).changes[0].to : undefined;
    if (actor?.id === id && (password !== undefined || newEmail)) {
      const what = password !== undefined && newEmail ? 'password and email' : password !== undefined ? 'password' : 'email';
      await this.reauthentication.require(current.state.email, current.state.passwordHash, patch.currentPassword, options.metadata.ip, what);
    }
    const passwordHash = password === undefined ? undefined : await this.hasher.hash(password);
    if (newEmail) await this.executor.reserveEmail(newEmail, id);
    let outcome;
    try {
      outcome = await this.executor.run(id, command(passwordHash), acting, options.metadata, options.expectedRevision);
    } catch (error) {
      if (newEmail) await this.executor.releaseEmail(newEmail, id);
      throw error;
    }
    if (newEmail && outcome.state.email === newEmail) await this.executor.releaseEmail(current.state.email, id);
    if (outcome.events.some((event) => event.type === 'AdminPasswordChanged')) {
      // A new password ends every other session of that admin (the actor's own current one survives).
      await this.sessions.revokeAllForAdmin(id, 'password_changed', actor?.id === id ? actor.sessionId : undefined);
    }
    return adminWritten(outcome);
  }
}

/** No more logins; every session of the admin ends before this answers. */
@CommandHandler(DeactivateAdminCommand)
export class DeactivateAdminHandler implements ICommandHandler<DeactivateAdminCommand> {
  constructor(
    @Inject(AdminCommandExecutor) private readonly executor: AdminCommandExecutor,
    @Inject(SessionRevokers) private readonly sessions: SessionRevokers,
  ) {}

  async execute({ adminId: id, reason, options }: DeactivateAdminCommand): Promise<WriteResult<AdminView>> {
    const acting = actingAdmin(options.actor);
    await this.executor.load(id, acting);
    const outcome = await this.executor.run(id, { type: 'DeactivateAdmin', data: { reason } }, acting, options.metadata, options.expectedRevision);
    await this.sessions.revokeAllForAdmin(id, 'admin_deactivated');
    return adminWritten(outcome);
  }
}

@CommandHandler(ReactivateAdminCommand)
export class ReactivateAdminHandler implements ICommandHandler<ReactivateAdminCommand> {
  constructor(@Inject(AdminCommandExecutor) private readonly executor: AdminCommandExecutor) {}

  async execute({ adminId: id, options }: ReactivateAdminCommand): Promise<WriteResult<AdminView>> {
    const acting = actingAdmin(options.actor);
    await this.executor.load(id, acting);
    const outcome = await this.executor.run(id, { type: 'ReactivateAdmin', data: {} }, acting, options.metadata, options.expectedRevision);
    return adminWritten(outcome);
  }
}

/** POST /auth/password: the current password is checked through the login limiter (no unlimited oracle). */
@CommandHandler(ChangeOwnPasswordCommand)
export class ChangeOwnPasswordHandler implements ICommandHandler<ChangeOwnPasswordCommand> {
  constructor(
    @Inject(AdminCommandExecutor) private readonly executor: AdminCommandExecutor,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(SessionRevokers) private readonly sessions: SessionRevokers,
    @Inject(Reauthentication) private readonly reauthentication: Reauthentication,
  ) {}

  async execute({ actor, currentPassword, newPassword, metadata }: ChangeOwnPasswordCommand): Promise<WriteResult<AdminView>> {
    const errors = new FieldErrors();
    const password = checkPasswordPolicy(errors, 'newPassword', newPassword);
    const current = await this.executor.load(actor.id, undefined);
    const matches = await this.reauthentication.matches(current.state.email, current.state.passwordHash, currentPassword, metadata.ip);
    if (!matches) errors.add('currentPassword', 'mismatch', 'currentPassword is not your current password');
    errors.throwIfAny();
    const passwordHash = await this.hasher.hash(password);
    const self: ActingAdmin = { id: actor.id, permissions: actor.permissions ?? [], partnerIds: actor.partnerIds ?? [] };
    const outcome = await this.executor.run(actor.id, { type: 'ChangeAdminPassword', data: { passwordHash } }, self, metadata);
    await this.sessions.revokeAllForAdmin(actor.id, 'password_changed', actor.sessionId);
    return adminWritten(outcome);
  }
}

// ----- roles --------------------------------------------------------------------------------------

@CommandHandler(DefineRoleCommand)
export class DefineRoleHandler implements ICommandHandler<DefineRoleCommand> {
  constructor(
    @Inject(AdminCommandExecutor) private readonly executor: AdminCommandExecutor,
    @Inject(AdminQueries) private readonly queries: AdminQueries,
  ) {}

  async execute({ input, options }: DefineRoleCommand): Promise<WriteResult<RoleView>> {
    const result = await this.executor.runRoles(
      { type: 'DefineRole', data: { name: input.name, label: input.label, description: input.description, permissions: input.permissions } },
      actingAdmin(options.actor),
      options.metadata,
    );
    return { view: this.queries.getRole(String(input.name).trim()), ...result };
  }
}

@CommandHandler(ChangeRoleCommand)
export class ChangeRoleHandler implements ICommandHandler<ChangeRoleCommand> {
  constructor(
    @Inject(AdminCommandExecutor) private readonly executor: AdminCommandExecutor,
    @Inject(AdminQueries) private readonly queries: AdminQueries,
  ) {}

  async execute({ name, input, options }: ChangeRoleCommand): Promise<WriteResult<RoleView>> {
    const result = await this.executor.runRoles(
      { type: 'ChangeRole', data: { name, label: input.label, description: input.description, permissions: input.permissions } },
      actingAdmin(options.actor),
      options.metadata,
      options.expectedRevision,
    );
    return { view: this.queries.getRole(name), ...result };
  }
}

@CommandHandler(RemoveRoleCommand)
export class RemoveRoleHandler implements ICommandHandler<RemoveRoleCommand> {
  constructor(@Inject(AdminCommandExecutor) private readonly executor: AdminCommandExecutor) {}

  async execute({ name, options }: RemoveRoleCommand): Promise<{ name: string; revision: number; position: string | null }> {
    const result = await this.executor.runRoles({ type: 'RemoveRole', data: { name } }, actingAdmin(options.actor), options.metadata, options.expectedRevision);
    return { name, ...result };
  }
}

export const ADMIN_COMMAND_HANDLERS = [
  CreateAdminHandler,
  ChangeAdminHandler,
  DeactivateAdminHandler,
  ReactivateAdminHandler,
  ChangeOwnPasswordHandler,
  DefineRoleHandler,
  ChangeRoleHandler,
  RemoveRoleHandler,
];
