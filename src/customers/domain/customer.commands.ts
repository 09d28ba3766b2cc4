/**
 * Commands of the customer aggregate: `{type, data}`. The stream (customer id) is known to the
 * handler; what the decider cannot produce itself (time, generated ids, credentials, known
 * reference ids, field definitions) comes in the CustomerContext.
 */
import type { AdditionalFieldDefinition, AutomationPolicy, CustomerAction, ErasureRequirement } from '../../reference-data/domain/index.js';
import type {
  AccountType,
  AdditionalFieldValue,
  AuthorRef,
  BillingSchedule,
  BillingSettings,
  BillingType,
  Category,
  CommentType,
  CustomerStatus,
  GeoPoint,
  HardwareStatus,
  NoteKind,
  PaymentMethod,
  VoipSettings,
  Customer,
  ScheduledChangeAction,
  ScheduledChangePhase,
} from './customer.types.js';
import type { CustomerEvent } from './customer.events.js';

/** VoIP settings accepted on create (the account number and the sealed PIN come from the context). */
export type VoipInput = Partial<Omit<VoipSettings, 'accountNumber' | 'pinCiphertext'>>;

/**
 * VoIP settings on a PATCH: any subset, null clears. The PIN never comes as a value: `pinChanged:
 * true` says it changes, and the new PIN, checked and sealed by the application layer, is in
 * context.pinCiphertext.
 */
export type VoipPatch = Partial<{ [K in Exclude<keyof VoipSettings, 'pinCiphertext'>]: VoipSettings[K] | null }> & { pinChanged?: true };
export type BillingInput = Partial<BillingSettings>;

/** POST /customers body, minus credentials (resolved into context.creation). */
export interface CreateCustomerInput {
  fullName: string;
  partnerId: number;
  locationId: number;
  /** Default 'person'. */
  category?: Category;
  /** Default 'recurring'. */
  billingType?: BillingType;
  emails?: string[];
  billingEmails?: string[];
  phones?: string[];
  street?: string | null;
  street2?: string | null;
  zipCode?: string | null;
  city?: string | null;
  geo?: GeoPoint | null;
  dateOfBirth?: string | null;
  identification?: string | null;
  companyId?: string | null;
  vatId?: string | null;
  contactPerson?: string | null;
  /** Default: today (from context.now). */
  dateAdded?: string;
  labels?: string[];
  additionalFields?: Record<string, AdditionalFieldValue | null>;
  voip?: VoipInput;
  billing?: BillingInput;
}

/**
 * PATCH /customers/{id}: any subset; null clears an optional field. `voip.accountNumber` may be
 * sent only unchanged (read-only). Status and billing type have their own commands.
 */
export interface CustomerPatch {
  login?: string;
  fullName?: string;
  category?: Category;
  partnerId?: number;
  locationId?: number;
  dateOfBirth?: string | null;
  identification?: string | null;
  companyId?: string | null;
  vatId?: string | null;
  contactPerson?: string | null;
  dateAdded?: string;
  emails?: string[];
  billingEmails?: string[];
  phones?: string[];
  street?: string | null;
  street2?: string | null;
  zipCode?: string | null;
  city?: string | null;
  geo?: GeoPoint | null;
  labels?: string[];
  additionalFields?: Record<string, AdditionalFieldValue | null>;
  voip?: VoipPatch;
  billing?: Partial<{ [K in keyof BillingSettings]: BillingSettings[K] | null }> & { accountType?: AccountType; schedule?: BillingSchedule };
}

type Cmd<T extends string, D> = { type: T; data: D };
type Reason = { reason?: string | null };

