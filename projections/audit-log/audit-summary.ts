/**
 * One line per event for the audit log: WHAT was done to WHICH record, never the personal values
 * themselves ("Address changed (city, street) on customer #12", not the street). The values stay in
 * the customer's own history, where erasure reaches them; the audit log keeps who, when, from where
 * and why. Built from the recorded event alone, so a rebuild writes the same text.
 */
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { customerIdOf } from '../customer-common/customer-events.js';
import { fieldLabel } from '../customer-activity/activity-summary.js';

const STATUS: Record<string, string> = { new: 'New', active: 'Active', blocked: 'Blocked', inactive: 'Inactive' };

/** "CustomerAddressChanged" → "Customer address changed". */
function words(type: string): string {
  const text = type.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function fieldsOf(data: Record<string, unknown>): string {
  const changes = Array.isArray(data.changes) ? (data.changes as { field: string }[]) : [];
  return changes.length ? ` (${changes.map((change) => fieldLabel(change.field).toLowerCase()).join(', ')})` : '';
}

/** Values that name configuration, not people: roles, permissions, partners, settings. */
function changedValues(data: Record<string, unknown>): string {
  const changes = Array.isArray(data.changes) ? (data.changes as { field: string; from: unknown; to: unknown }[]) : [];
  return changes.map((change) => `${change.field} ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`).join('; ');
}

export function describeAuditEvent(event: RecordedEvent): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const customerId = customerIdOf(event);
  if (customerId !== null) {
    const on = ` on customer #${customerId}`;
    switch (event.type) {
      case 'CustomerCreated':
        return `Customer #${customerId} created`;
      case 'CustomerActivated':
      case 'CustomerBlocked':
      case 'CustomerDeactivated':
        return `Status changed from ${STATUS[String(data.from)] ?? String(data.from)} to ${STATUS[String(data.to)] ?? String(data.to)}${on}`;
      case 'CustomerBillingTypeChanged':
        return `Billing type changed from ${String(data.from)} to ${String(data.to)}${on}`;
      default:
        return `${words(event.type.replace(/^Customer/, '')) || words(event.type)}${fieldsOf(data)}${on}`;
    }
  }
  switch (event.type) {
    case 'AdminLoggedIn':
      return 'Logged in';
    case 'AdminCreated':
      return `Administrator ${String(data.id)} created with role ${String(data.role)}`;
    case 'AdminRoleChanged':
    case 'AdminPartnersChanged':
      return `${words(event.type)} for administrator ${String(data.id)}: ${changedValues(data)}`;
    case 'AdminEmailChanged':
    case 'AdminRenamed':
    case 'AdminPasswordChanged':
    case 'AdminDeactivated':
    case 'AdminReactivated':
      return `${words(event.type)}: administrator ${String(data.id)}`;
    case 'RoleDefined':
      return `Role ${String(data.name)} defined (permissions: ${Array.isArray(data.permissions) ? data.permissions.join(', ') : ''})`;
    case 'RoleChanged':
      return `Role ${String(data.name)} changed: ${changedValues(data)}`;
    case 'RoleRemoved':
      return `Role ${String(data.name)} removed`;
    case 'CustomerSettingsChanged':
      return `Customer settings changed: ${changedValues(data)}`;
    default: {
      const name = typeof data.name === 'string' ? ` ${data.name}` : '';
      return `${words(event.type)}${name}${fieldsOf(data)}`;
    }
  }
}
