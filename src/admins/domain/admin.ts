/**
 * The admin aggregate: stream 'admin-<uuid>'. An admin has an email (unique through a reservation
 * the application layer holds), a name, one role, the partners they may see (none = every
 * partner), a password hash (argon2id; bcrypt in streams of earlier releases; never the password) and an active flag.
 *
 * Pure: no I/O, no clock. Authorization rules that depend on who acts are decided here too, from
 * `context.actor`: an admin never manages an admin outside their partners (answered as not found),
 * never grants a role or partners beyond their own, and never changes their own role or partners.
 */
import { refuse } from '../../domain-kernel/errors.js';
import { ADMIN_LIMITS } from './admin.limits.js';
import { jsonEqual, type Change, type Decider, type DomainEvent } from '../../domain-kernel/decider.js';
import { FieldErrors, isEmail, requiredText, optionalText } from '../../domain-kernel/validation.js';
import { ADMIN_PASSWORD_MAX_BYTES, ADMIN_PASSWORD_MIN_LENGTH, EMAIL_MAX_LENGTH } from '../../domain-kernel/limits.js';
import { findRole, permissionsOfRole, SUPER_ADMINISTRATOR, type RolesState } from './roles.js';

export const ADMIN_STREAM_PREFIX = 'admin-';
export const adminStreamId = (id: string): string => `${ADMIN_STREAM_PREFIX}${id}`;

const ADMIN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Admin ids are lower-case UUIDs; anything else (e.g. 'roles', whose stream is 'admin-roles') is no admin. */
export function isAdminId(id: unknown): id is string {
  return typeof id === 'string' && ADMIN_ID.test(id);
}

export const ADMIN_RULES = {
  notFound: 'admin.not_found',
  alreadyExists: 'admin.already_exists',
  emailTaken: 'admin.email_taken',
  roleUnknown: 'admin.role.unknown',
  partnerUnknown: 'admin.partner.unknown',
  /** Granting more than the acting admin holds, or managing a more powerful admin (HTTP 403). */
  forbidden: 'admin.forbidden',
  selfPrivileges: 'admin.self_privileges',
  selfDeactivation: 'admin.self_deactivation',
  lastSuperAdministrator: 'admin.last_super_administrator',
} as const;

export interface AdminState {
  exists: boolean;
  id: string;
  email: string;
  name: string;
  role: string;
  /** Partners the admin may see; empty = every partner. */
  partnerIds: number[];
  active: boolean;
  passwordHash: string;
  createdAt: string;
  passwordChangedAt: string | null;
  deactivatedAt: string | null;
}

export const initialAdminState: AdminState = {
  exists: false,
  id: '',
  email: '',
  name: '',
  role: '',
  partnerIds: [],
  active: false,
  passwordHash: '',
  createdAt: '',
  passwordChangedAt: null,
  deactivatedAt: null,
};

// ----- events -------------------------------------------------------------------------------------

export interface AdminCreatedData {
  id: string;
  email: string;
  name: string;
  role: string;
  partnerIds: number[];
  /** argon2id hash (bcrypt before); the password itself is never stored. */
  passwordHash: string;
  at: string;
}
export interface AdminChangedData {
  id: string;
  changes: Change[];
  at: string;
}
export interface AdminPasswordChangedData {
  id: string;
  passwordHash: string;
  at: string;
}
/** The same password under a new hash (a bcrypt one replaced by argon2id at a login): no password change. */
export interface AdminPasswordRehashedData {
  id: string;
  passwordHash: string;
  at: string;
}
export interface AdminDeactivatedData {
  id: string;
  reason: string | null;
  at: string;
}
export interface AdminReactivatedData {
  id: string;
  at: string;
}

export type AdminEvent =
  | DomainEvent<'AdminCreated', AdminCreatedData>
  | DomainEvent<'AdminEmailChanged', AdminChangedData>
  | DomainEvent<'AdminRenamed', AdminChangedData>
  | DomainEvent<'AdminRoleChanged', AdminChangedData>
  | DomainEvent<'AdminPartnersChanged', AdminChangedData>
  | DomainEvent<'AdminPasswordChanged', AdminPasswordChangedData>
  | DomainEvent<'AdminPasswordRehashed', AdminPasswordRehashedData>
  | DomainEvent<'AdminDeactivated', AdminDeactivatedData>
  | DomainEvent<'AdminReactivated', AdminReactivatedData>;

export const ADMIN_EVENT_TYPES: readonly AdminEvent['type'][] = [
  'AdminCreated',
  'AdminEmailChanged',
  'AdminRenamed',
  'AdminRoleChanged',
  'AdminPartnersChanged',
  'AdminPasswordChanged',
  'AdminPasswordRehashed',
  'AdminDeactivated',
  'AdminReactivated',
];