export type CreateCustomer = Cmd<'CreateCustomer', CreateCustomerInput>;
export type EditCustomer = Cmd<'EditCustomer', CustomerPatch>;
/** PUT /customers/{id}/additional-fields: merges; null clears. */
export type SetAdditionalFields = Cmd<'SetAdditionalFields', { values: Record<string, AdditionalFieldValue | null> }>;
export type ChangeStatus = Cmd<'ChangeStatus', { status: CustomerStatus } & Reason>;
export type ChangeBillingType = Cmd<'ChangeBillingType', { billingType: BillingType } & Reason>;
export type ConvertToLead = Cmd<'ConvertToLead', Reason>;
/** Back from lead to customer (Splynx lead conversion); status 'active' (default) or 'new'. */
export type ConvertLeadToCustomer = Cmd<'ConvertLeadToCustomer', { status?: 'new' | 'active' } & Reason>;
export type DeleteCustomer = Cmd<'DeleteCustomer', Reason>;
export type RestoreCustomer = Cmd<'RestoreCustomer', Reason>;
/** The new ciphertext is in context.passwordCiphertext. */
export type ResetPassword = Cmd<'ResetPassword', Reason & { generated?: boolean }>;
export type RevealPassword = Cmd<'RevealPassword', Reason>;
export type RevealPin = Cmd<'RevealPin', Reason>;
export type Impersonate = Cmd<'Impersonate', Reason & { expiresAt?: string | null }>;
export type AddComment = Cmd<'AddComment', { text: string; type?: CommentType; pinned?: boolean }>;
export type EditComment = Cmd<'EditComment', { commentId: string; text?: string; type?: CommentType; pinned?: boolean }>;
export type DeleteComment = Cmd<'DeleteComment', { commentId: string }>;
export type AddNote = Cmd<'AddNote', { text: string; kind?: NoteKind; popup?: boolean }>;
export type EditNote = Cmd<'EditNote', { noteId: string; text?: string; kind?: NoteKind; popup?: boolean }>;
export type DeleteNote = Cmd<'DeleteNote', { noteId: string }>;
export type GrantCapBonus = Cmd<'GrantCapBonus', { megabytes: number; reason: string; expiresAt?: string | null }>;
export type RevokeCapBonus = Cmd<'RevokeCapBonus', { grantId: string } & Reason>;
export type AssignHardware = Cmd<'AssignHardware', { itemId: string; productName: string; barcode?: string | null; status?: HardwareStatus }>;
export type UnassignHardware = Cmd<'UnassignHardware', { itemId: string } & Reason>;
export type AddContact = Cmd<'AddContact', { name: string; role?: string | null; email?: string | null; phone?: string | null }>;
export type RemoveContact = Cmd<'RemoveContact', { contactId: string }>;
export type AddAddress = Cmd<
  'AddAddress',
  { label?: string | null; street: string; street2?: string | null; zipCode?: string | null; city?: string | null; country?: string | null; geo?: GeoPoint | null }
>;
export type RemoveAddress = Cmd<'RemoveAddress', { addressId: string }>;
export type RecordPayment = Cmd<'RecordPayment', { amount: number; method?: PaymentMethod | null; reference?: string | null; note?: string | null }>;
export type RecordCharge = Cmd<'RecordCharge', { amount: number; description: string; reference?: string | null }>;
/** POST /customers/{id}/scheduled-changes; the new change's id comes from context.newId. */
export type ScheduleChange = Cmd<
  'ScheduleChange',
  { action: ScheduledChangeAction; status?: CustomerStatus | null; billingType?: BillingType | null; at: string; until?: string | null } & Reason
>;
/** PATCH of a pending change: any of at (before its start), until, reason, status / billingType (before its start). */
export type EditScheduledChange = Cmd<
  'EditScheduledChange',
  { changeId: string; at?: string; until?: string | null; reason?: string | null; status?: CustomerStatus; billingType?: BillingType }
>;
export type CancelScheduledChange = Cmd<'CancelScheduledChange', { changeId: string } & Reason>;
/** Run by the automation when a phase falls due (never over HTTP). */
export type RunScheduledChange = Cmd<'RunScheduledChange', { changeId: string; phase: ScheduledChangePhase }>;
/** POST /customers/{id}/erase: crypto-shredding of the personal data (the reason is required). */
export type ErasePersonalData = Cmd<'ErasePersonalData', { reason: string }>;
/**
 * The automation's commands (no HTTP route: the due-action runner sends them as the system actor).
 * `dueAt` is when the rule fell due; the decider checks the rule still holds then and now.
 */
