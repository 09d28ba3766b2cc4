/**
 * Events of the customer aggregate: past-tense business facts, `{type, data}`. Every event's data
 * carries `customerId` and `at` (the decision time), and where something changed, `changes`
 * [{field, from, to}] with dotted field names ('status', 'billing.creditLimit', 'voip.cps',
 * 'additionalFields.contract_id'). Secrets only ever as ciphertext, sealed by the application
 * layer: the portal password (`passwordCiphertext`) and the PIN (`voip.pinCiphertext`,
 * `pinCiphertext`; its change entry 'voip.pin' reads REDACTED). All at schema version 1.
 */
import type { DomainEvent, Change } from '../../domain-kernel/decider.js';
import type {
  ContactInfo,
  MainInfo,
  PostalAddress,
  AdditionalFieldValue,
  AuthorRef,
  BillingSettings,
  BillingType,
  CommentType,
  CustomerStatus,
  GeoPoint,
  HardwareStatus,
  NoteKind,
  PaymentMethod,
  VoipSettings,
  ScheduledChangeAction,
  ScheduledChangePhase,
} from './customer.types.js';
import type { AutomaticMark } from './customer.automation.js';

interface Base {
  customerId: number;
  at: string;
}
interface WithChanges extends Base {
  changes: Change[];
}
interface WithReason {
  reason: string | null;
}

/** The whole initial profile: main information, contacts and address as their own types define them. */
export interface CustomerCreatedData extends Base, MainInfo, ContactInfo, PostalAddress {
  passwordCiphertext: string;
  status: CustomerStatus;
  billingType: BillingType;
  labels: string[];
  additionalFields: Record<string, AdditionalFieldValue>;
  voip: VoipSettings;
  billing: BillingSettings;
}

export interface StatusChangedData extends WithChanges, WithReason {
  from: CustomerStatus;
  to: CustomerStatus;
  /** Present when the billing rules made the change (the actor is then the system): which rule, and when it fell due. */
  automatic?: AutomaticMark;
}

export type CustomerCreated = DomainEvent<'CustomerCreated', CustomerCreatedData>;
export type CustomerMainInfoChanged = DomainEvent<'CustomerMainInfoChanged', WithChanges>;
export type CustomerContactInfoChanged = DomainEvent<'CustomerContactInfoChanged', WithChanges>;
export type CustomerAddressChanged = DomainEvent<'CustomerAddressChanged', WithChanges>;
/** `pinCiphertext` (the new PIN, sealed) present only when the PIN changed; its change entry 'voip.pin' is REDACTED. */
export type CustomerVoipSettingsChanged = DomainEvent<'CustomerVoipSettingsChanged', WithChanges & { pinCiphertext?: string }>;
export type CustomerBillingSettingsChanged = DomainEvent<'CustomerBillingSettingsChanged', WithChanges>;
export type CustomerLabelsChanged = DomainEvent<'CustomerLabelsChanged', WithChanges & { added: string[]; removed: string[] }>;
export type CustomerAdditionalFieldsChanged = DomainEvent<'CustomerAdditionalFieldsChanged', WithChanges>;
export type CustomerActivated = DomainEvent<'CustomerActivated', StatusChangedData>;
export type CustomerBlocked = DomainEvent<'CustomerBlocked', StatusChangedData>;
export type CustomerDeactivated = DomainEvent<'CustomerDeactivated', StatusChangedData>;
export type CustomerBillingTypeChanged = DomainEvent<'CustomerBillingTypeChanged', WithChanges & WithReason & { from: BillingType; to: BillingType }>;
export type CustomerConvertedToLead = DomainEvent<'CustomerConvertedToLead', WithChanges & WithReason>;
export type LeadConvertedToCustomer = DomainEvent<'LeadConvertedToCustomer', WithChanges & WithReason & { status: CustomerStatus }>;
export type CustomerDeleted = DomainEvent<'CustomerDeleted', WithChanges & WithReason & { status: CustomerStatus }>;
export type CustomerRestored = DomainEvent<'CustomerRestored', WithChanges & WithReason & { status: CustomerStatus }>;
export type CustomerPasswordReset = DomainEvent<'CustomerPasswordReset', Base & WithReason & { passwordCiphertext: string; generated: boolean }>;
export type CustomerPasswordRevealed = DomainEvent<'CustomerPasswordRevealed', Base & WithReason>;
export type CustomerPinRevealed = DomainEvent<'CustomerPinRevealed', Base & WithReason>;
export type CustomerImpersonated = DomainEvent<'CustomerImpersonated', Base & WithReason & { expiresAt: string | null }>;
export type CustomerCommentAdded = DomainEvent<
  'CustomerCommentAdded',
  Base & { commentId: string; text: string; type: CommentType; pinned: boolean; author: AuthorRef | null }
