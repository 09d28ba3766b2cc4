import {
  ADMIN_EVENT_CATALOG,
  ADMIN_RULES,
  adminDecider,
  checkPasswordPolicy,
  mayManage,
  permissionsOfRole,
  PERMISSIONS,
  ROLE_RULES,
  rolesDecider,
  BUILT_IN_ROLES,
  type AdminCommand,
  type AdminContext,
  type AdminEvent,
  type AdminState,
  type RoleEvent,
  type RolesContext,
  type RolesState,
} from '../../src/admins/domain/index.js';
import { FieldErrors, fold } from '../../src/domain-kernel/index.js';
import { specFor } from './given-when-then.js';

const HASH = '$2b$10$' + 'a'.repeat(53);
const NOW = '2025-03-01T10:00:00.000Z';
const ID = '00000000-0000-4000-8000-000000000001';
const SUPER = { id: 'super-1', permissions: [...PERMISSIONS], partnerIds: [] };

function context(overrides: Partial<AdminContext> = {}): AdminContext {
  return { now: NOW, roles: rolesDecider.initialState, knownPartnerIds: [1, 2, 3], activeSuperAdministrators: ['super-1'], actor: SUPER, ...overrides };
}

const admins = specFor(adminDecider, () => context(), { catalog: ADMIN_EVENT_CATALOG });

const created = (data: Partial<AdminEvent['data']> = {}): AdminEvent => ({
  type: 'AdminCreated',
  data: { id: ID, email: 'ana@isp.example', name: 'Ana', role: 'manager', partnerIds: [], passwordHash: HASH, at: NOW, ...data } as never,
});

const create = (data: Record<string, unknown> = {}): AdminCommand => ({
  type: 'CreateAdmin',
  data: { id: ID, email: 'Ana@ISP.example ', name: 'Ana', role: 'manager', partnerIds: [2, 1, 2], passwordHash: HASH, ...data } as never,
});