export type BlockAutomatically = Cmd<'BlockAutomatically', { dueAt: string }>;
export type DeactivateAutomatically = Cmd<'DeactivateAutomatically', { dueAt: string }>;
export type ActivateAutomatically = Cmd<'ActivateAutomatically', { dueAt: string }>;
export type ExpireVoipAccount = Cmd<'ExpireVoipAccount', { dueAt: string }>;
export type ExpireCapBonus = Cmd<'ExpireCapBonus', { grantId: string; dueAt: string }>;

/** POST /customers/{id}/revert: undo the change of one earlier event (see decide/revert.ts). */
export type RevertChange = Cmd<'RevertChange', { revision: number }>;

/** The event a RevertChange undoes, as the application layer read it from the stream. */
export interface RevertTarget {
  revision: number;
  type: string;
  data: Record<string, unknown>;
  /** A later event already undid it (its metadata.revertedRevision is this revision). */
  revertedLater: boolean;
}

export type CustomerCommand =
  | RevertChange
  | CreateCustomer
  | EditCustomer
  | SetAdditionalFields
  | ChangeStatus
  | ChangeBillingType
  | ConvertToLead
  | ConvertLeadToCustomer
  | DeleteCustomer
  | RestoreCustomer
  | ResetPassword
  | RevealPassword
  | RevealPin
  | Impersonate
  | AddComment
  | EditComment
  | DeleteComment
  | AddNote
  | EditNote
  | DeleteNote
  | GrantCapBonus
  | RevokeCapBonus
  | AssignHardware
  | UnassignHardware
  | AddContact
  | RemoveContact
  | AddAddress
  | RemoveAddress
  | RecordPayment
  | RecordCharge
  | ScheduleChange
  | EditScheduledChange
  | CancelScheduledChange
  | RunScheduledChange
  | ErasePersonalData
  | BlockAutomatically
  | DeactivateAutomatically
  | ActivateAutomatically
  | ExpireVoipAccount
  | ExpireCapBonus;

export type CustomerCommandType = CustomerCommand['type'];

/** Credentials resolved (generated or taken from the body, reserved, encrypted) before CreateCustomer. */
export interface CustomerCreationContext {
  customerId: number;
  login: string;
  /** The encrypted portal password (policy already checked by the application layer). */
  passwordCiphertext: string;
  /** ASTPP account number: digits, reserved as unique. */
  accountNumber: string;
  /** The sealed PIN (digits and length already checked by the application layer). */
  pinCiphertext: string;
}

/** What every decision needs: its time, and who acts (recorded as the author of comments, notes, CAP grants). */
export interface DecisionContext {
  /** ISO 8601 time of the decision. */
  now: string;
  actor?: AuthorRef | null;
}

/** A command that creates a sub-entity (comment, note, CAP grant, contact, address, payment, charge) needs a fresh id. */
export interface NewIdContext extends DecisionContext {
  newId: string;
}

/**
 * What the customer settings require before an erasure (customer settings `erasureRequires`):
 * 'nothing' more than a zero balance, an 'inactive' customer, or a 'deleted' one.
 */
export type { ErasureRequirement };
export interface ErasureContext {
  /** Omitted: 'nothing'. */
  erasureRequires?: ErasureRequirement;
}

/** The billing rules' switches for this customer (its partner's, else the general ones), from the customer settings. */
export interface AutomationContext extends DecisionContext {
  automation: AutomationPolicy;
}

/** The reference data a customer points to: existing (non-deleted) partners and locations. */
export interface KnownReferences {
  knownPartnerIds: readonly number[];
  knownLocationIds: readonly number[];
}

/** Current additional field definitions; omitted = none defined. */
export interface FieldDefinitions {
  additionalFieldDefinitions?: readonly AdditionalFieldDefinition[];
}

/**
 * The context each command is decided in: what the decider cannot produce itself. A caller that
 * leaves out a piece its command needs does not compile (see decideCustomer).
 */
