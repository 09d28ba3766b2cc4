/**
 * Plain-language summaries of customer events for the activity timeline
 * ("Status changed from Active to Blocked: unpaid invoice"). Pure; the timeline entry's `changes`
 * come straight from the event data.
 */
import type { Change, DomainEvent, JsonValue } from './kernel/decider.js';
import { REDACTED } from './kernel/decider.js';

const LABELS: Record<string, string> = {
  status: 'Status',
  billingType: 'Billing type',
  login: 'Login',
  fullName: 'Full name',
  category: 'Category',
  partnerId: 'Partner',
  locationId: 'Location',
  dateOfBirth: 'Date of birth',
  identification: 'Identification',
  companyId: 'Company ID',
  vatId: 'VAT ID',
  contactPerson: 'Contact person',
  dateAdded: 'Date added',
  emails: 'Emails',
  billingEmails: 'Billing emails',
  phones: 'Phones',
  street: 'Street',
  street2: 'Street (line 2)',
  zipCode: 'ZIP code',
  city: 'City',
  geo: 'Coordinates',
  labels: 'Labels',
  balance: 'Balance',
  isLead: 'Lead',
  deleted: 'Deleted',
  'voip.pin': 'PIN',
  'voip.resellerId': 'Reseller',
  'voip.expiryDate': 'Expiry date',
  'voip.validDays': 'Valid days',
  'voip.firstUsedAt': 'First used',
  'voip.concurrentCalls': 'Concurrent calls',
  'voip.cps': 'CPS',
  'voip.localCalls': 'Local calls',
  'voip.localCallChargePerMinute': 'Local call charge per minute',
  'voip.recording': 'Recording',
  'voip.ipManagement': 'IP management',
  'voip.notifications': 'Notifications',
  'voip.paymentGatewayPermission': 'Payment gateway permission',
  'voip.currency': 'Currency',
  'voip.timezone': 'Time zone',
  'voip.country': 'Country',
  'voip.province': 'Province',
  'voip.lowCreditNotificationEmail': 'Low credit notification email',
  'billing.accountType': 'Account type',
  'billing.creditLimit': 'Credit limit',
  'billing.rateGroup': 'Rate group',
  'billing.schedule': 'Billing schedule',
  'billing.billingDay': 'Billing day',
  'billing.paymentDueDays': 'Payment due (days)',
  'billing.blockingPeriodDays': 'Blocking period (days)',
  'billing.gracePeriodDays': 'Grace period (days)',
  'billing.minimumBalance': 'Minimum balance',
  'billing.taxes': 'Taxes',
  'billing.taxNumber': 'Tax number',
  'billing.invoiceNote': 'Invoice note',
  'billing.reference': 'Reference',
  'billing.paymentMethod': 'Payment method',
};

const VALUE_LABELS: Record<string, string> = {
  new: 'New',
  active: 'Active',
  blocked: 'Blocked',
  inactive: 'Inactive',
  recurring: 'Recurring',
  prepaid_custom: 'Prepaid (custom)',
  prepaid_daily: 'Prepaid (daily)',
  person: 'Person',
  company: 'Company',
  prepaid: 'Prepaid',
  postpaid: 'Postpaid',
};

