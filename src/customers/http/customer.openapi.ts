/** OpenAPI schemas of the customer answers: the resource, its write answers, lists and reads. */
import type { SchemaObject } from '@nestjs/swagger';
import { namedSchema, oa, page, written } from '../../common/openapi/schema.js';
import { ACTOR_SCHEMA, ADDITIONAL_FIELD_VALUE_SCHEMA } from '../../common/openapi/shared-schemas.js';
import type { BulkDeleteItemResult, BulkDeleteResult, PortalToken } from '../application/customer.commands.js';
import {
  ACCOUNT_TYPES,
  BILLING_SCHEDULES,
  BILLING_TYPES,
  CATEGORIES,
  COMMENT_TYPES,
  CUSTOMER_STATUSES,
  HARDWARE_STATUSES,
  NOTE_KINDS,
  PAYMENT_METHODS,
  type AdditionalAddress,
  type AuthorRef,
  type BillingSettings,
  type ContactPerson,
  type CustomerView,
  type GeoPoint,
  type VoipSettings,
} from '../domain/index.js';
import type { ActivityEntry, CustomerListItem, CustomerProfile, CustomerStats } from '../queries/customer-read-models.js';
import type { Charge, CustomerRevision, Payment } from './created-items.js';

const text = (description?: string) => oa.string(description ? { description } : {});
const optionalText = (description?: string) => oa.nullable(text(description));

export const GEO_SCHEMA = namedSchema('GeoPoint', oa.object<GeoPoint>({ lat: oa.number({ minimum: -90, maximum: 90 }), lng: oa.number({ minimum: -180, maximum: 180 }) }));
export const AUTHOR_SCHEMA = namedSchema('AuthorRef', oa.object<AuthorRef>({ id: oa.string(), name: oa.string() }, { description: 'The admin who wrote it' }));

type View = CustomerView;

export const COMMENT_SCHEMA = namedSchema(
  'Comment',
  oa.object<View['comments'][number]>({
    id: oa.string(),
    text: oa.string(),
    type: oa.enum(COMMENT_TYPES),
    pinned: oa.boolean(),
    author: oa.nullable(AUTHOR_SCHEMA),
    at: oa.dateTime(),
    editedAt: oa.nullable(oa.dateTime()),
  }),
);

export const NOTE_SCHEMA = namedSchema(
  'Note',
  oa.object<View['notes'][number]>({
    id: oa.string(),
    text: oa.string(),
    kind: oa.enum(NOTE_KINDS, 'internal or debtor'),
    popup: oa.boolean('Shown as an alert when the profile opens'),
    author: oa.nullable(AUTHOR_SCHEMA),
    at: oa.dateTime(),
    editedAt: oa.nullable(oa.dateTime()),
  }),
);

export const CAP_GRANT_SCHEMA = namedSchema(
  'CapGrant',
  oa.object<View['cap']['grants'][number]>({
    id: oa.string(),
    megabytes: oa.integer({ minimum: 1 }),
    reason: oa.string(),
    expiresAt: oa.nullable(oa.dateTime()),
    revoked: oa.boolean(),
    grantedAt: oa.dateTime(),
    grantedBy: oa.nullable(AUTHOR_SCHEMA),
  }),
);

export const CAP_SCHEMA = namedSchema(
  'Cap',
  oa.object<View['cap']>({
    grants: oa.array(CAP_GRANT_SCHEMA),
    bonusMegabytesTotal: oa.integer({ description: 'Megabytes of the grants neither revoked nor expired', minimum: 0 }),
  }),
);

export const HARDWARE_SCHEMA = namedSchema(
  'HardwareItem',
  oa.object<View['hardware'][number]>({
    itemId: oa.string({ description: 'Inventory item id' }),
    productName: oa.string(),
    barcode: optionalText(),
    status: oa.enum(HARDWARE_STATUSES),
    assignedAt: oa.dateTime(),
  }),
);