// ----- commands and context ---------------------------------------------------------------------

export interface AdminPatch {
  email?: unknown;
  name?: unknown;
  role?: unknown;
  partnerIds?: unknown;
}

export type AdminCommand =
  | { type: 'CreateAdmin'; data: { id: string; email: unknown; name: unknown; role: unknown; partnerIds?: unknown; passwordHash: string } }
  /** `passwordHash`: a new password, hashed by the caller (AdminPasswordChanged). */
  | { type: 'ChangeAdmin'; data: AdminPatch & { passwordHash?: string } }
  | { type: 'ChangeAdminPassword'; data: { passwordHash: string } }
  /** After a successful login: `passwordHash` (same password, current parameters) replaces `previousHash`; nothing when the hash changed meanwhile. */
  | { type: 'RehashAdminPassword'; data: { passwordHash: string; previousHash: string } }
  | { type: 'DeactivateAdmin'; data: { reason?: unknown } }
  | { type: 'ReactivateAdmin'; data: Record<string, never> };

/** The admin acting on another admin (omitted: the system, e.g. the first-admin bootstrap). */
export interface ActingAdmin {
  id: string;
  permissions: readonly string[];
  /** Empty = every partner. */
  partnerIds: readonly number[];
}

export interface AdminContext {
  now: string;
  /** Current custom roles (built-in roles are always known). */
  roles: RolesState;
  actor?: ActingAdmin;
  /** Existing partners; required when partnerIds are set or changed to a non-empty list. */
  knownPartnerIds?: readonly number[];
  /** Ids of the active super-administrators; required to demote or deactivate one. */
  activeSuperAdministrators?: readonly string[];
}

// ----- validation ---------------------------------------------------------------------------------

/** bcrypt (earlier releases) or argon2id in PHC format. */
const PASSWORD_HASH = /^(\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}|\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+)$/;

/** A well-formed bcrypt hash that matches no password: lets the application validate a command before paying for the real hash. */
export const PLACEHOLDER_PASSWORD_HASH = '$2b$10$' + '.'.repeat(53);

export function normaliseEmail(value: string): string {
  return value.trim().toLowerCase();
}

function validEmail(errors: FieldErrors, value: unknown): string {
  const text = requiredText(EMAIL_MAX_LENGTH)(errors, 'email', value);
  if (text && !isEmail(text)) errors.add('email', 'email', 'email is not a valid email address');
  return normaliseEmail(text);
}

function validPartnerIds(errors: FieldErrors, value: unknown): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.add('partnerIds', 'type', 'partnerIds must be a list of partner ids');
    return [];
  }
  const out: number[] = [];
  value.forEach((item, index) => {
    if (typeof item !== 'number' || !Number.isInteger(item) || item < 1) errors.add(`partnerIds[${index}]`, 'integer', `partnerIds[${index}] must be a positive integer`);
    else if (!out.includes(item)) out.push(item);
  });
  return out.sort((a, b) => a - b);
}

function validRole(errors: FieldErrors, value: unknown): string {
  return requiredText(ADMIN_LIMITS.roleName)(errors, 'role', value);
}

// ----- rules --------------------------------------------------------------------------------------

function assertRoleKnown(context: AdminContext, role: string): void {
  if (!findRole(context.roles, role)) refuse(ADMIN_RULES.roleUnknown, `There is no role "${role}"`, { role });
}

function assertPartnersKnown(context: AdminContext, partnerIds: readonly number[]): void {
  if (partnerIds.length === 0) return;
  if (!context.knownPartnerIds) throw new Error('decideAdmin: context.knownPartnerIds is required to check partners');
  const unknown = partnerIds.filter((id) => !context.knownPartnerIds!.includes(id));
  if (unknown.length) refuse(ADMIN_RULES.partnerUnknown, `There is no partner with id ${unknown.join(', ')}`, { partnerIds: unknown });
}

/** Partner sets: empty = every partner. Is `inner` within `outer`? */
function partnersWithin(inner: readonly number[], outer: readonly number[]): boolean {
  if (outer.length === 0) return true;
  return inner.length > 0 && inner.every((id) => outer.includes(id));
}

/** Whether `actor` may see and manage `target` at all (same partners or fewer). */
export function mayManage(actor: ActingAdmin | undefined, target: Pick<AdminState, 'partnerIds'>): boolean {
  return !actor || partnersWithin(target.partnerIds, actor.partnerIds);
}

