/**
 * Plain-English one-liners for the activity timeline, from one recorded customer event alone (so a
 * rebuild writes exactly the same text): "Status changed from New to Active by Jane (reason: paid)".
 * Also the sanitised `changes`: secrets never leave the event store through the timeline.
 */
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { actorOf, reasonOfEvent } from '../../src/event-store/event-facts.js';
import type { ActivityEntry } from './customer-activity.queries.js';
import { formatMoney } from '../../src/domain-kernel/money.js';
import { isSecretKey } from '../../src/crypto/redaction.js';
import { ERASED, REDACTED, SECRET_FIELDS, isPersonalChange, reasonIsPersonal, type Change, type JsonValue } from '../../src/customers/domain/index.js';

const STATUS_LABELS: Record<string, string> = { new: 'New', active: 'Active', blocked: 'Blocked', inactive: 'Inactive' };
const BILLING_TYPE_LABELS: Record<string, string> = {
  recurring: 'Recurring',
  prepaid_custom: 'Prepaid (custom)',
  prepaid_daily: 'Prepaid (daily)',
};
const CATEGORY_LABELS: Record<string, string> = { person: 'Person', company: 'Company' };

const FIELD_LABELS: Record<string, string> = {
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
  emails: 'Email',
  billingEmails: 'Billing email',
  phones: 'Phone',
  street: 'Street',
  street2: 'Street (line 2)',
  zipCode: 'ZIP code',
  city: 'City',
  geo: 'Coordinates',
  status: 'Status',
  billingType: 'Billing type',
  labels: 'Labels',
  balance: 'Balance',
  isLead: 'Lead',
  deleted: 'Deleted',
  text: 'Text',
  type: 'Type',
  pinned: 'Pinned',
  kind: 'Kind',
  popup: 'Pop-up',
  'voip.resellerId': 'VoIP reseller',
  'voip.expiryDate': 'VoIP expiry date',
  'voip.validDays': 'VoIP valid days',
  'voip.firstUsedAt': 'VoIP first used',
  'voip.concurrentCalls': 'Concurrent calls',
  'voip.cps': 'Calls per second',
  'voip.localCalls': 'Local calls',
  'voip.localCallChargePerMinute': 'Local call charge per minute',
  'voip.recording': 'Call recording',
  'voip.ipManagement': 'IP management',
  'voip.notifications': 'VoIP notifications',
  'voip.paymentGatewayPermission': 'Payment gateway permission',
  'voip.currency': 'Currency',
  'voip.timezone': 'Time zone',
  'voip.country': 'Country',
  'voip.province': 'Province',
  'voip.lowCreditNotificationEmail': 'Low-credit notification email',
  'voip.pin': 'VoIP PIN',
  'billing.accountType': 'Account type',
  'billing.creditLimit': 'Credit limit',
  'billing.rateGroup': 'Rate group',
  'billing.schedule': 'Billing schedule',
  'billing.billingDay': 'Billing day',
  'billing.paymentDueDays': 'Payment due days',
  'billing.blockingPeriodDays': 'Blocking period (days)',
  'billing.gracePeriodDays': 'Grace period (days)',
  'billing.minimumBalance': 'Minimum balance',
  'billing.taxes': 'Taxes',
  'billing.taxNumber': 'Tax number',
  'billing.invoiceNote': 'Invoice note',
  'billing.reference': 'Billing reference',
  'billing.paymentMethod': 'Payment method',
};

/** Fields whose values must never appear in the timeline (besides the domain's SECRET_FIELDS): a secret key (the one redaction's test) as the last part of the field. */
const isSecretField = (field: string): boolean => !field.startsWith('additionalFields.') && isSecretKey(field.split('.').pop() ?? field);

/** What the describer makes of one event: the timeline entry's type, summary, changes and actor. */
export type ActivityDescription = Pick<ActivityEntry, 'type' | 'summary' | 'actor' | 'reason' | 'revertedRevision'> & { changes: Change[] };