export const CONTACT_SCHEMA = namedSchema(
  'ContactPerson',
  oa.object<ContactPerson>({
    id: oa.string(),
    name: oa.string(),
    role: optionalText(),
    email: oa.nullable(oa.string({ format: 'email' })),
    phone: optionalText(),
    addedAt: oa.dateTime(),
  }),
);

export const ADDRESS_SCHEMA = namedSchema(
  'AdditionalAddress',
  oa.object<AdditionalAddress>({
    id: oa.string(),
    label: optionalText('e.g. billing, installation'),
    street: oa.string(),
    street2: optionalText(),
    zipCode: optionalText(),
    city: optionalText(),
    country: optionalText('ISO 3166-1 alpha-2'),
    geo: oa.nullable(GEO_SCHEMA),
    addedAt: oa.dateTime(),
  }),
);

const VOIP_SCHEMA = namedSchema(
  'VoipSettings',
  oa.object<Omit<VoipSettings, 'pinCiphertext'>>(
    {
      accountNumber: oa.string({ description: 'Numeric, unique, read-only after create' }),
      resellerId: oa.nullable(oa.integer()),
      expiryDate: oa.nullable(oa.dateTime('No new calls after it')),
      validDays: oa.nullable(oa.integer()),
      firstUsedAt: oa.nullable(oa.dateTime()),
      concurrentCalls: oa.integer({ description: '0 = unlimited', minimum: 0 }),
      cps: oa.integer({ description: 'Calls per second; 0 = unlimited', minimum: 0 }),
      localCalls: oa.boolean(),
      localCallChargePerMinute: oa.number(),
      recording: oa.boolean(),
      ipManagement: oa.boolean(),
      notifications: oa.boolean(),
      paymentGatewayPermission: oa.boolean(),
      currency: optionalText('ISO 4217'),
      timezone: optionalText('IANA time zone'),
      country: optionalText('ISO 3166-1 alpha-2'),
      province: optionalText(),
      lowCreditNotificationEmail: oa.nullable(oa.string({ format: 'email' })),
    },
    { description: 'The VoIP account (the PIN is never shown: reveal it with POST …/pin/reveal)' },
  ),
);

const BILLING_SCHEMA = namedSchema(
  'BillingSettings',
  oa.object<BillingSettings>({
    accountType: oa.enum(ACCOUNT_TYPES),
    creditLimit: oa.nullable(oa.number({ description: 'Postpaid only' })),
    rateGroup: optionalText(),
    schedule: oa.enum(BILLING_SCHEDULES),
    billingDay: oa.integer({ minimum: 1, maximum: 28 }),
    paymentDueDays: oa.integer({ minimum: 0 }),
    blockingPeriodDays: oa.nullable(oa.integer({ description: 'null = do not block' })),
    gracePeriodDays: oa.nullable(oa.integer({ description: 'Days blocked before deactivation; null = off' })),
    minimumBalance: oa.number({ description: 'Balance under which the customer is blocked; may be negative' }),
    taxes: oa.array(oa.string()),
    taxNumber: optionalText(),
    invoiceNote: optionalText(),
    reference: optionalText(),
    paymentMethod: oa.nullable(oa.enum(PAYMENT_METHODS)),
  }),
);

