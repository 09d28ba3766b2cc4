import { Injectable } from '@nestjs/common';
import type { RequestActor } from '../../common/request-context.js';
import { SYSTEM_ACTOR } from '../../common/system-actor.js';
import { refuse } from '../../domain-kernel/index.js';
import { ADMIN_RULES, allRoles, findRole, mayManage, ROLE_RULES, type ActingAdmin, type AdminState, type RoleDefinition } from '../domain/index.js';
import { AdminDirectory, type Versioned } from './admin-directory.js';

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
  description: string;
  permissions: string[];
  builtIn: boolean;
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
  return { name: role.name, label: role.label, description: role.description, permissions: [...role.permissions], builtIn: role.builtIn };
}

/** The admin a request acts as (undefined: the system, which may do anything). */
export function actingAdmin(actor: RequestActor | undefined): ActingAdmin | undefined {
  if (!actor || actor.id === SYSTEM_ACTOR.id) return undefined;
  return { id: actor.id, permissions: actor.permissions ?? [], partnerIds: actor.partnerIds ?? [] };
}

/** Reads of admins and roles, from the in-memory directory; an admin outside the actor's partners does not exist. */
@Injectable()
export class AdminQueries {
  constructor(private readonly directory: AdminDirectory) {}

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
}

function encodeCursor(email: string): string {
  return Buffer.from(email, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