describe('admin decider', () => {
  it('creates an admin: email normalised, partners sorted and unique, only the hash', () => {
    const events = admins.given([]).when(create()).events();
    expect(events).toEqual([{ type: 'AdminCreated', data: { id: ID, email: 'ana@isp.example', name: 'Ana', role: 'manager', partnerIds: [1, 2], passwordHash: HASH, at: NOW } }]);
    const state = fold(adminDecider, events);
    expect(state).toMatchObject({ exists: true, active: true, role: 'manager', partnerIds: [1, 2] });
  });

  it('reports every invalid field at once', () => {
    const errors = admins.given([]).when(create({ email: 'nope', name: '', role: '', partnerIds: [0, 'x'] })).thenInvalid();
    expect(errors.map((item) => `${item.field}:${item.rule}`).sort()).toEqual(['email:email', 'name:required', 'partnerIds[0]:integer', 'partnerIds[1]:integer', 'role:required']);
  });

  it('refuses an unknown role or partner, and a second creation', () => {
    admins.given([]).when(create({ role: 'wizard' })).thenRefused(ADMIN_RULES.roleUnknown);
    admins.given([]).when(create({ partnerIds: [9] })).thenRefused(ADMIN_RULES.partnerUnknown);
    admins.given([created()]).when(create()).thenRefused(ADMIN_RULES.alreadyExists);
  });

  it('never lets an actor grant a role or partners beyond their own', () => {
    const manager = { id: 'm', permissions: permissionsOfRole(rolesDecider.initialState, 'manager'), partnerIds: [1] };
    admins.given([]).when(create({ role: 'administrator', partnerIds: [1] }), { actor: manager }).thenRefused(ADMIN_RULES.forbidden);
    admins.given([]).when(create({ role: 'customer-creator', partnerIds: [1, 2] }), { actor: manager }).thenRefused(ADMIN_RULES.forbidden);
    admins.given([]).when(create({ role: 'customer-creator', partnerIds: [] }), { actor: manager }).thenRefused(ADMIN_RULES.forbidden);
    expect(admins.given([]).when(create({ role: 'customer-creator', partnerIds: [1] }), { actor: manager }).events()).toHaveLength(1);
  });

  it('hides admins outside the actor’s partners (not found), and those with every partner from a scoped actor', () => {
    const scoped = { id: 'p1', permissions: [...PERMISSIONS], partnerIds: [1] };
    expect(mayManage(scoped, { partnerIds: [1] })).toBe(true);
    expect(mayManage(scoped, { partnerIds: [1, 2] })).toBe(false);
    expect(mayManage(scoped, { partnerIds: [] })).toBe(false);
    expect(mayManage(SUPER, { partnerIds: [2] })).toBe(true);
    expect(mayManage(undefined, { partnerIds: [] })).toBe(true);
    admins.given([created({ partnerIds: [2] })]).when({ type: 'ChangeAdmin', data: { name: 'X' } }, { actor: scoped }).thenRefused(ADMIN_RULES.notFound);
  });

  it('changes email, name, role and partners as one event each, with before and after', () => {
    const events = admins.given([created()]).when({ type: 'ChangeAdmin', data: { email: 'ANA2@isp.example', name: 'Ana B', role: 'engineer', partnerIds: [3] } }).events();
    expect(events.map((event) => [event.type, (event.data as { changes: unknown }).changes])).toEqual([
      ['AdminEmailChanged', [{ field: 'email', from: 'ana@isp.example', to: 'ana2@isp.example' }]],
      ['AdminRenamed', [{ field: 'name', from: 'Ana', to: 'Ana B' }]],
      ['AdminRoleChanged', [{ field: 'role', from: 'manager', to: 'engineer' }]],
      ['AdminPartnersChanged', [{ field: 'partnerIds', from: [], to: [3] }]],
    ]);
    expect(fold(adminDecider, [created(), ...events])).toMatchObject({ email: 'ana2@isp.example', name: 'Ana B', role: 'engineer', partnerIds: [3] });
  });

  it('emits nothing for a PATCH that changes nothing', () => {
    expect(admins.given([created()]).when({ type: 'ChangeAdmin', data: { email: 'ana@isp.example', name: 'Ana', partnerIds: [] } }).events()).toEqual([]);
  });

  it('records a new password as its hash', () => {
    const next = '$2b$10$' + 'b'.repeat(53);
    const events = admins.given([created()]).when({ type: 'ChangeAdmin', data: { passwordHash: next } }).events();
    expect(events).toEqual([{ type: 'AdminPasswordChanged', data: { id: ID, passwordHash: next, at: NOW } }]);
    expect(fold(adminDecider, [created(), ...events]).passwordHash).toBe(next);
    expect(() => admins.given([created()]).when({ type: 'ChangeAdminPassword', data: { passwordHash: 'plain-text' } }).events()).toThrow(/bcrypt/);
  });

  it('refuses to change your own role or partners, or to deactivate yourself', () => {
    const self = { id: ID, permissions: [...PERMISSIONS], partnerIds: [] };
    admins.given([created({ role: 'super-administrator' })]).when({ type: 'ChangeAdmin', data: { role: 'manager' } }, { actor: self }).thenRefused(ADMIN_RULES.selfPrivileges);
    admins.given([created()]).when({ type: 'DeactivateAdmin', data: {} }, { actor: self }).thenRefused(ADMIN_RULES.selfDeactivation);
    expect(admins.given([created()]).when({ type: 'ChangeAdmin', data: { name: 'Me' } }, { actor: self }).events()).toHaveLength(1);
  });

  it('never demotes or deactivates the last active super-administrator', () => {
    const history = [created({ role: 'super-administrator' })];
    const others = { activeSuperAdministrators: [ID] };
    admins.given(history).when({ type: 'DeactivateAdmin', data: {} }, others).thenRefused(ADMIN_RULES.lastSuperAdministrator);
    admins.given(history).when({ type: 'ChangeAdmin', data: { role: 'manager' } }, others).thenRefused(ADMIN_RULES.lastSuperAdministrator);
    expect(admins.given(history).when({ type: 'DeactivateAdmin', data: {} }, { activeSuperAdministrators: [ID, 'super-1'] }).events()).toHaveLength(1);
  });

  it('refuses to manage a more powerful admin', () => {
    const administrator = { id: 'a', permissions: permissionsOfRole(rolesDecider.initialState, 'administrator'), partnerIds: [] };
    admins.given([created({ role: 'super-administrator' })]).when({ type: 'DeactivateAdmin', data: {} }, { actor: administrator, activeSuperAdministrators: [ID, 'x'] }).thenRefused(ADMIN_RULES.forbidden);
  });

  it('deactivates with a reason, reactivates, and treats repeats as no-ops', () => {
    const deactivated = admins.given([created()]).when({ type: 'DeactivateAdmin', data: { reason: ' left the company ' } }).events();
    expect(deactivated).toEqual([{ type: 'AdminDeactivated', data: { id: ID, reason: 'left the company', at: NOW } }]);
    expect(admins.given([created(), ...deactivated]).when({ type: 'DeactivateAdmin', data: {} }).events()).toEqual([]);
    const reactivated = admins.given([created(), ...deactivated]).when({ type: 'ReactivateAdmin', data: {} }).events();
    expect(reactivated.map((event) => event.type)).toEqual(['AdminReactivated']);
    expect(fold(adminDecider, [created(), ...deactivated, ...reactivated]).active).toBe(true);
    expect(admins.given([created()]).when({ type: 'ReactivateAdmin', data: {} }).events()).toEqual([]);
  });

  it('answers not found for an admin that does not exist', () => {
    admins.given([]).when({ type: 'DeactivateAdmin', data: {} }).thenRefused(ADMIN_RULES.notFound);
  });
});