const customerProperties = {
  id: oa.integer({ minimum: 1 }),
  login: oa.string(),
  status: oa.enum(CUSTOMER_STATUSES),
  billingType: oa.enum(BILLING_TYPES),
  category: oa.enum(CATEGORIES),
  fullName: oa.string(),
  emails: oa.array(oa.string({ format: 'email' })),
  billingEmails: oa.array(oa.string({ format: 'email' })),
  phones: oa.array(oa.string()),
  partnerId: oa.integer(),
  locationId: oa.integer(),
  street: optionalText(),
  street2: optionalText(),
  zipCode: optionalText(),
  city: optionalText(),
  geo: oa.nullable(GEO_SCHEMA),
  dateOfBirth: oa.nullable(oa.date()),
  identification: optionalText('Person only'),
  companyId: optionalText('Company only'),
  vatId: optionalText(),
  contactPerson: optionalText(),
  labels: oa.array(oa.string()),
  dateAdded: oa.date(),
  additionalFields: oa.map(ADDITIONAL_FIELD_VALUE_SCHEMA, 'Values of the additional fields, by name (GET /additional-fields)'),
  balance: oa.number(),
  revision: oa.integer({ description: 'Stream revision (the ETag; send it as If-Match)', minimum: 0 }),
  isLead: oa.boolean(),
  deleted: oa.boolean(),
  deletedAt: oa.nullable(oa.dateTime()),
  createdAt: oa.dateTime(),
  updatedAt: oa.dateTime(),
  voip: VOIP_SCHEMA,
  billing: BILLING_SCHEMA,
  comments: oa.array(COMMENT_SCHEMA),
  notes: oa.array(NOTE_SCHEMA),
  cap: CAP_SCHEMA,
  hardware: oa.array(HARDWARE_SCHEMA),
  contacts: oa.array(CONTACT_SCHEMA),
  addresses: oa.array(ADDRESS_SCHEMA),
  personalDataErasedAt: oa.nullable(oa.dateTime('When the personal data was erased (POST /customers/{id}/erase): its fields read "[erased]" since; null while not erased')),
} satisfies Record<keyof CustomerView, unknown>;

export const CUSTOMER_SCHEMA = namedSchema('Customer', oa.object<CustomerView>(customerProperties, { description: 'The customer resource' }));

/** Every customer write answers the customer after it, with position (revision is part of the resource). */
export const CUSTOMER_WRITTEN_SCHEMA = namedSchema('CustomerWritten', written(CUSTOMER_SCHEMA, 'the customer'));

export const CUSTOMER_PROFILE_SCHEMA = namedSchema(
  'CustomerProfile',
  oa.allOf(
    CUSTOMER_SCHEMA,
    oa.object<Omit<CustomerProfile, keyof CustomerView>>({
      alerts: oa.array(NOTE_SCHEMA, { description: 'The pop-up notes: show them when the profile opens' }),
      additionalFieldLabels: oa.map(oa.string(), 'Label of each additional field, by name'),
    }),
  ),
);

export const CUSTOMER_LIST_ITEM_SCHEMA = namedSchema(
  'CustomerListItem',
  oa.object<CustomerListItem>({
    id: oa.integer({ minimum: 1 }),
    login: oa.string(),
    fullName: oa.string(),
    status: oa.enum(CUSTOMER_STATUSES),
    billingType: oa.enum(BILLING_TYPES),
    category: oa.enum(CATEGORIES),
    partnerId: oa.integer(),
    locationId: oa.integer(),
    emails: oa.array(oa.string()),
    phones: oa.array(oa.string()),
    street: optionalText(),
    street2: optionalText(),
    zipCode: optionalText(),
    city: optionalText(),
    accountNumber: optionalText(),
    balance: oa.number(),
    dateAdded: oa.date(),
    labels: oa.array(oa.string()),
    additionalFields: oa.map(ADDITIONAL_FIELD_VALUE_SCHEMA, 'Only the fields whose definition says showInList'),
    isLead: oa.boolean(),
    deleted: oa.boolean(),
    createdAt: oa.dateTime(),
    updatedAt: oa.dateTime(),
    revision: oa.integer({ minimum: 0 }),
  }),
);

export const CUSTOMER_PAGE_SCHEMA = namedSchema('CustomerPage', page(CUSTOMER_LIST_ITEM_SCHEMA, { description: 'total only with ?total=true' }));

const change = oa.object<ActivityEntry['changes'][number]>(
  { field: oa.string({ example: 'status' }), from: oa.any('The value before (REDACTED for secrets)'), to: oa.any('The value after') },
);