/** Human label of a dotted field name ('billing.creditLimit' → 'Credit limit'). */
export function fieldLabel(field: string): string {
  if (LABELS[field]) return LABELS[field];
  const last = field.startsWith('additionalFields.') ? field.slice('additionalFields.'.length) : (field.split('.').pop() ?? field);
  const words = last.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatValue(value: JsonValue): string {
  if (value === null || value === '') return 'empty';
  if (value === REDACTED) return 'hidden';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((item) => formatValue(item)).join(', ');
  if (typeof value === 'object') {
    if ('lat' in value && 'lng' in value) return `${String(value.lat)}, ${String(value.lng)}`;
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return VALUE_LABELS[value] ?? value;
  return String(value);
}

/** "Status changed from Active to Blocked"; secrets read "PIN changed". */
export function describeChange(change: Change): string {
  const label = fieldLabel(change.field);
  if (change.from === REDACTED || change.to === REDACTED) return `${label} changed`;
  return `${label} changed from ${formatValue(change.from)} to ${formatValue(change.to)}`;
}

function withReason(text: string, data: { reason?: unknown }): string {
  return typeof data.reason === 'string' && data.reason ? `${text}: ${data.reason}` : text;
}

function changeList(data: { changes?: Change[] }): string {
  return (data.changes ?? []).map(describeChange).join('; ');
}

/** One line for the timeline. Unknown event types fall back to their name split into words. */
export function summarizeCustomerEvent(event: DomainEvent): string {
  const data = event.data as Record<string, unknown> & { changes?: Change[]; reason?: string | null };
  const str = (key: string) => String(data[key] ?? '');
  switch (event.type) {
    case 'CustomerCreated':
      return `Customer created: ${str('fullName')} (login ${str('login')})`;
    case 'CustomerActivated':
    case 'CustomerBlocked':
    case 'CustomerDeactivated':
    case 'CustomerBillingTypeChanged':
      return withReason(changeList(data), data);
    case 'CustomerMainInfoChanged':
    case 'CustomerContactInfoChanged':
    case 'CustomerAddressChanged':
    case 'CustomerVoipSettingsChanged':
    case 'CustomerBillingSettingsChanged':
    case 'CustomerAdditionalFieldsChanged':
      return changeList(data);
    case 'CustomerLabelsChanged': {
      const parts = [];
      if ((data.added as string[]).length) parts.push(`added ${(data.added as string[]).join(', ')}`);
      if ((data.removed as string[]).length) parts.push(`removed ${(data.removed as string[]).join(', ')}`);
      return `Labels ${parts.join('; ')}`;
    }
    case 'CustomerConvertedToLead':
      return withReason('Converted to a lead', data);
    case 'LeadConvertedToCustomer':
      return withReason(`Converted from a lead to a ${formatValue(str('status'))} customer`, data);
    case 'CustomerDeleted':
      return withReason('Customer deleted', data);
    case 'CustomerRestored':
      return withReason('Customer restored', data);
    case 'CustomerPasswordReset':
      return withReason(data.generated ? 'Portal password reset (generated)' : 'Portal password reset', data);
    case 'CustomerPasswordRevealed':
      return withReason('Portal password revealed', data);
    case 'CustomerPinRevealed':
      return withReason('PIN revealed', data);
    case 'CustomerImpersonated':
      return withReason('Logged in as the customer', data);
    case 'CustomerCommentAdded':
      return `Comment added: ${str('text')}`;
    case 'CustomerCommentEdited':
      return `Comment edited: ${changeList(data)}`;
    case 'CustomerCommentDeleted':
      return 'Comment deleted';
    case 'CustomerNoteAdded':
      return `${data.kind === 'debtor' ? 'Debtor note' : 'Internal note'} added: ${str('text')}`;
    case 'CustomerNoteEdited':
      return `Note edited: ${changeList(data)}`;
    case 'CustomerNoteDeleted':
      return 'Note deleted';
    case 'CapBonusGranted':
      return `Bonus data granted: ${str('megabytes')} MB (${str('reason')})${data.expiresAt ? `, expires ${str('expiresAt')}` : ''}`;
    case 'CapBonusRevoked':
      return withReason(`Bonus data grant revoked: ${str('megabytes')} MB`, data);
    case 'HardwareAssigned':
      return `Hardware assigned: ${str('productName')} (item ${str('itemId')})`;
    case 'HardwareUnassigned':
      return withReason(`Hardware unassigned: ${str('productName')} (item ${str('itemId')})`, data);
    case 'ContactPersonAdded':
      return `Contact person added: ${str('name')}`;
    case 'ContactPersonRemoved':
      return `Contact person removed: ${str('name')}`;
    case 'AdditionalAddressAdded':
      return `Address added: ${[data.street, data.city].filter(Boolean).join(', ')}`;
    case 'AdditionalAddressRemoved':
      return 'Address removed';
    case 'PaymentRecorded':
      return `Payment of ${str('amount')} recorded; ${changeList(data)}`;
    case 'ChargeRecorded':
      return `Charge of ${str('amount')} recorded (${str('description')}); ${changeList(data)}`;
    default:
      return event.type.replace(/([a-z])([A-Z])/g, '$1 $2');
  }
}
