/**
 * The customer aggregate's state and value types. Stream `customer-<id>`.
 * Merges Splynx (main information), ASTPP (VoIP account and billing settings) and DataTill
 * (notes, debtor notes, contacts, additional addresses), the three systems it replaces.
 */
import type { AdditionalFieldValue } from '../../reference-data/domain/index.js';
import type { GeoPoint } from '../../domain-kernel/validation.js';

export type { AdditionalFieldValue, GeoPoint };

export const CUSTOMER_STREAM_PREFIX = 'customer-';
export const customerStreamId = (customerId: number | string): string => `${CUSTOMER_STREAM_PREFIX}${customerId}`;

const CUSTOMER_STREAM = /^customer-([1-9][0-9]{0,15})$/;

/** The customer id of a `customer-<id>` stream, else null: the one parser of customer stream ids. */
export function customerIdOfStream(streamId: string): number | null {
  const match = CUSTOMER_STREAM.exec(streamId);
  if (!match) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : null;
}

export const CUSTOMER_STATUSES = ['new', 'active', 'blocked', 'inactive'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export const BILLING_TYPES = ['recurring', 'prepaid_custom', 'prepaid_daily'] as const;
export type BillingType = (typeof BILLING_TYPES)[number];

export const CATEGORIES = ['person', 'company'] as const;
export type Category = (typeof CATEGORIES)[number];

export const ACCOUNT_TYPES = ['prepaid', 'postpaid'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const BILLING_SCHEDULES = ['daily', 'monthly'] as const;
export type BillingSchedule = (typeof BILLING_SCHEDULES)[number];

/** Splynx defaults + DataTill (EFT, debit order). */
export const PAYMENT_METHODS = ['cash', 'bank_transfer', 'eft', 'debit_order', 'credit_card', 'paypal', 'refill_card', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Splynx comment types. */
export const COMMENT_TYPES = ['comment', 'customer', 'finance', 'service', 'message', 'support', 'call'] as const;
export type CommentType = (typeof COMMENT_TYPES)[number];

export const NOTE_KINDS = ['internal', 'debtor'] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];

/** Splynx inventory item statuses. */
export const HARDWARE_STATUSES = ['assigned', 'rent', 'sold', 'internal_usage', 'stock', 'returned'] as const;
export type HardwareStatus = (typeof HARDWARE_STATUSES)[number];

/** Main information (Splynx). Changes are reported by CustomerMainInfoChanged. */
export interface MainInfo {
  login: string;
  fullName: string;
  category: Category;
  partnerId: number;
  locationId: number;
  /** Person only. YYYY-MM-DD. */
  dateOfBirth: string | null;
  /** Person only (passport / ID number). */
  identification: string | null;
  /** Company only. */
  companyId: string | null;
  vatId: string | null;
  contactPerson: string | null;
  /** YYYY-MM-DD. */
  dateAdded: string;
}

/** Reported by CustomerContactInfoChanged. */
export interface ContactInfo {
  emails: string[];
  billingEmails: string[];
  phones: string[];
}

/** The main address. Reported by CustomerAddressChanged. */
export interface PostalAddress {
  street: string | null;
  street2: string | null;
  zipCode: string | null;
  city: string | null;
  geo: GeoPoint | null;
}

/** ASTPP account. Reported by CustomerVoipSettingsChanged (accountNumber is read-only). */
export interface VoipSettings {
  /** Numeric, unique, read-only after create. */
  accountNumber: string;
  /**
   * The calling-card PIN, sealed by the application layer (which checks it: digits, the length
   * of the customer settings); opaque here. The plain PIN never enters the domain or an event;
   * a PIN change reads 'voip.pin' REDACTED in `changes`. Never in a view.
   */
  pinCiphertext: string;
  resellerId: number | null;
  /** ISO datetime; no new calls after it. */
  expiryDate: string | null;
  validDays: number | null;
  firstUsedAt: string | null;
  /** 0 = unlimited. */
  concurrentCalls: number;
  /** Calls per second; 0 = unlimited. */
  cps: number;
  localCalls: boolean;
  localCallChargePerMinute: number;
  recording: boolean;
  ipManagement: boolean;
  notifications: boolean;
  paymentGatewayPermission: boolean;
  /** ISO 4217. */
  currency: string | null;
  /** IANA time zone. */
  timezone: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  province: string | null;
  lowCreditNotificationEmail: string | null;
}

/** Reported by CustomerBillingSettingsChanged. */
export interface BillingSettings {
  accountType: AccountType;
  /** Postpaid only (null on prepaid). */
  creditLimit: number | null;
  rateGroup: string | null;
  schedule: BillingSchedule;
  /** 1–28 (February). */
  billingDay: number;
  paymentDueDays: number;
  /** null = do not block. */
  blockingPeriodDays: number | null;
  /** Days blocked before deactivation; null = off. */
  gracePeriodDays: number | null;
  /** Balance under which the customer is blocked; may be negative. */
  minimumBalance: number;
  taxes: string[];
  taxNumber: string | null;
  /** ≤ 110 characters (ASTPP). */
  invoiceNote: string | null;
  reference: string | null;
  paymentMethod: PaymentMethod | null;
}

export interface AuthorRef {
  id: string;
  name: string;
}

export interface Comment {
  id: string;
  text: string;
  type: CommentType;
  pinned: boolean;
  author: AuthorRef | null;
  at: string;
  editedAt: string | null;
}

export interface Note {
  id: string;
  text: string;
  kind: NoteKind;
  /** Shown as a pop-up alert when the profile is opened (DataTill). */
  popup: boolean;
  author: AuthorRef | null;
  at: string;
  editedAt: string | null;
}

export interface CapGrant {
  id: string;
  megabytes: number;
  reason: string;
  expiresAt: string | null;
  revoked: boolean;
  revokedAt: string | null;
  /** Set by CapBonusExpired (the automation, when expiresAt is reached). */
  expired: boolean;
  expiredAt: string | null;
  grantedAt: string;
  grantedBy: AuthorRef | null;
}

export interface HardwareItem {
  itemId: string;
  productName: string;
  barcode: string | null;
  status: HardwareStatus;
  assignedAt: string;
}

export interface ContactPerson {
  id: string;
  name: string;
  role: string | null;
  email: string | null;
  phone: string | null;
  addedAt: string;
}

export interface AdditionalAddress {
  id: string;
  label: string | null;
  street: string;
  street2: string | null;
  zipCode: string | null;
  city: string | null;
  country: string | null;
  geo: GeoPoint | null;
  addedAt: string;
}

export const SCHEDULED_CHANGE_ACTIONS = ['status', 'billing_type'] as const;
export type ScheduledChangeAction = (typeof SCHEDULED_CHANGE_ACTIONS)[number];
export const SCHEDULED_CHANGE_STATES = ['pending', 'done', 'cancelled', 'failed'] as const;
export type ScheduledChangeState = (typeof SCHEDULED_CHANGE_STATES)[number];
/** The two moments of a scheduled change: its start (`at`) and, for a hold, its end (`until`). */
export type ScheduledChangePhase = 'start' | 'end';

/**
 * A status or billing-type change an admin scheduled for a time (`at`). With `until` (status
 * changes only) it is a hold: at `until` the customer returns to the status it had at `at`,
 * unless someone changed the status in between (then it is left as it is).
 */
export interface ScheduledChange {
  id: string;
  action: ScheduledChangeAction;
  status: CustomerStatus | null;
  billingType: BillingType | null;
  at: string;
  until: string | null;
  reason: string | null;
  /** pending until it ran (a hold: until its end ran), was cancelled, or failed. */
  state: ScheduledChangeState;
  /** The phase that runs next (while pending). */
  phase: ScheduledChangePhase;
  /** A hold: the status before its start, returned to at its end. */
  previousStatus: CustomerStatus | null;
  /** A hold: the status was changed by someone else during it, so its end changes nothing. */
  interrupted: boolean;
  scheduledBy: AuthorRef | null;
  scheduledAt: string;
  /** When its last phase ran (or failed). */
  ranAt: string | null;
  /** A failed change: the rule that refused it, and why. */
  rule: string | null;
  message: string | null;
}

/** How the current block came about: by an admin (or a scheduled change), or by the billing rules. */
export interface BlockOrigin {
  origin: 'manual' | 'automatic';
  /** When the block took effect (for an automatic one, the time it fell due). */
  at: string;
}

export interface Customer extends MainInfo, ContactInfo, PostalAddress {
  exists: true;
  /** Stream revision of the last event folded in (0-based). */
  revision: number;
  id: number;
  /** Encrypted by the application layer; opaque here. Never in a view. */
  passwordCiphertext: string;
  status: CustomerStatus;
  billingType: BillingType;
  isLead: boolean;
  deleted: boolean;
  deletedAt: string | null;
  labels: string[];
  additionalFields: Record<string, AdditionalFieldValue>;
  voip: VoipSettings;
  billing: BillingSettings;
  balance: number;
  /**
   * Since when the balance is below the customer's threshold (the minimum balance; minus the credit
   * limit for a postpaid account with one), from the event that took it there; null while it is not.
   */
  belowThresholdSince: string | null;
  /** Set while Blocked: who blocked (an automatic block is the only one the automation lifts). */
  block: BlockOrigin | null;
  /** The VoIP expiry the account reached (VoipAccountExpired); null while it has not expired. */
  voipExpiredAt: string | null;
  comments: Comment[];
  notes: Note[];
  capGrants: CapGrant[];
  hardware: HardwareItem[];
  contacts: ContactPerson[];
  addresses: AdditionalAddress[];
  /** Scheduled changes, in the order they were added (absent in states folded before they existed: none). */
  scheduledChanges?: ScheduledChange[];
  /** When the personal data was erased (crypto-shredding); null while it is not. */
  personalDataErasedAt: string | null;
  createdAt: string;
  /** Time of the last event folded in. */
  updatedAt: string;
}

export interface NoCustomer {
  exists: false;
  revision: -1;
}

export type CustomerState = NoCustomer | Customer;

export const initialCustomerState: CustomerState = { exists: false, revision: -1 };

export const MAIN_INFO_KEYS = ['login', 'fullName', 'category', 'partnerId', 'locationId', 'dateOfBirth', 'identification', 'companyId', 'vatId', 'contactPerson', 'dateAdded'] as const satisfies readonly (keyof MainInfo)[];
export const PERSON_ONLY_KEYS = ['dateOfBirth', 'identification'] as const satisfies readonly (keyof MainInfo)[];
export const COMPANY_ONLY_KEYS = ['companyId', 'vatId', 'contactPerson'] as const satisfies readonly (keyof MainInfo)[];
export const CONTACT_INFO_KEYS = ['emails', 'billingEmails', 'phones'] as const satisfies readonly (keyof ContactInfo)[];
export const ADDRESS_KEYS = ['street', 'street2', 'zipCode', 'city', 'geo'] as const satisfies readonly (keyof PostalAddress)[];
/** The VoIP settings a create or a PATCH may carry (the PIN enters sealed, through the context). */
export const VOIP_KEYS = [
  'accountNumber',
  'resellerId',
  'expiryDate',
  'validDays',
  'firstUsedAt',
  'concurrentCalls',
  'cps',
  'localCalls',
  'localCallChargePerMinute',
  'recording',
  'ipManagement',
  'notifications',
  'paymentGatewayPermission',
  'currency',
  'timezone',
  'country',
  'province',
  'lowCreditNotificationEmail',
] as const satisfies readonly Exclude<keyof VoipSettings, 'pinCiphertext'>[];
/** The field name a PIN change has in `changes` (always REDACTED both ways). */
export const PIN_FIELD = 'voip.pin';
/** VoIP keys a PATCH may change (besides the PIN). */
export const VOIP_EDITABLE_KEYS = VOIP_KEYS.filter((key) => key !== 'accountNumber');
export const BILLING_KEYS = [
  'accountType',
  'creditLimit',
  'rateGroup',
  'schedule',
  'billingDay',
  'paymentDueDays',
  'blockingPeriodDays',
  'gracePeriodDays',
  'minimumBalance',
  'taxes',
  'taxNumber',
  'invoiceNote',
  'reference',
  'paymentMethod',
] as const satisfies readonly (keyof BillingSettings)[];