export const ACTIVITY_ENTRY_SCHEMA = namedSchema(
  'ActivityEntry',
  oa.object<ActivityEntry>({
    position: oa.string({ description: 'Global position of the event' }),
    revision: oa.integer({ minimum: 0 }),
    type: oa.string({ description: 'Event type (GET /events/catalog)' }),
    at: oa.dateTime(),
    actor: oa.nullable(ACTOR_SCHEMA),
    summary: oa.string({ description: 'One sentence for a person', example: 'Status changed from New to Active by Ada' }),
    changes: oa.array(change),
    reason: oa.nullable(oa.string({ description: 'Why, as the write said (the `reason` of its body); null when it gave none' })),
    revertedRevision: oa.integer({ minimum: 0, description: 'On the events of a revert: the revision whose change they undid' }),
    revertible: oa.boolean(
      'Whether POST /customers/{id}/revert could ever accept this revision (false for creation, payments, charges, reveals, secret changes); the current state may still refuse it (already reverted, superseded)',
    ),
  }, { optional: ['revertedRevision'] }),
);

export const ACTIVITY_PAGE_SCHEMA = namedSchema('ActivityPage', page(ACTIVITY_ENTRY_SCHEMA, { description: 'Newest first' }));

const counts = (description: string) => oa.map(oa.integer({ minimum: 0 }), description);

export const CUSTOMER_STATS_SCHEMA = namedSchema(
  'CustomerStats',
  oa.object<CustomerStats>({
    total: oa.integer({ minimum: 0 }),
    byStatus: counts('Customers per status'),
    byBillingType: counts('Customers per billing type'),
    byCategory: counts('Customers per category'),
    byPartner: oa.array(oa.object<CustomerStats['byPartner'][number]>({ partnerId: oa.integer(), count: oa.integer({ minimum: 0 }) })),
    byLocation: oa.array(oa.object<CustomerStats['byLocation'][number]>({ locationId: oa.integer(), count: oa.integer({ minimum: 0 }) })),
    leads: oa.integer({ minimum: 0 }),
  }),
);

const itemsOf = (name: string, items: SchemaObject | ReturnType<typeof namedSchema>, description: string) =>
  namedSchema(name, page(items, { description: `${description}, in one page (nextCursor is null)` }));

export const COMMENT_LIST_SCHEMA = itemsOf('CommentList', COMMENT_SCHEMA, 'Oldest first');
export const NOTE_LIST_SCHEMA = namedSchema(
  'NoteList',
  oa.allOf(
    page(NOTE_SCHEMA, { description: 'Oldest first, in one page' }),
    oa.object<{ alerts: unknown }>({ alerts: oa.array(NOTE_SCHEMA, { description: 'The pop-up notes' }) }),
  ),
);
export const HARDWARE_LIST_SCHEMA = itemsOf('HardwareList', HARDWARE_SCHEMA, 'Assigned items');
export const CONTACT_LIST_SCHEMA = itemsOf('ContactList', CONTACT_SCHEMA, 'Contact persons');
export const ADDRESS_LIST_SCHEMA = itemsOf('AddressList', ADDRESS_SCHEMA, 'Additional addresses');

const bulkDeleteItem = oa.object<BulkDeleteItemResult>(
  {
    id: oa.integer(),
    ok: oa.boolean(),
    revision: oa.integer({ description: 'When deleted' }),
    position: oa.nullable(oa.string({ description: 'When deleted' })),
    error: oa.object<NonNullable<BulkDeleteItemResult['error']>>({ status: oa.integer(), rule: oa.string(), detail: oa.string() }, { description: 'When refused' }),
  },
  { optional: ['revision', 'position', 'error'] },
);

export const BULK_DELETE_SCHEMA = namedSchema(
  'BulkDeleteResult',
  oa.object<BulkDeleteResult>({
    results: oa.array(bulkDeleteItem, { description: 'One per id, in the order asked' }),
    deleted: oa.integer({ minimum: 0 }),
    refused: oa.integer({ minimum: 0 }),
  }),
);