export function fieldLabel(field: string): string {
  if (FIELD_LABELS[field]) return FIELD_LABELS[field];
  if (field.startsWith('additionalFields.')) return `Additional field ${field.slice('additionalFields.'.length)}`;
  const last = field.split('.').pop() ?? field;
  const words = last.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A value as a person reads it: lists comma separated, empty as "(empty)", enums by their label. */
export function formatValue(field: string, value: JsonValue | undefined): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (value === REDACTED) return REDACTED;
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : value.map((item) => formatValue(field, item)).join(', ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'object') {
    if ('lat' in value && 'lng' in value) return `${String(value.lat)}, ${String(value.lng)}`;
    return JSON.stringify(value);
  }
  if (typeof value === 'string') {
    if (field === 'status') return STATUS_LABELS[value] ?? value;
    if (field === 'billingType') return BILLING_TYPE_LABELS[value] ?? value;
    if (field === 'category') return CATEGORY_LABELS[value] ?? value;
  }
  return String(value);
}

/** The changes with secret values replaced by REDACTED. */
export function sanitizeChanges(changes: readonly Change[] | undefined): Change[] {
  return (changes ?? []).map((change) =>
    (SECRET_FIELDS as readonly string[]).includes(change.field) || isSecretField(change.field)
      ? { field: change.field, from: REDACTED, to: REDACTED }
      : { field: change.field, from: change.from ?? null, to: change.to ?? null },
  );
}

function describeChange(change: Change): string {
  const label = fieldLabel(change.field);
  if (change.from === REDACTED || change.to === REDACTED) return `${label} changed`;
  if (change.from === null || (Array.isArray(change.from) && change.from.length === 0) || change.from === '') {
    return `${label} set to ${formatValue(change.field, change.to)}`;
  }
  if (change.to === null || (Array.isArray(change.to) && change.to.length === 0) || change.to === '') {
    return `${label} cleared (was ${formatValue(change.field, change.from)})`;
  }
  return `${label} changed from ${formatValue(change.field, change.from)} to ${formatValue(change.field, change.to)}`;
}

/** "A changed from x to y; B set to z and 2 more changes". */
function describeChanges(changes: readonly Change[], fallback: string): string {
  if (changes.length === 0) return fallback;
  const shown = changes.slice(0, 3).map(describeChange);
  const more = changes.length - shown.length;
  const text = shown.join('; ');
  return more > 0 ? `${text} and ${more} more change${more === 1 ? '' : 's'}` : text;
}


function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function megabytes(value: unknown): string {
  return `${typeof value === 'number' ? value.toLocaleString('en-US') : String(value)} MB`;
}

/** The exact amount, at least 2 decimals: 0.001 reads "0.001", never "0.00". */
function amount(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? formatMoney(value) : String(value);
}

/** "Status change to Blocked" / "Billing type change to Prepaid (daily)". */
function scheduledWhat(data: Record<string, unknown>): string {
  return data.action === 'billing_type'
    ? `Billing type change to ${formatValue('billingType', data.billingType as JsonValue)}`
    : `${text(data.until) ? 'Hold: status' : 'Status'} change to ${formatValue('status', data.status as JsonValue)}`;
}