function assertMayGrantRole(context: AdminContext, role: string): void {
  if (!context.actor) return;
  const missing = permissionsOfRole(context.roles, role).filter((permission) => !context.actor!.permissions.includes(permission));
  if (missing.length) refuse(ADMIN_RULES.forbidden, `You cannot assign role "${role}": it grants permissions you do not hold (${missing.join(', ')})`, { role, permissions: missing });
}

function assertMayGrantPartners(context: AdminContext, partnerIds: readonly number[]): void {
  if (!context.actor) return;
  if (!partnersWithin(partnerIds, context.actor.partnerIds)) {
    refuse(ADMIN_RULES.forbidden, 'You can only give an administrator partners you may see yourself', { partnerIds });
  }
}

function existing(state: AdminState, context: AdminContext): AdminState {
  if (!state.exists || !mayManage(context.actor, state)) refuse(ADMIN_RULES.notFound, 'There is no such administrator', {});
  return state;
}

/** Changing or deactivating an admin needs at least their permissions. */
function assertNotMorePowerful(state: AdminState, context: AdminContext): void {
  if (!context.actor || context.actor.id === state.id) return;
  assertMayGrantRole(context, state.role);
}

function assertNotLastSuperAdministrator(state: AdminState, context: AdminContext, action: string): void {
  if (state.role !== SUPER_ADMINISTRATOR || !state.active) return;
  if (!context.activeSuperAdministrators) throw new Error('decideAdmin: context.activeSuperAdministrators is required');
  if (!context.activeSuperAdministrators.some((id) => id !== state.id)) {
    refuse(ADMIN_RULES.lastSuperAdministrator, `Cannot ${action} the last active super-administrator`, { id: state.id });
  }
}

function assertPasswordHash(hash: string): void {
  if (!PASSWORD_HASH.test(hash)) throw new Error('decideAdmin: passwordHash must be an argon2id (or bcrypt) hash');
}

// ----- decider ------------------------------------------------------------------------------------

function decideAdmin(command: AdminCommand, state: AdminState, context: AdminContext): AdminEvent[] {
  const at = context.now;
  switch (command.type) {
    case 'CreateAdmin': {
      if (state.exists) refuse(ADMIN_RULES.alreadyExists, 'The administrator already exists', { id: state.id });
      const { data } = command;
      const errors = new FieldErrors();
      const email = validEmail(errors, data.email);
      const name = requiredText(ADMIN_LIMITS.name)(errors, 'name', data.name);
      const role = validRole(errors, data.role);
      const partnerIds = validPartnerIds(errors, data.partnerIds);
      errors.throwIfAny();
      assertPasswordHash(data.passwordHash);
      assertRoleKnown(context, role);
      assertPartnersKnown(context, partnerIds);
      assertMayGrantRole(context, role);
      assertMayGrantPartners(context, partnerIds);
      return [{ type: 'AdminCreated', data: { id: data.id, email, name, role, partnerIds, passwordHash: data.passwordHash, at } }];
    }
    case 'ChangeAdmin': {
      const admin = existing(state, context);
      const patch = command.data ?? {};
      const errors = new FieldErrors();
      const email = patch.email === undefined ? undefined : validEmail(errors, patch.email);
      const name = patch.name === undefined ? undefined : requiredText(ADMIN_LIMITS.name)(errors, 'name', patch.name);
      const role = patch.role === undefined ? undefined : validRole(errors, patch.role);
      const partnerIds = patch.partnerIds === undefined ? undefined : validPartnerIds(errors, patch.partnerIds);
      errors.throwIfAny();
      assertNotMorePowerful(admin, context);
      const events: AdminEvent[] = [];
      const id = admin.id;
      if (email !== undefined && email !== admin.email) {
        events.push({ type: 'AdminEmailChanged', data: { id, changes: [{ field: 'email', from: admin.email, to: email }], at } });
      }
      if (name !== undefined && name !== admin.name) {
        events.push({ type: 'AdminRenamed', data: { id, changes: [{ field: 'name', from: admin.name, to: name }], at } });
      }
      const roleChanges = role !== undefined && role !== admin.role;
      const partnersChange = partnerIds !== undefined && !jsonEqual(partnerIds, admin.partnerIds);
      if ((roleChanges || partnersChange) && context.actor?.id === id) {
        refuse(ADMIN_RULES.selfPrivileges, 'You cannot change your own role or partners', { id });
      }
      if (roleChanges) {
        assertRoleKnown(context, role);
        assertMayGrantRole(context, role);
        if (role !== SUPER_ADMINISTRATOR) assertNotLastSuperAdministrator(admin, context, 'demote');
        events.push({ type: 'AdminRoleChanged', data: { id, changes: [{ field: 'role', from: admin.role, to: role }], at } });
      }
      if (partnersChange) {
        assertPartnersKnown(context, partnerIds);
        assertMayGrantPartners(context, partnerIds);
        events.push({ type: 'AdminPartnersChanged', data: { id, changes: [{ field: 'partnerIds', from: admin.partnerIds, to: partnerIds }], at } });
      }
      if (patch.passwordHash !== undefined) {
        assertPasswordHash(patch.passwordHash);
        events.push({ type: 'AdminPasswordChanged', data: { id, passwordHash: patch.passwordHash, at } });
      }
      return events;
    }
    case 'ChangeAdminPassword': {
      const admin = existing(state, context);
      assertNotMorePowerful(admin, context);
      assertPasswordHash(command.data.passwordHash);
      return [{ type: 'AdminPasswordChanged', data: { id: admin.id, passwordHash: command.data.passwordHash, at } }];
    }
    case 'RehashAdminPassword': {
      // The system's act at a login (no actor): the password is the same, only its hash is renewed.
      if (!state.exists || state.passwordHash !== command.data.previousHash || command.data.passwordHash === state.passwordHash) return [];
      assertPasswordHash(command.data.passwordHash);
      return [{ type: 'AdminPasswordRehashed', data: { id: state.id, passwordHash: command.data.passwordHash, at } }];
    }
    case 'DeactivateAdmin': {
      const admin = existing(state, context);
      const errors = new FieldErrors();
      const reason = optionalText(ADMIN_LIMITS.reason)(errors, 'reason', command.data?.reason);
      errors.throwIfAny();
      if (!admin.active) return [];
      if (context.actor?.id === admin.id) refuse(ADMIN_RULES.selfDeactivation, 'You cannot deactivate yourself', { id: admin.id });
      assertNotMorePowerful(admin, context);
      assertNotLastSuperAdministrator(admin, context, 'deactivate');
      return [{ type: 'AdminDeactivated', data: { id: admin.id, reason, at } }];
    }
    case 'ReactivateAdmin': {
      const admin = existing(state, context);
      if (admin.active) return [];
      assertNotMorePowerful(admin, context);
      return [{ type: 'AdminReactivated', data: { id: admin.id, at } }];
    }
    default:
      throw new Error(`Unknown admin command ${(command as { type: string }).type}`);
  }
}