export const PASSWORD_REVEALED_SCHEMA = namedSchema(
  'PasswordRevealed',
  written(oa.object<{ customerId: number; password: string }>({ customerId: oa.integer(), password: oa.string() }), 'the customer'),
);

export const PIN_REVEALED_SCHEMA = namedSchema('PinRevealed', written(oa.object<{ customerId: number; pin: string }>({ customerId: oa.integer(), pin: oa.string() }), 'the customer'));

export const PERSONAL_DATA_ERASED_SCHEMA = namedSchema(
  'PersonalDataErased',
  written(
    oa.object<{ customerId: number; erased: true }>({
      customerId: oa.integer(),
      erased: { type: 'boolean', enum: [true], description: 'Always true: the data key is destroyed; personal fields read "[erased]" everywhere from now on' },
    }),
    'the customer',
  ),
);

export const PASSWORD_RESET_SCHEMA = namedSchema(
  'PasswordReset',
  oa.allOf(CUSTOMER_WRITTEN_SCHEMA, oa.object<{ passwordGenerated: boolean }>({ passwordGenerated: oa.boolean('True when the password was generated from the settings (reveal it to tell the customer)') })),
);

export const PORTAL_TOKEN_SCHEMA = namedSchema(
  'PortalToken',
  written(
    oa.object<PortalToken>({
      customerId: oa.integer(),
      token: oa.string({ description: 'Opaque, short-lived' }),
      tokenType: oa.enum(['portal']),
      expiresAt: oa.dateTime(),
    }),
    'the customer',
  ),
);

/** A sub-resource write's answer: the created item, then the customer's id, revision and position. */
function createdWith(item: ReturnType<typeof namedSchema> | SchemaObject): SchemaObject {
  return oa.allOf(
    item,
    oa.object<CustomerRevision>({
      customerId: oa.integer(),
      revision: oa.integer({ description: "The customer's stream revision after the write (also the ETag)", minimum: 0 }),
      position: oa.nullable(oa.string({ description: 'Global position of the event: pass it as ?minPosition= to read your write' })),
    }),
  );
}

export const PAYMENT_SCHEMA = namedSchema(
  'Payment',
  oa.object<Payment>({
    id: oa.string(),
    amount: oa.number({ exclusiveMinimum: true, minimum: 0 }),
    method: oa.nullable(oa.enum(PAYMENT_METHODS)),
    reference: optionalText(),
    note: optionalText(),
    balance: oa.number({ description: "The customer's balance after it" }),
  }),
);

export const CHARGE_SCHEMA = namedSchema(
  'Charge',
  oa.object<Charge>({
    id: oa.string(),
    amount: oa.number({ exclusiveMinimum: true, minimum: 0 }),
    description: oa.string(),
    reference: optionalText(),
    balance: oa.number({ description: "The customer's balance after it" }),
  }),
);

export const COMMENT_CREATED_SCHEMA = namedSchema('CommentCreated', createdWith(COMMENT_SCHEMA));
export const NOTE_CREATED_SCHEMA = namedSchema('NoteCreated', createdWith(NOTE_SCHEMA));
export const CAP_GRANT_CREATED_SCHEMA = namedSchema('CapGrantCreated', createdWith(CAP_GRANT_SCHEMA));
export const HARDWARE_CREATED_SCHEMA = namedSchema('HardwareItemAssigned', createdWith(HARDWARE_SCHEMA));
export const CONTACT_CREATED_SCHEMA = namedSchema('ContactPersonCreated', createdWith(CONTACT_SCHEMA));
export const ADDRESS_CREATED_SCHEMA = namedSchema('AdditionalAddressCreated', createdWith(ADDRESS_SCHEMA));
export const PAYMENT_CREATED_SCHEMA = namedSchema('PaymentRecorded', createdWith(PAYMENT_SCHEMA));
export const CHARGE_CREATED_SCHEMA = namedSchema('ChargeRecorded', createdWith(CHARGE_SCHEMA));
