/** JSON Schemas of the customer events' data, schema version 1. Served at /api/v1/events/catalog. */
import { js, type EventCatalogEntry, type JsonSchema } from '../../domain-kernel/json-schema.js';
import { CUSTOMER_EVENT_TYPES, type CustomerEventType } from './customer.events.js';
import { AUTOMATIC_TRIGGERS } from './customer.automation.js';
import {
  ACCOUNT_TYPES,
  ADDRESS_KEYS,
  BILLING_KEYS,
  BILLING_SCHEDULES,
  BILLING_TYPES,
  CATEGORIES,
  COMMENT_TYPES,
  CONTACT_INFO_KEYS,
  CUSTOMER_STATUSES,
  HARDWARE_STATUSES,
  MAIN_INFO_KEYS,
  NOTE_KINDS,
  PAYMENT_METHODS,
  PIN_FIELD,
  SCHEDULED_CHANGE_ACTIONS,
  VOIP_EDITABLE_KEYS,
} from './customer.types.js';

const STREAM = 'customer-<id>';
const str = js.string;
const optStr = () => js.nullable(js.string());
const optInt = () => js.nullable(js.integer());
const status = js.enum(CUSTOMER_STATUSES);
const author = js.nullable(js.object({ id: str(), name: str() }));
const geo = js.nullable(js.object({ lat: js.number({ minimum: -90, maximum: 90 }), lng: js.number({ minimum: -180, maximum: 180 }) }));
const reason = js.nullable(js.string({ maxLength: 500 }));

/** A secret sealed by the application layer (SecretBox: "v1.<iv>.<tag>.<ciphertext>"); opaque to the domain. */
const ciphertext = () => str({ minLength: 1, description: 'Sealed by the application layer; never the plain secret' });

/** The fields of a scheduled change in its events. */
const scheduledChange = {
  changeId: str(),
  action: js.enum(SCHEDULED_CHANGE_ACTIONS),
  status: js.nullable(status),
  billingType: js.nullable(js.enum(BILLING_TYPES)),
  scheduledFor: js.dateTime(),
  until: js.nullable(js.dateTime()),
  reason,
};

/** customerId and at, common to every customer event. */
const base = { customerId: js.integer({ minimum: 1 }), at: js.dateTime() };

const voipSchema = js.object({
  accountNumber: str({ pattern: '^[0-9]{1,20}$' }),
  pinCiphertext: ciphertext(),
  resellerId: optInt(),
  expiryDate: js.nullable(js.dateTime()),
  validDays: optInt(),
  firstUsedAt: js.nullable(js.dateTime()),
  concurrentCalls: js.integer({ minimum: 0 }),
  cps: js.integer({ minimum: 0 }),
  localCalls: js.boolean(),
  localCallChargePerMinute: js.number({ minimum: 0 }),
  recording: js.boolean(),
  ipManagement: js.boolean(),
  notifications: js.boolean(),
  paymentGatewayPermission: js.boolean(),
  currency: js.nullable(str({ pattern: '^[A-Z]{3}$' })),
  timezone: optStr(),
  country: js.nullable(str({ pattern: '^[A-Z]{2}$' })),
  province: optStr(),
  lowCreditNotificationEmail: optStr(),
});

const billingSchema = js.object({
  accountType: js.enum(ACCOUNT_TYPES),
  creditLimit: js.nullable(js.number({ minimum: 0 })),
  rateGroup: optStr(),
  schedule: js.enum(BILLING_SCHEDULES),
  billingDay: js.integer({ minimum: 1, maximum: 28 }),
  paymentDueDays: js.integer({ minimum: 0 }),
  blockingPeriodDays: optInt(),
  gracePeriodDays: optInt(),
  minimumBalance: js.number(),
  taxes: js.array(str()),
  taxNumber: optStr(),
  invoiceNote: js.nullable(str({ maxLength: 110 })),
  reference: optStr(),
  paymentMethod: js.nullable(js.enum(PAYMENT_METHODS)),
});

const additionalValue: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }] };

