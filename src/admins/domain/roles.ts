/**
 * Roles: the built-in ones (Splynx's defaults, fixed in code) and custom ones, defined by admins in
 * the event-sourced stream 'admin-roles'. A role is a name and a set of permissions.
 */
import { refuse } from '../../domain-kernel/errors.js';
import { ADMIN_LIMITS } from './admin.limits.js';
import { jsonEqual, type Change, type Decider, type DomainEvent } from '../../domain-kernel/decider.js';
import { FieldErrors, optionalText, requiredText } from '../../domain-kernel/validation.js';
import { ownValue } from '../../domain-kernel/own.js';
import { PERMISSIONS, isPermission, type Permission } from './permissions.js';

export const ROLES_STREAM = 'admin-roles';
export const SUPER_ADMINISTRATOR = 'super-administrator';

export interface RoleDefinition {
  name: string;
  label: string;
  /** What the role is for, in a sentence ('' when its author gave none). */
  description: string;
  permissions: Permission[];
  builtIn: boolean;
}

const all = [...PERMISSIONS];
const CUSTOMER_WORK: Permission[] = ['customers.read', 'customers.create', 'customers.edit', 'customers.status', 'customers.schedule', 'notes', 'cap'];

/** A downstream system's account (billing, provisioning): reads customers and the event feed, writes nothing. */
export const INTEGRATION_ROLE = 'integration';

/** Splynx's default administrator roles, and the read-only integration role. `super-administrator` always holds every permission. */
export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  { name: SUPER_ADMINISTRATOR, label: 'Super administrator', description: 'Everything, administrators and roles included', permissions: all, builtIn: true },
  {
    name: 'administrator',
    label: 'Administrator',
    description: 'Everything but administrators and roles',
    permissions: all.filter((permission) => permission !== 'admins'),
    builtIn: true,
  },
  { name: 'manager', label: 'Manager', description: 'Day-to-day customer work: create, edit, change or schedule status, notes, CAP', permissions: CUSTOMER_WORK, builtIn: true },
  {
    name: 'financial-manager',
    label: 'Financial manager',
    description: 'Billing settings, payments and charges; reads customers and their history',
    permissions: ['customers.read', 'billing', 'notes', 'audit.read'],
    builtIn: true,
  },
  { name: 'engineer', label: 'Engineer', description: 'Edits customers’ technical data, notes and CAP', permissions: ['customers.read', 'customers.edit', 'notes', 'cap'], builtIn: true },
  { name: 'customer-creator', label: 'Customer creator', description: 'Creates customers and reads them', permissions: ['customers.read', 'customers.create'], builtIn: true },
  {
    name: INTEGRATION_ROLE,
    label: 'Integration (read-only)',
    description: 'For a downstream system such as billing or provisioning: reads the event feed and customers, changes nothing',
    permissions: ['customers.read', 'feed.read'],
    builtIn: true,
  },
];


export const ROLE_RULES = {
  notFound: 'role.not_found',
  nameTaken: 'role.name_taken',
  builtIn: 'role.built_in',
  inUse: 'role.in_use',
  /** Granting permissions the acting admin does not hold (HTTP 403). */
  forbidden: 'role.forbidden',
  /** Roles are shared by every partner: a partner-limited admin defines, changes or removes none (HTTP 403). */
  allPartnersRequired: 'role.all_partners_required',
} as const;

// ----- events, commands, state ------------------------------------------------------------------

export interface RoleDefinedData {
  name: string;
  label: string;
  /** Absent in events written before descriptions existed. */
  description?: string;
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
  | { type: 'DefineRole'; data: { name: unknown; label?: unknown; description?: unknown; permissions: unknown } }
  | { type: 'ChangeRole'; data: { name: string; label?: unknown; description?: unknown; permissions?: unknown } }
  | { type: 'RemoveRole'; data: { name: string } };

export interface RolesContext {
  now: string;
  /** The acting admin's permissions: a role may not grant more than its author holds. Omitted: not checked (system). */
  actorPermissions?: readonly string[];
  /**
   * The acting admin's partners (empty = every partner). Roles are shared by every partner, and an admin of
   * every partner may hold one, so only an admin over every partner defines, changes or removes them.
   * Omitted: the system (not checked).
   */
  actorPartnerIds?: readonly number[];
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

/**
 * A custom role is shared: admins of every partner may hold it. An editor limited to some partners would
 * change what admins outside their scope may do (granting, say, `customers.reveal_password` to an admin
 * over every partner, or stripping another partner's admins), so role writes need an admin over every partner.
 */
function assertOverEveryPartner(context: RolesContext, action: string): void {
  if (!context.actorPartnerIds || context.actorPartnerIds.length === 0) return;
  refuse(
    ROLE_RULES.allPartnersRequired,
    `Roles are shared by every partner: only an administrator over every partner may ${action} one`,
    { partnerIds: [...context.actorPartnerIds] },
  );
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
      const description = optionalText(ADMIN_LIMITS.roleDescription)(errors, 'description', command.data.description) ?? '';
      const permissions = validPermissions(errors, command.data.permissions);
      errors.throwIfAny();
      assertOverEveryPartner(context, 'define');
      if (builtIn(name) || ownValue(state.custom, name)) refuse(ROLE_RULES.nameTaken, `A role named "${name}" already exists`, { name });
      assertMayGrant(permissions, context);
      return [{ type: 'RoleDefined', data: { name, label, ...(description ? { description } : {}), permissions, at } }];
    }
    case 'ChangeRole': {
      const role = existingCustom(state, command.data.name);
      assertOverEveryPartner(context, 'change');
      const errors = new FieldErrors();
      const label = command.data.label === undefined ? role.label : requiredText(ADMIN_LIMITS.roleLabel)(errors, 'label', command.data.label);
      const description =
        command.data.description === undefined ? role.description : (optionalText(ADMIN_LIMITS.roleDescription)(errors, 'description', command.data.description) ?? '');
      const permissions = command.data.permissions === undefined ? role.permissions : validPermissions(errors, command.data.permissions);
      errors.throwIfAny();
      const changes: Change[] = [];
      if (label !== role.label) changes.push({ field: 'label', from: role.label, to: label });
      if (description !== role.description) changes.push({ field: 'description', from: role.description, to: description });
      if (!jsonEqual(permissions, role.permissions)) {
        // Both the old and the new set must be within the author's own permissions.
        assertMayGrant([...new Set([...role.permissions, ...permissions])], context);
        changes.push({ field: 'permissions', from: role.permissions, to: permissions });
      }
      return changes.length ? [{ type: 'RoleChanged', data: { name: role.name, changes, at } }] : [];
    }
    case 'RemoveRole': {
      const role = existingCustom(state, command.data.name);
      assertOverEveryPartner(context, 'remove');
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
      const { name, label, description = '', permissions } = event.data;
      return { custom: { ...state.custom, [name]: { name, label, description, permissions: [...permissions], builtIn: false } } };
    }
    case 'RoleChanged': {
      const role = ownValue(state.custom, event.data.name);
      if (!role) return state;
      const next = { ...role };
      for (const change of event.data.changes) {
        if (change.field === 'label') next.label = change.to as string;
        if (change.field === 'description') next.description = change.to as string;
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
