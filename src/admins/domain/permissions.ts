/**
 * What an admin may do, one permission per action. A role is a named set of these; an endpoint
 * declares the one it needs with `@RequirePermission(...)` (src/auth).
 */
export const PERMISSIONS = [
  'customers.read',
  'customers.create',
  'customers.edit',
  'customers.status',
  'customers.schedule',
  'customers.delete',
  'customers.reveal_password',
  'customers.impersonate',
  'customers.revert',
  'customers.erase',
  'billing',
  'notes',
  'cap',
  'reference_data',
  'admins',
  'audit.read',
  'feed.read',
  'operations',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const PERMISSION_DESCRIPTIONS: Readonly<Record<Permission, string>> = {
  'customers.read': 'List, search, count and view customers (and their live activity)',
  'customers.create': 'Create customers',
  'customers.edit': 'Edit customer profile, VoIP and settings fields, contacts, addresses, hardware, additional fields; reset the portal password',
  'customers.status': 'Change a customer status (activate, block, deactivate), convert to lead',
  'customers.schedule': 'Schedule status and billing-type changes (and holds) for a later time; edit and cancel them',
  'customers.delete': 'Delete inactive customers (also in bulk)',
  'customers.reveal_password': 'Reveal a customer portal password (audited)',
  'customers.impersonate': 'Log in as a customer (audited)',
  'customers.revert': 'Undo an earlier change of a customer by compensating events (POST /customers/{id}/revert)',
  'customers.erase': 'Erase a customer\'s personal data for good (crypto-shredding; a reason is required)',
  billing: 'Billing type, billing settings, payments and charges',
  notes: 'Comments, internal and debtor notes',
  cap: 'CAP bonus data grants and top-ups',
  reference_data: 'Partners, locations, additional field definitions, customer settings',
  admins: 'Administrators and roles',
  'audit.read': 'Raw event streams, time travel, diffs, tamper-evidence checks, the anchors of the hash chains and their proofs, history exports, the audit log across customers and admins',
  'feed.read': 'The downstream event feed (JSON pages and Server-Sent Events)',
  operations: 'Projection status and rebuilds (GET /projections, POST /projections/{name}/rebuild); anchoring the hash chains on demand (POST /audit/anchors)',
};

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}