describe('password policy', () => {
  it('needs 10 characters and at most 72 bytes, never echoing the value', () => {
    const check = (value: unknown) => {
      const errors = new FieldErrors();
      checkPasswordPolicy(errors, 'password', value);
      return errors.errors;
    };
    expect(check('long-enough-1')).toEqual([]);
    expect(check('short')).toEqual([{ field: 'password', rule: 'minLength', message: 'password must be at least 10 characters' }]);
    expect(check('é'.repeat(40))[0].rule).toBe('maxLength');
    expect(check(undefined)[0].rule).toBe('required');
    expect(JSON.stringify(check('short'))).not.toContain('short"');
  });
});

describe('roles', () => {
  const rolesContext = (overrides: Partial<RolesContext> = {}): RolesContext => ({ now: NOW, actorPermissions: [...PERMISSIONS], rolesInUse: [], ...overrides });
  const roles = specFor(rolesDecider, () => rolesContext(), { catalog: ADMIN_EVENT_CATALOG });
  const defined: RoleEvent = { type: 'RoleDefined', data: { name: 'support', label: 'Support', permissions: ['customers.read', 'notes'], at: NOW } };

  it('has Splynx-like built-in roles; super-administrator holds every permission', () => {
    expect(BUILT_IN_ROLES.map((role) => role.name)).toEqual(['super-administrator', 'administrator', 'manager', 'financial-manager', 'engineer', 'customer-creator', 'integration']);
    expect(permissionsOfRole(rolesDecider.initialState, 'super-administrator')).toEqual([...PERMISSIONS]);
    expect(permissionsOfRole(rolesDecider.initialState, 'administrator')).not.toContain('admins');
    expect(permissionsOfRole(rolesDecider.initialState, 'customer-creator')).toEqual(['customers.read', 'customers.create']);
    expect(permissionsOfRole(rolesDecider.initialState, 'integration')).toEqual(['customers.read', 'feed.read']);
    expect(permissionsOfRole(rolesDecider.initialState, 'gone')).toEqual([]);
  });

  it('defines a custom role with permissions in canonical order', () => {
    const events = roles.given([]).when({ type: 'DefineRole', data: { name: 'support', label: 'Support', permissions: ['notes', 'customers.read', 'notes'] } }).events();
    expect(events).toEqual([defined]);
    const state: RolesState = fold(rolesDecider, events);
    expect(permissionsOfRole(state, 'support')).toEqual(['customers.read', 'notes']);
  });

  it('validates names and permissions, and refuses duplicates and built-in names', () => {
    const errors = roles.given([]).when({ type: 'DefineRole', data: { name: 'Bad Name', permissions: ['customers.read', 'root'] } }).thenInvalid();
    expect(errors.map((item) => `${item.field}:${item.rule}`)).toEqual(['name:format', 'permissions[1]:enum']);
    roles.given([defined]).when({ type: 'DefineRole', data: { name: 'support', permissions: [] } }).thenRefused(ROLE_RULES.nameTaken);
    roles.given([]).when({ type: 'DefineRole', data: { name: 'manager', permissions: [] } }).thenRefused(ROLE_RULES.nameTaken);
  });

  it('never grants permissions the author does not hold', () => {
    const author = { actorPermissions: ['customers.read', 'admins'] };
    roles.given([]).when({ type: 'DefineRole', data: { name: 'x-role', permissions: ['customers.delete'] } }, author).thenRefused(ROLE_RULES.forbidden);
    roles.given([defined]).when({ type: 'ChangeRole', data: { name: 'support', permissions: ['customers.read'] } }, author).thenRefused(ROLE_RULES.forbidden);
  });

  it('roles are shared by every partner: a partner-limited author defines, changes and removes none', () => {
    const scoped = { actorPartnerIds: [1] };
    roles.given([]).when({ type: 'DefineRole', data: { name: 'x-role', permissions: ['customers.read'] } }, scoped).thenRefused(ROLE_RULES.allPartnersRequired);
    roles.given([defined]).when({ type: 'ChangeRole', data: { name: 'support', permissions: ['customers.read', 'customers.reveal_password'] } }, scoped).thenRefused(ROLE_RULES.allPartnersRequired);
    roles.given([defined]).when({ type: 'ChangeRole', data: { name: 'support', permissions: [] } }, scoped).thenRefused(ROLE_RULES.allPartnersRequired);
    roles.given([defined]).when({ type: 'ChangeRole', data: { name: 'support', label: 'Renamed' } }, scoped).thenRefused(ROLE_RULES.allPartnersRequired);
    roles.given([defined]).when({ type: 'RemoveRole', data: { name: 'support' } }, scoped).thenRefused(ROLE_RULES.allPartnersRequired);
    expect(roles.given([defined]).when({ type: 'ChangeRole', data: { name: 'support', label: 'Renamed' } }, { actorPartnerIds: [] }).events()).toHaveLength(1);
  });

  it('changes label and permissions with before and after; built-in roles are fixed', () => {
    const events = roles.given([defined]).when({ type: 'ChangeRole', data: { name: 'support', label: 'Support desk', permissions: ['customers.read'] } }).events();
    expect(events).toEqual([
      { type: 'RoleChanged', data: { name: 'support', changes: [{ field: 'label', from: 'Support', to: 'Support desk' }, { field: 'permissions', from: ['customers.read', 'notes'], to: ['customers.read'] }], at: NOW } },
    ]);
    expect(roles.given([defined]).when({ type: 'ChangeRole', data: { name: 'support', permissions: ['notes', 'customers.read'] } }).events()).toEqual([]);
    roles.given([]).when({ type: 'ChangeRole', data: { name: 'manager', permissions: [] } }).thenRefused(ROLE_RULES.builtIn);
    roles.given([]).when({ type: 'ChangeRole', data: { name: 'nope', permissions: [] } }).thenRefused(ROLE_RULES.notFound);
  });

  it('removes a role nobody has; refuses one in use', () => {
    roles.given([defined]).when({ type: 'RemoveRole', data: { name: 'support' } }, { rolesInUse: ['support'] }).thenRefused(ROLE_RULES.inUse);
    const events = roles.given([defined]).when({ type: 'RemoveRole', data: { name: 'support' } }).events();
    expect(fold(rolesDecider, [defined, ...events]).custom).toEqual({});
  });
});

describe('the admin state never exposes more than it folds', () => {
  it('initial state is empty and inactive', () => {
    const state: AdminState = adminDecider.initialState;
    expect(state).toMatchObject({ exists: false, active: false, passwordHash: '' });
  });
});
