import type { Permission } from '../../src/admins/domain/permissions.js';

/**
 * The door of every HTTP endpoint: the one place that says which permission each needs. The route
 * inventory spec (test/e2e/auth-permission-matrix.e2e-spec.ts) checks that every route of the app
 * is listed here and that each controller's declaration (@Public / @Authenticated /
 * @RequirePermission from src/auth) says the same. A new endpoint: add its line here and declare it.
 */
export type Door = 'public' | 'authenticated' | Permission;

export const ENDPOINT_PERMISSIONS: Readonly<Record<string, Door>> = {
  // operations and auth
  'GET /health': 'public',
  'GET /metrics': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'public',
  'GET /api/v1/auth/me': 'authenticated',
  // The portal takes no admin token: its own portal token (POST /customers/:id/impersonate), checked by the controller.
  'GET /api/v1/portal/me': 'public',
  'POST /api/v1/portal/logout': 'public',
  'POST /api/v1/auth/password': 'authenticated',
  'GET /api/v1/projections': 'operations',
  'POST /api/v1/projections/:name/rebuild': 'operations',
  'GET /api/v1/projections/:name/rebuild': 'operations',
  'DELETE /api/v1/projections/:name/rebuild': 'operations',

  // admins and roles
  'GET /api/v1/admins': 'admins',
  'POST /api/v1/admins': 'admins',
  'GET /api/v1/admins/:id': 'admins',
  'PATCH /api/v1/admins/:id': 'admins',
  'POST /api/v1/admins/:id/deactivate': 'admins',
  'POST /api/v1/admins/:id/reactivate': 'admins',
  'GET /api/v1/roles': 'admins',
  'POST /api/v1/roles': 'admins',
  'GET /api/v1/roles/:name': 'admins',
  'PATCH /api/v1/roles/:name': 'admins',
  'DELETE /api/v1/roles/:name': 'admins',

  // customers: reads (partner-scoped: lists filtered, another partner's customer is 404)
  'GET /api/v1/customers': 'customers.read',
  'GET /api/v1/customers/stats': 'customers.read',
  'GET /api/v1/customers/:id': 'customers.read',
  'GET /api/v1/customers/:id/activity': 'customers.read',
  'GET /api/v1/customers/:id/comments': 'customers.read',
  'GET /api/v1/customers/:id/notes': 'customers.read',
  'GET /api/v1/customers/:id/cap': 'customers.read',
  'GET /api/v1/customers/:id/hardware': 'customers.read',
  'GET /api/v1/customers/:id/contacts': 'customers.read',
  'GET /api/v1/customers/:id/addresses': 'customers.read',
  'GET /api/v1/customers/:id/scheduled-changes': 'customers.read',
  'GET /api/v1/scheduled-changes': 'customers.read',

  // customers: writes
  'POST /api/v1/customers': 'customers.create',
  'PATCH /api/v1/customers/:id': 'customers.edit',
  'PUT /api/v1/customers/:id/additional-fields': 'customers.edit',
  'POST /api/v1/customers/:id/password/reset': 'customers.edit',
  'POST /api/v1/customers/:id/hardware': 'customers.edit',
  'DELETE /api/v1/customers/:id/hardware/:itemId': 'customers.edit',
  'POST /api/v1/customers/:id/contacts': 'customers.edit',
  'DELETE /api/v1/customers/:id/contacts/:contactId': 'customers.edit',
  'POST /api/v1/customers/:id/addresses': 'customers.edit',
  'DELETE /api/v1/customers/:id/addresses/:addressId': 'customers.edit',
  'POST /api/v1/customers/:id/status': 'customers.status',
  'POST /api/v1/customers/:id/convert-to-lead': 'customers.status',
  'POST /api/v1/customers/:id/convert-to-customer': 'customers.status',
  'POST /api/v1/customers/:id/scheduled-changes': 'customers.schedule',
  'PATCH /api/v1/customers/:id/scheduled-changes/:changeId': 'customers.schedule',
  'DELETE /api/v1/customers/:id/scheduled-changes/:changeId': 'customers.schedule',
  'DELETE /api/v1/customers/:id': 'customers.delete',
  'POST /api/v1/customers/bulk-delete': 'customers.delete',
  'POST /api/v1/customers/:id/restore': 'customers.delete',
  'POST /api/v1/customers/:id/password/reveal': 'customers.reveal_password',
  'POST /api/v1/customers/:id/pin/reveal': 'customers.reveal_password',
  'POST /api/v1/customers/:id/impersonate': 'customers.impersonate',
  'POST /api/v1/customers/:id/erase': 'customers.erase',
  'POST /api/v1/customers/:id/billing-type': 'billing',
  'POST /api/v1/customers/:id/payments': 'billing',
  'POST /api/v1/customers/:id/charges': 'billing',
  'POST /api/v1/customers/:id/comments': 'notes',
  'PATCH /api/v1/customers/:id/comments/:commentId': 'notes',
  'DELETE /api/v1/customers/:id/comments/:commentId': 'notes',
  'POST /api/v1/customers/:id/notes': 'notes',
  'PATCH /api/v1/customers/:id/notes/:noteId': 'notes',
  'DELETE /api/v1/customers/:id/notes/:noteId': 'notes',
  'POST /api/v1/customers/:id/cap': 'cap',
  'POST /api/v1/customers/:id/cap/:grantId/revoke': 'cap',

  // audit (partner-scoped like customer reads)
  'GET /api/v1/customers/:id/events': 'audit.read',
  'GET /api/v1/customers/:id/state': 'audit.read',
  'GET /api/v1/customers/:id/audit/verify': 'audit.read',
  'GET /api/v1/customers/:id/audit/export': 'audit.read',
  'GET /api/v1/customers/:id/diff': 'audit.read',
  'GET /api/v1/audit/log': 'audit.read',
  'POST /api/v1/customers/:id/revert': 'customers.revert',
  // anchors of the hash chains: read by auditors, forced by operators
  'GET /api/v1/audit/anchors': 'audit.read',
  'POST /api/v1/audit/anchors': 'operations',

  // reference data: read by every admin UI, changed with reference_data
  'GET /api/v1/partners': 'customers.read',
  'GET /api/v1/partners/:id': 'customers.read',
  'POST /api/v1/partners': 'reference_data',
  'PATCH /api/v1/partners/:id': 'reference_data',
  'DELETE /api/v1/partners/:id': 'reference_data',
  'GET /api/v1/locations': 'customers.read',
  'GET /api/v1/locations/:id': 'customers.read',
  'POST /api/v1/locations': 'reference_data',
  'PATCH /api/v1/locations/:id': 'reference_data',
  'DELETE /api/v1/locations/:id': 'reference_data',
  'GET /api/v1/additional-fields': 'customers.read',
  'POST /api/v1/additional-fields': 'reference_data',
  'PATCH /api/v1/additional-fields/:name': 'reference_data',
  'DELETE /api/v1/additional-fields/:name': 'reference_data',
  'GET /api/v1/settings/customers': 'customers.read',
  'PUT /api/v1/settings/customers': 'reference_data',
  'PATCH /api/v1/settings/customers': 'reference_data',

  // downstream feed (partner-scoped by the customer's current partner)
  'GET /api/v1/events': 'feed.read',
  'GET /api/v1/events/catalog': 'feed.read',
  'GET /api/v1/events/stream': 'feed.read',
  'POST /api/v1/feed/tickets': 'feed.read',
};

/** Socket.IO namespaces and the permission their handshake needs. */
export const SOCKET_PERMISSIONS: Readonly<Record<string, Permission>> = {
  '/activity': 'customers.read',
};

/**
 * Routes allowed to be undeclared. Empty since phase 2: the guard is global (APP_GUARD in
 * src/auth/auth.module.ts) and refuses an undeclared route with 403, so every route declares its door.
 */
export const PENDING_DECLARATION: ReadonlySet<string> = new Set<string>();
