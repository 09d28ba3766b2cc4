/** OpenAPI schemas of the administrators' and roles' answers. */
import { namedSchema, oa, page, written } from '../../common/openapi/schema.js';
import type { AdminView, RoleView } from '../application/admin-queries.js';

export const ADMIN_SCHEMA = namedSchema(
  'Admin',
  oa.object<AdminView>({
    id: oa.string(),
    email: oa.string({ format: 'email' }),
    name: oa.string(),
    role: oa.string({ description: 'Name of a role (GET /roles)' }),
    partnerIds: oa.array(oa.integer(), { description: 'Partners the admin may see; empty = every partner' }),
    active: oa.boolean('False once deactivated: no logins'),
    createdAt: oa.dateTime(),
    passwordChangedAt: oa.nullable(oa.dateTime()),
    deactivatedAt: oa.nullable(oa.dateTime()),
    revision: oa.integer({ description: 'Stream revision (the ETag)' }),
  }),
);

export const ADMIN_WRITTEN_SCHEMA = namedSchema('AdminWritten', written(ADMIN_SCHEMA, 'the administrator'));
export const ADMIN_PAGE_SCHEMA = namedSchema('AdminPage', page(ADMIN_SCHEMA, { description: 'Ordered by email' }));

export const ROLE_SCHEMA = namedSchema(
  'Role',
  oa.object<RoleView>({
    name: oa.string({ example: 'support' }),
    label: oa.string({ example: 'Support desk' }),
    permissions: oa.array(oa.string()),
    builtIn: oa.boolean('Built-in roles cannot be changed or removed'),
  }),
);

export const ROLE_WRITTEN_SCHEMA = namedSchema('RoleWritten', written(ROLE_SCHEMA, 'the roles stream'));

export const ROLE_REMOVED_SCHEMA = namedSchema('RoleRemoved', written(oa.object<{ name: string }>({ name: oa.string() }), 'the roles stream'));

export interface RoleListAnswer {
  items: RoleView[];
  permissions: { name: string; description: string }[];
}

export const ROLE_LIST_SCHEMA = namedSchema(
  'RoleList',
  oa.object<RoleListAnswer>({
    items: oa.array(ROLE_SCHEMA, { description: 'Built-in roles first' }),
    permissions: oa.array(oa.object<{ name: string; description: string }>({ name: oa.string(), description: oa.string() }), { description: 'Every permission a role may hold' }),
  }),
);