>;
export type CustomerCommentEdited = DomainEvent<'CustomerCommentEdited', WithChanges & { commentId: string }>;
export type CustomerCommentDeleted = DomainEvent<'CustomerCommentDeleted', Base & { commentId: string }>;
export type CustomerNoteAdded = DomainEvent<
  'CustomerNoteAdded',
  Base & { noteId: string; text: string; kind: NoteKind; popup: boolean; author: AuthorRef | null }
>;
export type CustomerNoteEdited = DomainEvent<'CustomerNoteEdited', WithChanges & { noteId: string }>;
export type CustomerNoteDeleted = DomainEvent<'CustomerNoteDeleted', Base & { noteId: string }>;
export type CapBonusGranted = DomainEvent<
  'CapBonusGranted',
  Base & { grantId: string; megabytes: number; reason: string; expiresAt: string | null; grantedBy: AuthorRef | null }
>;
/** The automation: a grant reached its expiresAt (`dueAt`); `at` is when that was recorded. */
export type CapBonusExpired = DomainEvent<'CapBonusExpired', Base & WithReason & { grantId: string; megabytes: number; expiresAt: string; dueAt: string }>;
/** The automation: the VoIP account reached its expiry (`expiresAt`, from the expiry date or the valid days); no new calls. */
export type VoipAccountExpired = DomainEvent<
  'VoipAccountExpired',
  Base & WithReason & { accountNumber: string; expiresAt: string; expiryDate: string | null; validDays: number | null; dueAt: string }
>;
export type CapBonusRevoked = DomainEvent<'CapBonusRevoked', Base & WithReason & { grantId: string; megabytes: number }>;
export type HardwareAssigned = DomainEvent<
  'HardwareAssigned',
  Base & { itemId: string; productName: string; barcode: string | null; status: HardwareStatus }
>;
export type HardwareUnassigned = DomainEvent<'HardwareUnassigned', Base & WithReason & { itemId: string; productName: string }>;
export type ContactPersonAdded = DomainEvent<
  'ContactPersonAdded',
  Base & { contactId: string; name: string; role: string | null; email: string | null; phone: string | null }
>;
export type ContactPersonRemoved = DomainEvent<'ContactPersonRemoved', Base & { contactId: string; name: string }>;
export type AdditionalAddressAdded = DomainEvent<
  'AdditionalAddressAdded',
  Base & {
    addressId: string;
    label: string | null;
    street: string;
    street2: string | null;
    zipCode: string | null;
    city: string | null;
    country: string | null;
    geo: GeoPoint | null;
  }
>;
export type AdditionalAddressRemoved = DomainEvent<'AdditionalAddressRemoved', Base & { addressId: string }>;
export type PaymentRecorded = DomainEvent<
  'PaymentRecorded',
  WithChanges & { paymentId: string; amount: number; method: PaymentMethod | null; reference: string | null; note: string | null }
>;
export type ChargeRecorded = DomainEvent<'ChargeRecorded', WithChanges & { chargeId: string; amount: number; description: string; reference: string | null }>;
/**
 * The customer's personal data was erased (crypto-shredding): its data key is destroyed, so every
 * personal value of its events reads "[erased]" from now on. `fields`: the personal fields
 * (PERSONAL_FIELDS) plus comments, notes, contacts and additional addresses. No personal value in it.
 */
export type CustomerPersonalDataErased = DomainEvent<'CustomerPersonalDataErased', Base & { reason: string; fields: string[] }>;

/** A change scheduled for `scheduledFor` (the API's `at`; `at` in event data is the decision time, as everywhere). */
export interface ScheduledChangeAddedData extends Base, WithReason {
  changeId: string;
  action: ScheduledChangeAction;
  status: CustomerStatus | null;
  billingType: BillingType | null;
  scheduledFor: string;
  until: string | null;
  scheduledBy: AuthorRef | null;
}
/** What a scheduled change looks like after an edit, besides the `changes` (fields scheduledFor, until, reason, status, billingType). */
export interface ScheduledChangeChangedData extends WithChanges {
  changeId: string;
  action: ScheduledChangeAction;
  status: CustomerStatus | null;
  billingType: BillingType | null;
  scheduledFor: string;
  until: string | null;
  reason: string | null;
}
export type ScheduledChangeAdded = DomainEvent<'ScheduledChangeAdded', ScheduledChangeAddedData>;
export type ScheduledChangeChanged = DomainEvent<'ScheduledChangeChanged', ScheduledChangeChangedData>;
export type ScheduledChangeCancelled = DomainEvent<'ScheduledChangeCancelled', Base & WithReason & { changeId: string }>;
/**
 * A phase of a scheduled change ran: `applied` (the status / billing-type event precedes it in the
 * same append) or `skipped` (nothing to change: `note` says why). A hold's start records the
 * status it returns to (`previousStatus`).
 */
