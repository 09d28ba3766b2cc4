/**
 * The admin and role write commands dispatched on the CommandBus, one class per operation. Each
 * carries its input (unknown values: the decider validates them) and the AdminWriteOptions.
 */
import { Command } from '@nestjs/cqrs';
import type { RequestActor } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import type { AdminView, RoleView } from './admin-queries.js';

export interface AdminWriteOptions {
  /** Who acts (undefined: the system, e.g. the first super-administrator's creation). */
  actor: RequestActor | undefined;
  metadata: EventMetadata;
  /** From If-Match: refuse with 412 unless the stream is at this revision. */
  expectedRevision?: number;
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

export interface AdminPatchInput extends NewAdminInput {
  /** Needed to change one's own password or email. */
  currentPassword?: unknown;
}

export class CreateAdminCommand extends Command<WriteResult<AdminView>> {
  constructor(
    readonly input: NewAdminInput,
    readonly options: AdminWriteOptions,
  ) {
    super();
  }
}

export class ChangeAdminCommand extends Command<WriteResult<AdminView>> {
  constructor(
    readonly adminId: string,
    readonly patch: AdminPatchInput,
    readonly options: AdminWriteOptions,
  ) {
    super();
  }
}

export class DeactivateAdminCommand extends Command<WriteResult<AdminView>> {
  constructor(
    readonly adminId: string,
    readonly reason: unknown,
    readonly options: AdminWriteOptions,
  ) {
    super();
  }
}

export class ReactivateAdminCommand extends Command<WriteResult<AdminView>> {
  constructor(
    readonly adminId: string,
    readonly options: AdminWriteOptions,
  ) {
    super();
  }
}

/** An admin changing their own password: the current one must match; their other sessions end. */
export class ChangeOwnPasswordCommand extends Command<WriteResult<AdminView>> {
  constructor(
    readonly actor: RequestActor,
    readonly currentPassword: unknown,
    readonly newPassword: unknown,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}

export interface RoleInput {
  name?: unknown;
  label?: unknown;
  description?: unknown;
  permissions?: unknown;
}

export class DefineRoleCommand extends Command<WriteResult<RoleView>> {
  constructor(
    readonly input: RoleInput,
    readonly options: AdminWriteOptions,
  ) {
    super();
  }
}

export class ChangeRoleCommand extends Command<WriteResult<RoleView>> {
  constructor(
    readonly name: string,
    readonly input: Omit<RoleInput, 'name'>,
    readonly options: AdminWriteOptions,
  ) {
    super();
  }
}

export class RemoveRoleCommand extends Command<{ name: string; revision: number; position: string | null }> {
  constructor(
    readonly name: string,
    readonly options: AdminWriteOptions,
  ) {
    super();
  }
}
