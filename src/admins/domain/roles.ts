/**
 * Roles: the built-in ones (Splynx's defaults, fixed in code) and custom ones, defined by admins in
 * the event-sourced stream 'admin-roles'. A role is a name and a set of permissions.
 */
import { refuse } from '../../domain-kernel/errors.js';
import { ADMIN_LIMITS } from './admin.limits.js';
import { jsonEqual, type Change, type Decider, type DomainEvent } from '../../domain-kernel/decider.js';
import { FieldErrors, requiredText } from '../../domain-kernel/validation.js';
import { ownValue } from '../../domain-kernel/own.js';
import { PERMISSIONS, isPermission, type Permission } from './permissions.js';

export const ROLES_STREAM = 'admin-roles';
export const SUPER_ADMINISTRATOR = 'super-administrator';

export interface RoleDefinition {
  name: string;
  label: string;
  permissions: Permission[];
  builtIn: boolean;
}

const all = [...PERMISSIONS];
const CUSTOMER_WORK: Permission[] = ['customers.read', 'customers.create', 'customers.edit', 'customers.status', 'notes', 'cap'];

/** Splynx's default administrator roles. `super-administrator` always holds every permission. */
export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  { name: SUPER_ADMINISTRATOR, label: 'Super administrator', permissions: all, builtIn: true },
  { name: 'administrator', label: 'Administrator', permissions: all.filter((permission) => permission !== 'admins'), builtIn: true },
  { name: 'manager', label: 'Manager', permissions: CUSTOMER_WORK, builtIn: true },
  { name: 'financial-manager', label: 'Financial manager', permissions: ['customers.read', 'billing', 'notes', 'audit.read'], builtIn: true },
  { name: 'engineer', label: 'Engineer', permissions: ['customers.read', 'customers.edit', 'notes', 'cap'], builtIn: true },
  { name: 'customer-creator', label: 'Customer creator', permissions: ['customers.read', 'customers.create'], builtIn: true },
];

export const ROLE_RULES = {
  notFound: 'role.not_found',
  nameTaken: 'role.name_taken',
  builtIn: 'role.built_in',
  inUse: 'role.in_use',
  /** Granting permissions the acting admin does not hold (HTTP 403). */
  forbidden: 'role.forbidden',
} as const;

// ----- events, commands, state ------------------------------------------------------------------

export interface RoleDefinedData {
  name: string;
  label: string;
  permissions: Permission[];
  at: string;
}
export interface RoleChangedData {
  name: string;
  changes: Change[];
  at: string;
}
export interface RoleRemovedData {
  name: string;
  at: string;
}

export type RoleEvent =
  | DomainEvent<'RoleDefined', RoleDefinedData>
  | DomainEvent<'RoleChanged', RoleChangedData>
  | DomainEvent<'RoleRemoved', RoleRemovedData>;

export type RoleCommand =
  | { type: 'DefineRole'; data: { name: unknown; label?: unknown; permissions: unknown } }
  | { type: 'ChangeRole'; data: { name: string; label?: unknown; permissions?: unknown } }
  | { type: 'RemoveRole'; data: { name: string } };

export interface RolesContext {
  now: string;
  /** The acting admin's permissions: a role may not grant more than its author holds. Omitted: not checked (system). */
  actorPermissions?: readonly string[];
  /** RemoveRole only: role names some admin (active or not) still has. */
  rolesInUse?: readonly string[];
}

export interface RolesState {
  /** Custom roles by name (removed ones are dropped). */
  custom: Record<string, RoleDefinition>;
}

export const ROLE_NAME = /^[a-z][a-z0-9-]{1,62}$/;

// ----- decider ----------------------------------------------------------------------------------

function builtIn(name: string): RoleDefinition | undefined {
  return BUILT_IN_ROLES.find((role) => role.name === name);
}

function validPermissions(errors: FieldErrors, value: unknown): Permission[] {
  if (!Array.isArray(value)) {
    errors.add('permissions', 'type', 'permissions must be a list');
    return [];
  }
  const out: Permission[] = [];
  value.forEach((item, index) => {
    if (!isPermission(item)) errors.add(`permissions[${index}]`, 'enum', `permissions[${index}] must be one of ${PERMISSIONS.join(', ')}`);
    else if (!out.includes(item)) out.push(item);
  });
  // Stable order, whatever order the client sent.
  return PERMISSIONS.filter((permission) => out.includes(permission));
}

function assertMayGrant(permissions: readonly Permission[], context: RolesContext): void {
  if (!context.actorPermissions) return;
  const missing = permissions.filter((permission) => !context.actorPermissions!.includes(permission));
  if (missing.length) refuse(ROLE_RULES.forbidden, `You cannot grant permissions you do not hold: ${missing.join(', ')}`, { permissions: missing });
}

