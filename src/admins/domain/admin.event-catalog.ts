/** JSON Schemas of the admin and role events' data, schema version 1. */
import { js, type EventCatalogEntry, type JsonSchema } from '../../domain-kernel/json-schema.js';
import { PERMISSIONS } from './permissions.js';
import { ROLES_STREAM } from './roles.js';
import { ADMIN_LIMITS } from './admin.limits.js';

const at = js.dateTime();
const id = js.string({ format: 'uuid' });
const ADMIN_STREAM = 'admin-<uuid>';

function entry(type: string, stream: string, description: string, schema: JsonSchema): EventCatalogEntry {
  return { type, version: 1, stream, description, schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', title: type, ...schema } };
}

const changed = (field: string) => js.object({ id, changes: js.changes([field]), at });

/**
 * Admin streams carry a password hash (AdminCreated, AdminPasswordChanged, AdminPasswordRehashed): consumers outside the
 * auth module (the downstream feed, live activity) must not serve 'admin-' streams.
 */
export const ADMIN_EVENT_CATALOG: readonly EventCatalogEntry[] = [
  entry(
    'AdminCreated',
    ADMIN_STREAM,
    'An administrator was created (email normalised to lower case; partnerIds empty = every partner; passwordHash is argon2id; bcrypt in events of earlier releases).',
    js.object({ id, email: js.string({ format: 'email' }), name: js.string(), role: js.string(), partnerIds: js.array(js.integer({ minimum: 1 })), passwordHash: js.string(), at }),
  ),
  entry('AdminEmailChanged', ADMIN_STREAM, "An administrator's login email changed.", changed('email')),
  entry('AdminRenamed', ADMIN_STREAM, 'An administrator was renamed.', changed('name')),
  entry('AdminRoleChanged', ADMIN_STREAM, "An administrator's role changed.", changed('role')),
  entry('AdminPartnersChanged', ADMIN_STREAM, 'The partners an administrator may see changed.', changed('partnerIds')),
  entry('AdminPasswordChanged', ADMIN_STREAM, "An administrator's password changed (argon2id hash only; bcrypt in events of earlier releases).", js.object({ id, passwordHash: js.string(), at })),
  entry(
    'AdminPasswordRehashed',
    ADMIN_STREAM,
    "An administrator's unchanged password got a new hash at a login (an older bcrypt hash, or argon2id of other parameters, replaced by argon2id of the current ones).",
    js.object({ id, passwordHash: js.string(), at }),
  ),
  entry('AdminDeactivated', ADMIN_STREAM, 'An administrator was deactivated: no login, every session revoked.', js.object({ id, reason: js.nullable(js.string()), at })),
  entry('AdminReactivated', ADMIN_STREAM, 'A deactivated administrator was reactivated.', js.object({ id, at })),
  entry(
    'RoleDefined',
    ROLES_STREAM,
    'A custom administrator role was defined (description absent when none was given).',
    js.object({ name: js.string({ pattern: '^[a-z][a-z0-9-]{1,62}$' }), label: js.string(), description: js.string({ maxLength: ADMIN_LIMITS.roleDescription }), permissions: js.array(js.enum(PERMISSIONS)), at }, ['description']),
  ),
  entry('RoleChanged', ROLES_STREAM, "A custom role's label, description or permissions changed.", js.object({ name: js.string(), changes: js.changes(['label', 'description', 'permissions']), at })),
  entry('RoleRemoved', ROLES_STREAM, 'A custom role no administrator had any more was removed.', js.object({ name: js.string(), at })),
];
