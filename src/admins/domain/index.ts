/**
 * The admins domain, pure: administrators (stream 'admin-<uuid>'), roles (stream 'admin-roles')
 * and the permission list. No Nest, no SQL, no I/O.
 */
export * from './permissions.js';
export * from './roles.js';
export * from './admin.js';
export * from './admin-sessions.js';
export { ADMIN_LIMITS } from './admin.limits.js';
export { ADMIN_EVENT_CATALOG } from './admin.event-catalog.js';