function existingCustom(state: RolesState, name: unknown): RoleDefinition {
  if (typeof name === 'string' && builtIn(name)) refuse(ROLE_RULES.builtIn, `Role "${name}" is built in and cannot be changed`, { name });
  const role = ownValue(state.custom, name);
  if (!role) refuse(ROLE_RULES.notFound, `There is no role "${String(name)}"`, { name });
  return role;
}

function decideRoles(command: RoleCommand, state: RolesState, context: RolesContext): RoleEvent[] {
  const at = context.now;
  switch (command.type) {
    case 'DefineRole': {
      const errors = new FieldErrors();
      const name = requiredText(ADMIN_LIMITS.roleName)(errors, 'name', command.data.name);
      if (name && !ROLE_NAME.test(name)) errors.add('name', 'format', 'name must be lower-case letters, digits and dashes, starting with a letter (2..63)');
      const label = command.data.label === undefined || command.data.label === null ? name : requiredText(ADMIN_LIMITS.roleLabel)(errors, 'label', command.data.label);
      const permissions = validPermissions(errors, command.data.permissions);
      errors.throwIfAny();
      if (builtIn(name) || ownValue(state.custom, name)) refuse(ROLE_RULES.nameTaken, `A role named "${name}" already exists`, { name });
      assertMayGrant(permissions, context);
      return [{ type: 'RoleDefined', data: { name, label, permissions, at } }];
    }
    case 'ChangeRole': {
      const role = existingCustom(state, command.data.name);
      const errors = new FieldErrors();
      const label = command.data.label === undefined ? role.label : requiredText(ADMIN_LIMITS.roleLabel)(errors, 'label', command.data.label);
      const permissions = command.data.permissions === undefined ? role.permissions : validPermissions(errors, command.data.permissions);
      errors.throwIfAny();
      const changes: Change[] = [];
      if (label !== role.label) changes.push({ field: 'label', from: role.label, to: label });
      if (!jsonEqual(permissions, role.permissions)) {
        // Both the old and the new set must be within the author's own permissions.
        assertMayGrant([...new Set([...role.permissions, ...permissions])], context);
        changes.push({ field: 'permissions', from: role.permissions, to: permissions });
      }
      return changes.length ? [{ type: 'RoleChanged', data: { name: role.name, changes, at } }] : [];
    }
    case 'RemoveRole': {
      const role = existingCustom(state, command.data.name);
      if (!context.rolesInUse) throw new Error('decideRoles: context.rolesInUse is required to remove a role');
      if (context.rolesInUse.includes(role.name)) refuse(ROLE_RULES.inUse, `Role "${role.name}" is still assigned to administrators`, { name: role.name });
      assertMayGrant(role.permissions, context);
      return [{ type: 'RoleRemoved', data: { name: role.name, at } }];
    }
    default:
      throw new Error(`Unknown role command ${(command as { type: string }).type}`);
  }
}

function evolveRoles(state: RolesState, event: RoleEvent): RolesState {
  switch (event.type) {
    case 'RoleDefined': {
      const { name, label, permissions } = event.data;
      return { custom: { ...state.custom, [name]: { name, label, permissions: [...permissions], builtIn: false } } };
    }
    case 'RoleChanged': {
      const role = ownValue(state.custom, event.data.name);
      if (!role) return state;
      const next = { ...role };
      for (const change of event.data.changes) {
        if (change.field === 'label') next.label = change.to as string;
        if (change.field === 'permissions') next.permissions = [...(change.to as Permission[])];
      }
      return { custom: { ...state.custom, [role.name]: next } };
    }
    case 'RoleRemoved': {
      const { [event.data.name]: _removed, ...rest } = state.custom;
      return { custom: rest };
    }
    default:
      return state;
  }
}

export const rolesDecider: Decider<RoleCommand, RolesState, RoleEvent, RolesContext> = {
  initialState: { custom: {} },
  decide: decideRoles,
  evolve: evolveRoles,
};

// ----- lookups ----------------------------------------------------------------------------------

/** Every role, built-in first, then custom ones by name. */
export function allRoles(state: RolesState): RoleDefinition[] {
  return [...BUILT_IN_ROLES, ...Object.values(state.custom).sort((a, b) => a.name.localeCompare(b.name))];
}

export function findRole(state: RolesState, name: string): RoleDefinition | undefined {
  return builtIn(name) ?? ownValue(state.custom, name);
}

/** The permissions a role grants; an unknown (e.g. removed) role grants nothing. */
export function permissionsOfRole(state: RolesState, name: string): Permission[] {
  return findRole(state, name)?.permissions ?? [];
}