export interface CustomerContexts {
  /** The event to undo, and whatever the command that undoes it needs (references, definitions, a fresh id). */
  RevertChange: DecisionContext & Partial<KnownReferences> & FieldDefinitions & { newId?: string; reverted: RevertTarget };
  CreateCustomer: DecisionContext & KnownReferences & FieldDefinitions & { creation: CustomerCreationContext };
  /** Partners / locations are checked only when the PATCH moves the customer; the PIN only when voip.pinChanged. */
  EditCustomer: DecisionContext & Partial<KnownReferences> & FieldDefinitions & { /** The new PIN, sealed. */ pinCiphertext?: string };
  SetAdditionalFields: DecisionContext & FieldDefinitions;
  ChangeStatus: DecisionContext;
  ChangeBillingType: DecisionContext;
  ConvertToLead: DecisionContext;
  ConvertLeadToCustomer: DecisionContext;
  DeleteCustomer: DecisionContext;
  RestoreCustomer: DecisionContext;
  /** The new portal password, encrypted. */
  ResetPassword: DecisionContext & { passwordCiphertext: string };
  RevealPassword: DecisionContext;
  RevealPin: DecisionContext;
  Impersonate: DecisionContext;
  AddComment: NewIdContext;
  EditComment: DecisionContext;
  DeleteComment: DecisionContext;
  AddNote: NewIdContext;
  EditNote: DecisionContext;
  DeleteNote: DecisionContext;
  GrantCapBonus: NewIdContext;
  RevokeCapBonus: DecisionContext;
  AssignHardware: DecisionContext;
  UnassignHardware: DecisionContext;
  AddContact: NewIdContext;
  RemoveContact: DecisionContext;
  AddAddress: NewIdContext;
  RemoveAddress: DecisionContext;
  RecordPayment: NewIdContext;
  RecordCharge: NewIdContext;
  ScheduleChange: NewIdContext;
  EditScheduledChange: DecisionContext;
  CancelScheduledChange: DecisionContext;
  RunScheduledChange: DecisionContext;
  ErasePersonalData: DecisionContext & ErasureContext;
  BlockAutomatically: AutomationContext;
  DeactivateAutomatically: AutomationContext;
  ActivateAutomatically: AutomationContext;
  ExpireVoipAccount: DecisionContext;
  ExpireCapBonus: DecisionContext;
}

export type CustomerContextFor<T extends CustomerCommandType> = CustomerContexts[T];

/** The command of a type. */
export type CustomerCommandOf<T extends CustomerCommandType> = Extract<CustomerCommand, { type: T }>;

/** One decision per command type on an existing customer (CreateCustomer decides on an empty stream). */
export type CustomerDecisions = {
  [T in Exclude<CustomerCommandType, 'CreateCustomer' | 'RevertChange'>]: (command: CustomerCommandOf<T>, customer: Customer, context: CustomerContextFor<T>) => CustomerEvent[];
};

/** Every piece any command needs, present: a context every command can be decided in (specs, replays). */
export type CompleteCustomerContext = DecisionContext &
  KnownReferences &
  FieldDefinitions & {
    newId: string;
    creation: CustomerCreationContext;
    passwordCiphertext: string;
    pinCiphertext?: string;
    automation?: AutomationPolicy;
    reverted?: RevertTarget;
  };

/**
 * Every piece any command may take, each optional: what the generic command runner hands the
 * decider when the command's type is not known statically. The decider still refuses (a wiring
 * error) a command whose piece is missing at run time.
 */
export type CustomerContext = DecisionContext &
  Partial<KnownReferences> &
  FieldDefinitions &
  ErasureContext & {
    reverted?: RevertTarget;
    newId?: string;
    creation?: CustomerCreationContext;
    passwordCiphertext?: string;
    pinCiphertext?: string;
    automation?: AutomationPolicy;
  };

/** The customer settings name actions by command type (reasonRequiredFor): each must be one. */
export const CUSTOMER_ACTIONS_ARE_COMMAND_TYPES: [CustomerAction] extends [CustomerCommandType] ? true : false = true;