const schemas: Record<CustomerEventType, { description: string; schema: JsonSchema }> = {
  CustomerCreated: {
    description: 'A customer was created (status new). Carries the full initial profile; the portal password and the VoIP PIN only as ciphertext.',
    schema: js.object({
      ...base,
      login: str(),
      passwordCiphertext: ciphertext(),
      status,
      billingType: js.enum(BILLING_TYPES),
      category: js.enum(CATEGORIES),
      fullName: str(),
      emails: js.array(str({ format: 'email' })),
      billingEmails: js.array(str({ format: 'email' })),
      phones: js.array(str()),
      partnerId: js.integer({ minimum: 1 }),
      locationId: js.integer({ minimum: 1 }),
      street: optStr(),
      street2: optStr(),
      zipCode: optStr(),
      city: optStr(),
      geo,
      dateOfBirth: js.nullable(js.date()),
      identification: optStr(),
      companyId: optStr(),
      vatId: optStr(),
      contactPerson: optStr(),
      dateAdded: js.date(),
      labels: js.array(str()),
      additionalFields: js.map(additionalValue),
      voip: voipSchema,
      billing: billingSchema,
    }),
  },
  CustomerMainInfoChanged: {
    description: 'Main information changed (login, name, category, partner, location, personal / company data, date added).',
    schema: js.object({ ...base, changes: js.changes(MAIN_INFO_KEYS) }),
  },
  CustomerContactInfoChanged: {
    description: 'Emails, billing emails or phones changed.',
    schema: js.object({ ...base, changes: js.changes(CONTACT_INFO_KEYS) }),
  },
  CustomerAddressChanged: {
    description: 'The main address or its geo coordinates changed.',
    schema: js.object({ ...base, changes: js.changes(ADDRESS_KEYS) }),
  },
  CustomerVoipSettingsChanged: {
    description: "VoIP account settings changed. A PIN change appears as 'voip.pin' '[redacted]' in changes, the new PIN only sealed, in `pinCiphertext`.",
    schema: js.object({ ...base, changes: js.changes([PIN_FIELD, ...VOIP_EDITABLE_KEYS.map((key) => `voip.${key}`)]), pinCiphertext: ciphertext() }, ['pinCiphertext']),
  },
  CustomerBillingSettingsChanged: {
    description: 'Billing settings changed (account type, credit limit, schedule, billing day, taxes…).',
    schema: js.object({ ...base, changes: js.changes(BILLING_KEYS.map((key) => `billing.${key}`)) }),
  },
  CustomerLabelsChanged: {
    description: 'Labels added or removed.',
    schema: js.object({ ...base, added: js.array(str()), removed: js.array(str()), changes: js.changes(['labels']) }),
  },
  CustomerAdditionalFieldsChanged: {
    description: 'Values of admin-defined additional fields changed (to null = cleared).',
    schema: js.object({ ...base, changes: js.changes(['additionalFields.*']) }),
  },
  CustomerActivated: {
    description: 'The customer became Active (services on, billed). `automatic` (trigger debt_cleared): the automation returned a customer it had blocked once the debt was cleared.',
    schema: statusSchema(),
  },
  CustomerBlocked: {
    description:
      'The customer was Blocked (services suspended, billing continues). `automatic` (trigger blocking_period or prepaid_minimum_balance, dueAt): blocked by the billing rules, the actor is the system; without it, by hand.',
    schema: statusSchema(),
  },
  CustomerDeactivated: {
    description: 'The customer became Inactive (services and billing stopped). `automatic` (trigger grace_period): still unpaid after the grace period of an automatic block.',
    schema: statusSchema(),
  },
  CustomerBillingTypeChanged: {
    description: 'Billing type changed (recurring / prepaid custom / prepaid daily).',
    schema: js.object({ ...base, from: js.enum(BILLING_TYPES), to: js.enum(BILLING_TYPES), reason, changes: js.changes(['billingType']) }),
  },
  CustomerConvertedToLead: {
    description: 'A New customer was converted to a lead.',
    schema: js.object({ ...base, reason, changes: js.changes(['isLead']) }),
  },
  LeadConvertedToCustomer: {
    description: 'A lead became a customer again (status new or active).',
    schema: js.object({ ...base, status, reason, changes: js.changes(['isLead', 'status']) }),
  },
  CustomerDeleted: {
    description: 'An Inactive customer was deleted (soft delete; history kept; restorable).',
    schema: js.object({ ...base, status, reason, changes: js.changes(['deleted']) }),
  },
  CustomerRestored: {
    description: 'A deleted customer was restored (keeps its status, Inactive).',
    schema: js.object({ ...base, status, reason, changes: js.changes(['deleted']) }),
  },
  CustomerPasswordReset: {
    description: 'The portal password was replaced (ciphertext only).',
    schema: js.object({ ...base, reason, passwordCiphertext: ciphertext(), generated: js.boolean() }),
  },
  CustomerPasswordRevealed: { description: 'An admin revealed the portal password (audit).', schema: js.object({ ...base, reason }) },
  CustomerPinRevealed: { description: 'An admin revealed the VoIP PIN (audit).', schema: js.object({ ...base, reason }) },
  CustomerImpersonated: {
    description: 'An admin logged in to the portal as the customer (audit).',
    schema: js.object({ ...base, reason, expiresAt: js.nullable(js.dateTime()) }),
  },
  CustomerCommentAdded: {
    description: 'A comment was added to the profile.',
    schema: js.object({ ...base, commentId: str(), text: str(), type: js.enum(COMMENT_TYPES), pinned: js.boolean(), author }),
  },
  CustomerCommentEdited: {
    description: 'A comment was edited.',
    schema: js.object({ ...base, commentId: str(), changes: js.changes(['text', 'type', 'pinned']) }),
  },
  CustomerCommentDeleted: { description: 'A comment was deleted.', schema: js.object({ ...base, commentId: str() }) },
  CustomerNoteAdded: {
    description: 'An internal or debtor note was added (popup: shown as an alert on the profile).',
    schema: js.object({ ...base, noteId: str(), text: str(), kind: js.enum(NOTE_KINDS), popup: js.boolean(), author }),
  },
  CustomerNoteEdited: {
    description: 'A note was edited.',
    schema: js.object({ ...base, noteId: str(), changes: js.changes(['text', 'kind', 'popup']) }),
  },
  CustomerNoteDeleted: { description: 'A note was deleted.', schema: js.object({ ...base, noteId: str() }) },
  CapBonusGranted: {
    description: 'Bonus data (CAP) was granted.',
    schema: js.object({
      ...base,
      grantId: str(),
      megabytes: js.integer({ minimum: 1 }),
      reason: str(),
      expiresAt: js.nullable(js.dateTime()),
      grantedBy: author,
    }),
  },
  CapBonusExpired: {
    description:
      'The automation: a CAP bonus grant reached its expiresAt (dueAt) and no longer counts in the bonus total. Actor: the system; causationId: the CapBonusGranted event.',
    schema: js.object({ ...base, grantId: str(), megabytes: js.integer({ minimum: 1 }), expiresAt: js.dateTime(), dueAt: js.dateTime(), reason }),
  },
  VoipAccountExpired: {
    description:
      'The automation: the VoIP account reached its expiry (expiresAt: the earlier of the expiry date and first use, else creation, plus the valid days); no new calls after it. Actor: the system; causationId: the event that set the expiry.',
    schema: js.object({
      ...base,
      accountNumber: str({ pattern: '^[0-9]{1,20}$' }),
      expiresAt: js.dateTime(),
      expiryDate: js.nullable(js.dateTime()),
      validDays: optInt(),
      dueAt: js.dateTime(),
      reason,
    }),
  },
  CapBonusRevoked: {
    description: 'A CAP bonus grant was revoked.',
    schema: js.object({ ...base, grantId: str(), megabytes: js.integer({ minimum: 1 }), reason }),
  },
  HardwareAssigned: {
    description: 'An inventory item was assigned to the customer.',
    schema: js.object({ ...base, itemId: str(), productName: str(), barcode: optStr(), status: js.enum(HARDWARE_STATUSES) }),
  },
  HardwareUnassigned: {
    description: 'An inventory item was taken off the customer.',
    schema: js.object({ ...base, itemId: str(), productName: str(), reason }),
  },
  ContactPersonAdded: {
    description: 'A contact person was added.',
    schema: js.object({ ...base, contactId: str(), name: str(), role: optStr(), email: optStr(), phone: optStr() }),
  },
  ContactPersonRemoved: { description: 'A contact person was removed.', schema: js.object({ ...base, contactId: str(), name: str() }) },
  AdditionalAddressAdded: {
    description: 'An additional address was added.',
    schema: js.object({
      ...base,
      addressId: str(),
      label: optStr(),
      street: str(),
      street2: optStr(),
      zipCode: optStr(),
      city: optStr(),
      country: js.nullable(str({ pattern: '^[A-Z]{2}$' })),
      geo,
    }),
  },
  AdditionalAddressRemoved: { description: 'An additional address was removed.', schema: js.object({ ...base, addressId: str() }) },
  PaymentRecorded: {
    description: 'A payment was recorded; the balance rose.',
    schema: js.object({
      ...base,
      paymentId: str(),
      amount: js.number({ exclusiveMinimum: 0 }),
      method: js.nullable(js.enum(PAYMENT_METHODS)),
      reference: optStr(),
      note: optStr(),
      changes: js.changes(['balance']),
    }),
  },
  ChargeRecorded: {
    description: 'A charge was recorded; the balance fell.',
    schema: js.object({ ...base, chargeId: str(), amount: js.number({ exclusiveMinimum: 0 }), description: str(), reference: optStr(), changes: js.changes(['balance']) }),
  },
  ScheduledChangeAdded: {
    description:
      'An admin scheduled a status or billing-type change for `scheduledFor` (the API\'s `at`); with `until`, a hold that returns to the previous status then. The automation runs it (ScheduledChangeCompleted / ScheduledChangeFailed).',
    schema: js.object({ ...base, ...scheduledChange, scheduledBy: author }),
  },
  ScheduledChangeChanged: {
    description: 'A pending scheduled change was edited; the data holds the change as it is now, `changes` what moved.',
    schema: js.object({ ...base, ...scheduledChange, changes: js.changes(['scheduledFor', 'until', 'reason', 'status', 'billingType']) }),
  },
  ScheduledChangeCancelled: {
    description: 'A pending scheduled change was cancelled; it will not run.',
    schema: js.object({ ...base, changeId: str(), reason }),
  },
  ScheduledChangeCompleted: {
    description:
      'A phase of a scheduled change ran (actor "system"). `applied`: the status / billing-type event just before it in the stream did it; `skipped`: nothing to change (`note`). A hold\'s start records `previousStatus`, the status its end returns to.',
    schema: js.object({
      ...base,
      changeId: str(),
      phase: js.enum(['start', 'end']),
      outcome: js.enum(['applied', 'skipped']),
      previousStatus: js.nullable(status),
      note: optStr(),
    }),
  },
  ScheduledChangeFailed: {
    description: 'A phase of a scheduled change fell due and the rules refused it (actor "system"): `rule` and `message` say why; nothing else changed.',
    schema: js.object({ ...base, changeId: str(), phase: js.enum(['start', 'end']), rule: str(), message: str() }),
  },
  CustomerPersonalDataErased: {
    description:
      'The personal data of the customer was erased (crypto-shredding): its data key is destroyed, so from now on every personal value of its events ' +
      '(name, emails, phones, addresses, date of birth, identification, company contact, geo, comment and note texts, contacts) reads "[erased]" ' +
      '(lists ["[erased]"], geo points null), in replays, the feed and exports alike. Money movements, status and billing stay. ' +
      'Consumers holding copies of the personal data must erase theirs on this event.',
    schema: js.object({ ...base, reason: str(), fields: js.array(str()) }),
  },
};

function statusSchema(): JsonSchema {
  return js.object(
    { ...base, from: status, to: status, reason, changes: js.changes(['status']), automatic: js.object({ trigger: js.enum(AUTOMATIC_TRIGGERS), dueAt: js.dateTime() }) },
    ['automatic'],
  );
}

export const CUSTOMER_EVENT_CATALOG: readonly EventCatalogEntry[] = CUSTOMER_EVENT_TYPES.map((type) => ({
  type,
  version: 1,
  stream: STREAM,
  description: schemas[type].description,
  schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', title: type, ...schemas[type].schema },
}));