/** "10 Mar 2025 08:00 UTC". */
function when(value: unknown): string {
  const time = typeof value === 'string' ? new Date(value) : null;
  if (!time || Number.isNaN(time.getTime())) return String(value);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${time.getUTCDate()} ${months[time.getUTCMonth()]} ${time.getUTCFullYear()} ${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())} UTC`;
}

/** The timeline entry of one customer event. */
export function describeEvent(event: RecordedEvent): ActivityDescription {
  const data = event.data as Record<string, unknown>;
  const actor = actorOf(event);
  const changes = sanitizeChanges(data.changes as Change[] | undefined);
  const by = actor?.name ? ` by ${actor.name}` : '';
  const why = reasonOfEvent(event);
  const reason = why ? ` (reason: ${why})` : '';
  const reverted = revertedRevisionOf(event);
  const what = (() => {
    switch (event.type) {
      case 'CustomerCreated': {
        const login = text(data.login);
        return `Customer ${text(data.fullName) || `#${String(data.customerId)}`}${login ? ` (login ${login})` : ''} created`;
      }
      case 'CustomerMainInfoChanged':
      case 'CustomerContactInfoChanged':
      case 'CustomerAddressChanged':
      case 'CustomerVoipSettingsChanged':
      case 'CustomerBillingSettingsChanged':
      case 'CustomerAdditionalFieldsChanged':
        return describeChanges(changes, 'Profile changed');
      case 'CustomerLabelsChanged': {
        const added = (data.added as string[] | undefined) ?? [];
        const removed = (data.removed as string[] | undefined) ?? [];
        const parts = [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean);
        return `Labels changed: ${parts.join('; ') || 'reordered'}`;
      }
      case 'CustomerActivated':
      case 'CustomerBlocked':
      case 'CustomerDeactivated':
        return `Status changed from ${formatValue('status', data.from as JsonValue)} to ${formatValue('status', data.to as JsonValue)}`;
      case 'CustomerBillingTypeChanged':
        return `Billing type changed from ${formatValue('billingType', data.from as JsonValue)} to ${formatValue('billingType', data.to as JsonValue)}`;
      case 'CustomerConvertedToLead':
        return 'Converted to a lead';
      case 'LeadConvertedToCustomer':
        return `Converted from a lead back to a customer (status ${formatValue('status', data.status as JsonValue)})`;
      case 'CustomerDeleted':
        return 'Customer deleted';
      case 'CustomerRestored':
        return 'Customer restored';
      case 'CustomerPasswordReset':
        return data.generated === true ? 'Portal password reset to a generated one' : 'Portal password reset';
      case 'CustomerPasswordRevealed':
        return 'Portal password revealed';
      case 'CustomerPinRevealed':
        return 'VoIP PIN revealed';
      case 'CustomerImpersonated':
        return `Logged in to the portal as the customer${text(data.expiresAt) ? ` (until ${text(data.expiresAt)})` : ''}`;
      case 'CustomerCommentAdded':
        return data.pinned === true ? 'Pinned comment added' : 'Comment added';
      case 'CustomerCommentEdited':
        return `Comment edited (${changes.map((change) => fieldLabel(change.field).toLowerCase()).join(', ') || 'no change'})`;
      case 'CustomerCommentDeleted':
        return 'Comment deleted';
      case 'CustomerNoteAdded': {
        const kind = data.kind === 'debtor' ? 'Debtor note' : 'Internal note';
        return `${kind} added${data.popup === true ? ' (shown as a pop-up alert)' : ''}`;
      }
      case 'CustomerNoteEdited':
        return `Note edited (${changes.map((change) => fieldLabel(change.field).toLowerCase()).join(', ') || 'no change'})`;
      case 'CustomerNoteDeleted':
        return 'Note deleted';
      case 'CapBonusGranted': {
        const expires = text(data.expiresAt) ? ` (expires ${text(data.expiresAt)})` : '';
        return `CAP bonus of ${megabytes(data.megabytes)} granted${expires}`;
      }
      case 'CapBonusRevoked':
        return `CAP bonus of ${megabytes(data.megabytes)} revoked`;
      case 'CapBonusExpired':
        return `CAP bonus of ${megabytes(data.megabytes)} expired`;
      case 'VoipAccountExpired':
        return `VoIP account ${text(data.accountNumber)} expired (no new calls)`;
      case 'HardwareAssigned':
        return `Hardware ${text(data.productName)} (item ${text(data.itemId)}) assigned`;
      case 'HardwareUnassigned':
        return `Hardware ${text(data.productName)} (item ${text(data.itemId)}) unassigned`;
      case 'ContactPersonAdded':
        return `Contact person ${text(data.name)}${text(data.role) ? ` (${text(data.role)})` : ''} added`;
      case 'ContactPersonRemoved':
        return `Contact person ${text(data.name)} removed`;
      case 'AdditionalAddressAdded':
        return `Additional address ${[text(data.street), text(data.city)].filter(Boolean).join(', ')} added`;
      case 'AdditionalAddressRemoved':
        return 'Additional address removed';
      case 'PaymentRecorded': {
        const balance = changes.find((change) => change.field === 'balance');
        return `Payment of ${amount(data.amount)} recorded${balance ? ` (balance ${amount(balance.from)} → ${amount(balance.to)})` : ''}`;
      }
      case 'CustomerPersonalDataErased':
        return 'Personal data erased';
      case 'ChargeRecorded': {
        const balance = changes.find((change) => change.field === 'balance');
        return `Charge of ${amount(data.amount)} recorded: ${text(data.description)}${balance ? ` (balance ${amount(balance.from)} → ${amount(balance.to)})` : ''}`;
      }
      case 'ScheduledChangeAdded':
        return `${scheduledWhat(data)} scheduled for ${when(data.scheduledFor)}${text(data.until) ? `, until ${when(data.until)}` : ''}`;
      case 'ScheduledChangeChanged':
        return `Scheduled change edited: ${scheduledWhat(data)} on ${when(data.scheduledFor)}${text(data.until) ? `, until ${when(data.until)}` : ''}`;
      case 'ScheduledChangeCancelled':
        return 'Scheduled change cancelled';
      case 'ScheduledChangeCompleted':
        if (data.outcome === 'skipped') return `Scheduled change (${data.phase === 'end' ? 'end of the hold' : 'start'}) changed nothing: ${text(data.note)}`;
        return data.phase === 'end' ? 'Hold ended as scheduled' : 'Scheduled change carried out';
      case 'ScheduledChangeFailed':
        return `Scheduled change not carried out (${text(data.rule)}): ${text(data.message)}`;
      default:
        return describeChanges(changes, event.type.replace(/([a-z])([A-Z])/g, '$1 $2'));
    }
  })();
  // A change made with a reason ends with it; a revert says what it undid.
  const undid = reverted === null ? '' : ` (reverts revision ${reverted})`;
  return { type: event.type, summary: `${what}${undid}${by}${reason}`, changes, actor, reason: why, ...(reverted === null ? {} : { revertedRevision: reverted }) };
}

/** The revision a compensating event undid (metadata.revertedRevision of POST /customers/{id}/revert), else null. */
export function revertedRevisionOf(event: Pick<RecordedEvent, 'metadata'>): number | null {
  const value = event.metadata?.revertedRevision;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** Event types whose timeline summary can quote a personal value (see erasedEntry). */
const SUMMARIES_WITH_PERSONAL_DATA: Readonly<Record<string, (entry: { summary: string; changes: Change[] }) => Record<string, unknown>>> = {
  CustomerCreated: ({ summary }) => ({ fullName: ERASED, login: /\(login ([^)]+)\)/.exec(summary)?.[1] }),
  CustomerMainInfoChanged: ({ changes }) => ({ changes }),
  CustomerContactInfoChanged: ({ changes }) => ({ changes }),
  CustomerAddressChanged: ({ changes }) => ({ changes }),
  CustomerVoipSettingsChanged: ({ changes }) => ({ changes }),
  ContactPersonAdded: () => ({ name: ERASED }),
  ContactPersonRemoved: () => ({ name: ERASED }),
  AdditionalAddressAdded: () => ({ street: ERASED }),
};

/**
 * A stored timeline entry as it reads once the customer's personal data is erased, the same text
 * a replay of the erased events writes: personal values in `changes` read "[erased]" (lists
 * ["[erased]"], geo points null) and a summary that quoted one is written again from them,
 * keeping its tail (" by <actor> (reason: …)").
 */
export function erasedEntry(entry: { type: string; summary: string; changes: Change[]; actor: ActivityEntry['actor']; reason?: string | null }): {
  summary: string;
  changes: Change[];
  reason: string | null;
} {
  const { summary, changes } = erasedValues(entry);
  // The reason is free text that may name the person: it reads erased, in its column and at the summary's end.
  const reason = entry.reason ?? null;
  if (reason === null || reason === ERASED || !reasonIsPersonal(entry.type)) return { summary, changes, reason };
  const tail = ` (reason: ${reason})`;
  return { summary: summary.endsWith(tail) ? `${summary.slice(0, -tail.length)} (reason: ${ERASED})` : summary, changes, reason: ERASED };
}

function erasedValues(entry: { type: string; summary: string; changes: Change[]; actor: ActivityEntry['actor'] }): { summary: string; changes: Change[] } {
  const erase = (value: JsonValue | undefined): JsonValue => {
    if (value === null || value === undefined || value === '' || value === REDACTED) return value ?? null;
    if (Array.isArray(value)) return value.length === 0 ? [] : [ERASED];
    return typeof value === 'string' ? ERASED : null;
  };
  const changes = entry.changes.map((change) => (isPersonalChange(entry.type, change.field) ? { field: change.field, from: erase(change.from), to: erase(change.to) } : change));
  const dataOf = SUMMARIES_WITH_PERSONAL_DATA[entry.type];
  if (!dataOf) return { summary: entry.summary, changes };
  const what = describeEvent({ type: entry.type, data: dataOf({ summary: entry.summary, changes }), metadata: {} } as unknown as RecordedEvent).summary;
  const by = entry.actor?.name ? ` by ${entry.actor.name}` : '';
  const tailAt = by ? entry.summary.lastIndexOf(by) : entry.summary.lastIndexOf(' (reason: ');
  return { summary: `${what}${tailAt >= 0 ? entry.summary.slice(tailAt) : ''}`, changes };
}