function applyChanges(state: AdminState, changes: readonly Change[]): AdminState {
  const next = { ...state } as AdminState & Record<string, unknown>;
  for (const change of changes) next[change.field] = Array.isArray(change.to) ? [...change.to] : change.to;
  return next;
}

function evolveAdmin(state: AdminState, event: AdminEvent): AdminState {
  switch (event.type) {
    case 'AdminCreated': {
      const { id, email, name, role, partnerIds, passwordHash, at } = event.data;
      return { ...initialAdminState, exists: true, id, email, name, role, partnerIds: [...partnerIds], passwordHash, active: true, createdAt: at };
    }
    case 'AdminEmailChanged':
    case 'AdminRenamed':
    case 'AdminRoleChanged':
    case 'AdminPartnersChanged':
      return applyChanges(state, event.data.changes);
    case 'AdminPasswordChanged':
      return { ...state, passwordHash: event.data.passwordHash, passwordChangedAt: event.data.at };
    case 'AdminPasswordRehashed':
      return { ...state, passwordHash: event.data.passwordHash };
    case 'AdminDeactivated':
      return { ...state, active: false, deactivatedAt: event.data.at };
    case 'AdminReactivated':
      return { ...state, active: true, deactivatedAt: null };
    default:
      return state;
  }
}

export const adminDecider: Decider<AdminCommand, AdminState, AdminEvent, AdminContext> = {
  initialState: initialAdminState,
  decide: decideAdmin,
  evolve: evolveAdmin,
};

// ----- passwords (policy only: hashing is I/O-free but slow, so it lives in the application layer) --


/** Field errors for a new password (never echoing it). */
export function checkPasswordPolicy(errors: FieldErrors, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    errors.add(field, 'required', `${field} is required`);
    return '';
  }
  if ([...value].length < ADMIN_PASSWORD_MIN_LENGTH) errors.add(field, 'minLength', `${field} must be at least ${ADMIN_PASSWORD_MIN_LENGTH} characters`);
  if (new TextEncoder().encode(value).length > ADMIN_PASSWORD_MAX_BYTES) errors.add(field, 'maxLength', `${field} must be at most ${ADMIN_PASSWORD_MAX_BYTES} bytes`);
  return value;
}