export type ScheduledChangeCompleted = DomainEvent<
  'ScheduledChangeCompleted',
  Base & { changeId: string; phase: ScheduledChangePhase; outcome: 'applied' | 'skipped'; previousStatus: CustomerStatus | null; note: string | null }
>;
/** A phase the rules refused (the rule and why); nothing else changed. */
export type ScheduledChangeFailed = DomainEvent<'ScheduledChangeFailed', Base & { changeId: string; phase: ScheduledChangePhase; rule: string; message: string }>;

export type CustomerEvent =
  | CustomerCreated
  | CustomerMainInfoChanged
  | CustomerContactInfoChanged
  | CustomerAddressChanged
  | CustomerVoipSettingsChanged
  | CustomerBillingSettingsChanged
  | CustomerLabelsChanged
  | CustomerAdditionalFieldsChanged
  | CustomerActivated
  | CustomerBlocked
  | CustomerDeactivated
  | CustomerBillingTypeChanged
  | CustomerConvertedToLead
  | LeadConvertedToCustomer
  | CustomerDeleted
  | CustomerRestored
  | CustomerPasswordReset
  | CustomerPasswordRevealed
  | CustomerPinRevealed
  | CustomerImpersonated
  | CustomerCommentAdded
  | CustomerCommentEdited
  | CustomerCommentDeleted
  | CustomerNoteAdded
  | CustomerNoteEdited
  | CustomerNoteDeleted
  | CapBonusGranted
  | CapBonusRevoked
  | CapBonusExpired
  | VoipAccountExpired
  | HardwareAssigned
  | HardwareUnassigned
  | ContactPersonAdded
  | ContactPersonRemoved
  | AdditionalAddressAdded
  | AdditionalAddressRemoved
  | PaymentRecorded
  | ChargeRecorded
  | ScheduledChangeAdded
  | ScheduledChangeChanged
  | ScheduledChangeCancelled
  | ScheduledChangeCompleted
  | ScheduledChangeFailed
  | CustomerPersonalDataErased;

export type CustomerEventType = CustomerEvent['type'];

/** Every customer event type (the catalogue and the tests check they match the union). */
export const CUSTOMER_EVENT_TYPES = [
  'CustomerCreated',
  'CustomerMainInfoChanged',
  'CustomerContactInfoChanged',
  'CustomerAddressChanged',
  'CustomerVoipSettingsChanged',
  'CustomerBillingSettingsChanged',
  'CustomerLabelsChanged',
  'CustomerAdditionalFieldsChanged',
  'CustomerActivated',
  'CustomerBlocked',
  'CustomerDeactivated',
  'CustomerBillingTypeChanged',
  'CustomerConvertedToLead',
  'LeadConvertedToCustomer',
  'CustomerDeleted',
  'CustomerRestored',
  'CustomerPasswordReset',
  'CustomerPasswordRevealed',
  'CustomerPinRevealed',
  'CustomerImpersonated',
  'CustomerCommentAdded',
  'CustomerCommentEdited',
  'CustomerCommentDeleted',
  'CustomerNoteAdded',
  'CustomerNoteEdited',
  'CustomerNoteDeleted',
  'CapBonusGranted',
  'CapBonusRevoked',
  'CapBonusExpired',
  'VoipAccountExpired',
  'HardwareAssigned',
  'HardwareUnassigned',
  'ContactPersonAdded',
  'ContactPersonRemoved',
  'AdditionalAddressAdded',
  'AdditionalAddressRemoved',
  'PaymentRecorded',
  'ChargeRecorded',
  'ScheduledChangeAdded',
  'ScheduledChangeChanged',
  'ScheduledChangeCancelled',
  'ScheduledChangeCompleted',
  'ScheduledChangeFailed',
  'CustomerPersonalDataErased',
] as const satisfies readonly CustomerEventType[];

/** Status events by target status. */
export const STATUS_EVENT = {
  active: 'CustomerActivated',
  blocked: 'CustomerBlocked',
  inactive: 'CustomerDeactivated',
} as const satisfies Record<Exclude<CustomerStatus, 'new'>, CustomerEventType>;
