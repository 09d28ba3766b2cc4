/**
 * The customer decider: decide(command, state, context) → events; evolve(state, event) → state.
 * Pure: no I/O, no clock, no randomness. Refusals throw DomainRuleViolation (a stable rule code,
 * no events) or ValidationFailed (field errors). Order of checks: the customer exists → it is not
 * deleted (only Restore passes) → lead restrictions → read-only fields → value validation →
 * references (partner, location) → business rules.
 */
import { refuse } from '../../domain-kernel/errors.js';
import { REDACTED, diff, has, jsonEqual, type Change, type Decider, type JsonValue } from '../../domain-kernel/decider.js';
import {
  FieldErrors,
  boolean,
  decimal,
  integer,
  oneOf,
  optionalCountry,
  optionalDateTime,
  optionalEmail,
  optionalGeo,
  optionalOneOf,
  optionalPhone,
  optionalText,
  requiredText,
  type Validator,
} from '../../domain-kernel/validation.js';
import type { AdditionalFieldDefinition } from '../../reference-data/domain/index.js';
import type {
  AddAddress,
  AddComment,
  AddContact,
  AddNote,
  AssignHardware,
  CreateCustomerInput,
  CustomerCommand,
  CustomerContext,
  CustomerPatch,
  EditComment,
  EditNote,
  GrantCapBonus,
  RecordCharge,
  RecordPayment,
} from './customer.commands.js';
import { STATUS_EVENT, type CustomerEvent, type CustomerCreatedData } from './customer.events.js';
import { CUSTOMER_RULES as RULES, REFUSED_FOR_LEADS, STATUS_TRANSITIONS, canChangeStatus } from './customer.rules.js';
import {
  ADDRESS_KEYS,
  BILLING_KEYS,
  BILLING_TYPES,
  COMMENT_TYPES,
  COMPANY_ONLY_KEYS,
  CONTACT_INFO_KEYS,
  CUSTOMER_STATUSES,
  HARDWARE_STATUSES,
  MAIN_INFO_KEYS,
  NOTE_KINDS,
  PAYMENT_METHODS,
  PERSON_ONLY_KEYS,
  PIN_FIELD,
  VOIP_EDITABLE_KEYS,
  VOIP_KEYS,
  initialCustomerState,
  type AdditionalFieldValue,
  type BillingSettings,
  type Category,
  type ContactInfo,
  type Customer,
  type CustomerState,
  type CustomerStatus,
  type MainInfo,
  type PostalAddress,
  type VoipSettings,
} from './customer.types.js';
import {
  BILLING_DEFAULTS,
  VOIP_DEFAULTS,
  addressValidators,
  billingValidators,
  contactInfoValidators,
  labelsValidator,
  mainInfoValidators,
  rejectUnknownKeys,
  validateAdditionalFields,
  validatePresent,
  voipValidators,
} from './customer.validation.js';

const STATUS_LABEL: Record<CustomerStatus, string> = { new: 'New', active: 'Active', blocked: 'Blocked', inactive: 'Inactive' };
const reasonValidator = optionalText(500);
/** Fields whose values never appear in `changes` (their entries read REDACTED). */
export const SECRET_FIELDS = [PIN_FIELD] as const;

const CREATE_KEYS = [
  ...MAIN_INFO_KEYS.filter((key) => key !== 'login'),
  ...CONTACT_INFO_KEYS,
  ...ADDRESS_KEYS,
  'billingType',
  'labels',
  'additionalFields',
  'voip',
  'billing',
  // Resolved by the application layer into context.creation; ignored here if passed along.
  'login',
  'password',
];
const EDIT_KEYS = [...MAIN_INFO_KEYS, ...CONTACT_INFO_KEYS, ...ADDRESS_KEYS, 'labels', 'additionalFields', 'voip', 'billing'];
const EDIT_READ_ONLY: Record<string, string> = {
  id: 'id never changes',
  status: 'status changes through ChangeStatus (POST /customers/{id}/status)',
  billingType: 'billing type changes through ChangeBillingType (POST /customers/{id}/billing-type)',
  password: 'the password changes through ResetPassword (POST /customers/{id}/password/reset)',
  balance: 'the balance changes through payments and charges',
};

// ===== decide ===================================================================================

export function decideCustomer(command: CustomerCommand, state: CustomerState, context: CustomerContext): CustomerEvent[] {
  if (!context || typeof context.now !== 'string' || Number.isNaN(Date.parse(context.now))) {
    throw new Error('decideCustomer: context.now (ISO string) is required');
  }
  if (command.type === 'CreateCustomer') return createCustomer(command.data, state, context);
  if (!state.exists) refuse(RULES.notFound, 'The customer does not exist');
  const customer = state;
  if (customer.deleted && command.type !== 'RestoreCustomer') {
    refuse(RULES.deleted, `Customer ${customer.id} is deleted; only a restore is possible`, { customerId: customer.id });
  }
  if (customer.isLead && (REFUSED_FOR_LEADS as readonly string[]).includes(command.type)) {
    refuse(RULES.isLead, `Customer ${customer.id} was converted to a lead; convert it back to a customer first`, { customerId: customer.id });
  }
  const base = { customerId: customer.id, at: context.now };
  const data = (command.data ?? {}) as Record<string, unknown>;

  switch (command.type) {
    case 'EditCustomer':
      return editCustomer(customer, command.data, context);

    case 'SetAdditionalFields': {
      const errors = new FieldErrors();
      const next = validateAdditionalFields(errors, command.data?.values, definitionsOf(context), {
        mode: 'edit',
        category: customer.category,
        current: customer.additionalFields,
      });
      errors.throwIfAny();
      const changes = additionalFieldChanges(customer.additionalFields, next);
      return changes.length ? [{ type: 'CustomerAdditionalFieldsChanged', data: { ...base, changes } }] : [];
    }

    case 'ChangeStatus': {
      const errors = new FieldErrors();
      const to = oneOf(CUSTOMER_STATUSES)(errors, 'status', data.status);
      const reason = reasonValidator(errors, 'reason', data.reason);
      errors.throwIfAny();
      const from = customer.status;
      if (to === from) refuse(RULES.statusUnchanged, `The customer is already ${STATUS_LABEL[to]}`, { status: to });
      if (!canChangeStatus(from, to)) {
        refuse(RULES.statusTransitionNotAllowed, `A customer cannot go from ${STATUS_LABEL[from]} to ${STATUS_LABEL[to]}`, {
          from,
          to,
          allowed: STATUS_TRANSITIONS[from],
        });
      }
      const type = STATUS_EVENT[to as Exclude<CustomerStatus, 'new'>];
      return [{ type, data: { ...base, from, to, reason, changes: [{ field: 'status', from, to }] } } as CustomerEvent];
    }

    case 'ChangeBillingType': {
      const errors = new FieldErrors();
      const to = oneOf(BILLING_TYPES)(errors, 'billingType', data.billingType);
      const reason = reasonValidator(errors, 'reason', data.reason);
      errors.throwIfAny();
      const from = customer.billingType;
      if (to === from) return [];
      return [{ type: 'CustomerBillingTypeChanged', data: { ...base, from, to, reason, changes: [{ field: 'billingType', from, to }] } }];
    }

    case 'ConvertToLead': {
      const reason = validReason(data.reason);
      if (customer.status !== 'new') {
        refuse(RULES.convertToLeadRequiresNew, `Only a New customer can be converted to a lead; this one is ${STATUS_LABEL[customer.status]}`, {
          status: customer.status,
        });
      }
      return [{ type: 'CustomerConvertedToLead', data: { ...base, reason, changes: [{ field: 'isLead', from: false, to: true }] } }];
    }

    case 'ConvertLeadToCustomer': {
      const errors = new FieldErrors();
      const status = oneOf(['active', 'new'] as const)(errors, 'status', data.status ?? 'active');
      const reason = reasonValidator(errors, 'reason', data.reason);
      errors.throwIfAny();
      if (!customer.isLead) refuse(RULES.notALead, `Customer ${customer.id} is not a lead`);
      const changes: Change[] = [{ field: 'isLead', from: true, to: false }];
      if (status !== customer.status) changes.push({ field: 'status', from: customer.status, to: status });
      return [{ type: 'LeadConvertedToCustomer', data: { ...base, status, reason, changes } }];
    }

    case 'DeleteCustomer': {
      const reason = validReason(data.reason);
      if (customer.status !== 'inactive') {
        refuse(RULES.deleteRequiresInactive, `Only an Inactive customer can be deleted; this one is ${STATUS_LABEL[customer.status]}`, {
          status: customer.status,
        });
      }
      return [{ type: 'CustomerDeleted', data: { ...base, status: customer.status, reason, changes: [{ field: 'deleted', from: false, to: true }] } }];
    }

    case 'RestoreCustomer': {
      const reason = validReason(data.reason);
      if (!customer.deleted) refuse(RULES.restoreRequiresDeleted, `Customer ${customer.id} is not deleted`);
      return [{ type: 'CustomerRestored', data: { ...base, status: customer.status, reason, changes: [{ field: 'deleted', from: true, to: false }] } }];
    }

    case 'ResetPassword': {
      const reason = validReason(data.reason);
      if (typeof context.passwordCiphertext !== 'string' || context.passwordCiphertext === '') {
        throw new Error('decideCustomer(ResetPassword): context.passwordCiphertext is required');
      }
      return [{ type: 'CustomerPasswordReset', data: { ...base, reason, passwordCiphertext: context.passwordCiphertext, generated: data.generated === true } }];
    }

    case 'RevealPassword':
      return [{ type: 'CustomerPasswordRevealed', data: { ...base, reason: validReason(data.reason) } }];

    case 'RevealPin':
      return [{ type: 'CustomerPinRevealed', data: { ...base, reason: validReason(data.reason) } }];

    case 'Impersonate': {
      const errors = new FieldErrors();
      const reason = reasonValidator(errors, 'reason', data.reason);
      const expiresAt = optionalDateTime()(errors, 'expiresAt', data.expiresAt);
      errors.throwIfAny();
      return [{ type: 'CustomerImpersonated', data: { ...base, reason, expiresAt } }];
    }

    case 'AddComment': {
      const input = command.data as AddComment['data'];
      const errors = new FieldErrors();
      const text = requiredText(10000)(errors, 'text', input?.text);
      const type = oneOf(COMMENT_TYPES)(errors, 'type', input?.type ?? 'comment');
      const pinned = boolean()(errors, 'pinned', input?.pinned ?? false);
      errors.throwIfAny();
      const commentId = newId(context, command.type);
      return [{ type: 'CustomerCommentAdded', data: { ...base, commentId, text, type, pinned, author: context.actor ?? null } }];
    }

    case 'EditComment': {
      const input = command.data as EditComment['data'];
      const comment = customer.comments.find((item) => item.id === input?.commentId);
      if (!comment) refuse(RULES.commentNotFound, `Comment ${String(input?.commentId)} does not exist on this customer`, { commentId: input?.commentId });
      const errors = new FieldErrors();
      const next = validatePresent<{ text: string; type: (typeof COMMENT_TYPES)[number]; pinned: boolean }>(
        errors,
        input as unknown as Record<string, unknown>,
        { text: requiredText(10000), type: oneOf(COMMENT_TYPES), pinned: boolean() },
        ['text', 'type', 'pinned'],
      );
      errors.throwIfAny();
      const changes = diff(comment, next, ['text', 'type', 'pinned']);
      return changes.length ? [{ type: 'CustomerCommentEdited', data: { ...base, commentId: comment.id, changes } }] : [];
    }

    case 'DeleteComment': {
      const comment = customer.comments.find((item) => item.id === data.commentId);
      if (!comment) refuse(RULES.commentNotFound, `Comment ${String(data.commentId)} does not exist on this customer`, { commentId: data.commentId });
      return [{ type: 'CustomerCommentDeleted', data: { ...base, commentId: comment.id } }];
    }

    case 'AddNote': {
      const input = command.data as AddNote['data'];
      const errors = new FieldErrors();
      const text = requiredText(10000)(errors, 'text', input?.text);
      const kind = oneOf(NOTE_KINDS)(errors, 'kind', input?.kind ?? 'internal');
      const popup = boolean()(errors, 'popup', input?.popup ?? false);
      errors.throwIfAny();
      const noteId = newId(context, command.type);
      return [{ type: 'CustomerNoteAdded', data: { ...base, noteId, text, kind, popup, author: context.actor ?? null } }];
    }

    case 'EditNote': {
      const input = command.data as EditNote['data'];
      const note = customer.notes.find((item) => item.id === input?.noteId);
      if (!note) refuse(RULES.noteNotFound, `Note ${String(input?.noteId)} does not exist on this customer`, { noteId: input?.noteId });
      const errors = new FieldErrors();
      const next = validatePresent<{ text: string; kind: (typeof NOTE_KINDS)[number]; popup: boolean }>(
        errors,
        input as unknown as Record<string, unknown>,
        { text: requiredText(10000), kind: oneOf(NOTE_KINDS), popup: boolean() },
        ['text', 'kind', 'popup'],
      );
      errors.throwIfAny();
      const changes = diff(note, next, ['text', 'kind', 'popup']);
      return changes.length ? [{ type: 'CustomerNoteEdited', data: { ...base, noteId: note.id, changes } }] : [];
    }

    case 'DeleteNote': {
      const note = customer.notes.find((item) => item.id === data.noteId);
      if (!note) refuse(RULES.noteNotFound, `Note ${String(data.noteId)} does not exist on this customer`, { noteId: data.noteId });
      return [{ type: 'CustomerNoteDeleted', data: { ...base, noteId: note.id } }];
    }

    case 'GrantCapBonus': {
      const input = command.data as GrantCapBonus['data'];
      const errors = new FieldErrors();
      const megabytes = integer({ min: 1, max: 100_000_000 })(errors, 'megabytes', input?.megabytes);
      const reason = requiredText(500)(errors, 'reason', input?.reason);
      const expiresAt = optionalDateTime()(errors, 'expiresAt', input?.expiresAt);
      if (expiresAt !== null && Date.parse(expiresAt) <= Date.parse(context.now)) errors.add('expiresAt', 'future', 'expiresAt must be in the future');
      errors.throwIfAny();
      const grantId = newId(context, command.type);
      return [{ type: 'CapBonusGranted', data: { ...base, grantId, megabytes, reason, expiresAt, grantedBy: context.actor ?? null } }];
    }

    case 'RevokeCapBonus': {
      const grant = customer.capGrants.find((item) => item.id === data.grantId);
      if (!grant) refuse(RULES.capGrantNotFound, `CAP grant ${String(data.grantId)} does not exist on this customer`, { grantId: data.grantId });
      const reason = validReason(data.reason);
      if (grant.revoked) refuse(RULES.capGrantAlreadyRevoked, `CAP grant ${grant.id} is already revoked`, { grantId: grant.id });
      return [{ type: 'CapBonusRevoked', data: { ...base, grantId: grant.id, megabytes: grant.megabytes, reason } }];
    }

    case 'AssignHardware': {
      const input = command.data as AssignHardware['data'];
      const errors = new FieldErrors();
      const itemId = requiredText(64)(errors, 'itemId', typeof input?.itemId === 'number' ? String(input.itemId) : input?.itemId);
      const productName = requiredText(255)(errors, 'productName', input?.productName);
      const barcode = optionalText(128)(errors, 'barcode', input?.barcode);
      const status = oneOf(HARDWARE_STATUSES)(errors, 'status', input?.status ?? 'assigned');
      errors.throwIfAny();
      if (customer.hardware.some((item) => item.itemId === itemId)) {
        refuse(RULES.hardwareAlreadyAssigned, `Item ${itemId} is already assigned to this customer`, { itemId });
      }
      return [{ type: 'HardwareAssigned', data: { ...base, itemId, productName, barcode, status } }];
    }

    case 'UnassignHardware': {
      const itemId = typeof data.itemId === 'number' ? String(data.itemId) : data.itemId;
      const item = customer.hardware.find((entry) => entry.itemId === itemId);
      if (!item) refuse(RULES.hardwareNotFound, `Item ${String(itemId)} is not assigned to this customer`, { itemId });
      return [{ type: 'HardwareUnassigned', data: { ...base, itemId: item.itemId, productName: item.productName, reason: validReason(data.reason) } }];
    }

    case 'AddContact': {
      const input = command.data as AddContact['data'];
      const errors = new FieldErrors();
      const name = requiredText(255)(errors, 'name', input?.name);
      const role = optionalText(64)(errors, 'role', input?.role);
      const email = optionalEmail()(errors, 'email', input?.email);
      const phone = optionalPhone()(errors, 'phone', input?.phone);
      errors.throwIfAny();
      return [{ type: 'ContactPersonAdded', data: { ...base, contactId: newId(context, command.type), name, role, email, phone } }];
    }

    case 'RemoveContact': {
      const contact = customer.contacts.find((item) => item.id === data.contactId);
      if (!contact) refuse(RULES.contactNotFound, `Contact ${String(data.contactId)} does not exist on this customer`, { contactId: data.contactId });
      return [{ type: 'ContactPersonRemoved', data: { ...base, contactId: contact.id, name: contact.name } }];
    }

    case 'AddAddress': {
      const input = command.data as AddAddress['data'];
      const errors = new FieldErrors();
      const label = optionalText(64)(errors, 'label', input?.label);
      const street = requiredText(255)(errors, 'street', input?.street);
      const street2 = optionalText(255)(errors, 'street2', input?.street2);
      const zipCode = optionalText(16)(errors, 'zipCode', input?.zipCode);
      const city = optionalText(100)(errors, 'city', input?.city);
      const country = optionalCountry()(errors, 'country', input?.country);
      const geo = optionalGeo()(errors, 'geo', input?.geo);
      errors.throwIfAny();
      return [
        {
          type: 'AdditionalAddressAdded',
          data: { ...base, addressId: newId(context, command.type), label, street, street2, zipCode, city, country, geo },
        },
      ];
    }

    case 'RemoveAddress': {
      const address = customer.addresses.find((item) => item.id === data.addressId);
      if (!address) refuse(RULES.addressNotFound, `Address ${String(data.addressId)} does not exist on this customer`, { addressId: data.addressId });
      return [{ type: 'AdditionalAddressRemoved', data: { ...base, addressId: address.id } }];
    }

    case 'RecordPayment': {
      const input = command.data as RecordPayment['data'];
      const errors = new FieldErrors();
      const amount = positiveAmount(errors, 'amount', input?.amount);
      const method = optionalOneOf(PAYMENT_METHODS)(errors, 'method', input?.method);
      const reference = optionalText(128)(errors, 'reference', input?.reference);
      const note = optionalText(500)(errors, 'note', input?.note);
      errors.throwIfAny();
      const to = money(customer.balance + amount);
      return [
        {
          type: 'PaymentRecorded',
          data: { ...base, paymentId: newId(context, command.type), amount, method, reference, note, changes: [{ field: 'balance', from: customer.balance, to }] },
        },
      ];
    }

    case 'RecordCharge': {
      const input = command.data as RecordCharge['data'];
      const errors = new FieldErrors();
      const amount = positiveAmount(errors, 'amount', input?.amount);
      const description = requiredText(255)(errors, 'description', input?.description);
      const reference = optionalText(128)(errors, 'reference', input?.reference);
      errors.throwIfAny();
      const to = money(customer.balance - amount);
      return [
        {
          type: 'ChargeRecorded',
          data: { ...base, chargeId: newId(context, command.type), amount, description, reference, changes: [{ field: 'balance', from: customer.balance, to }] },
        },
      ];
    }

    default:
      throw new Error(`decideCustomer: unknown command ${(command as { type: string }).type}`);
  }
}

// ----- create ---------------------------------------------------------------------------------

function createCustomer(input: CreateCustomerInput, state: CustomerState, context: CustomerContext): CustomerEvent[] {
  if (state.exists) refuse(RULES.alreadyExists, `Customer ${state.id} already exists`, { customerId: state.id });
  const creation = context.creation;
  if (!creation || !Number.isInteger(creation.customerId) || creation.customerId < 1) {
    throw new Error('decideCustomer(CreateCustomer): context.creation with a positive integer customerId is required');
  }
  const now = context.now;
  const data = (input ?? {}) as unknown as Record<string, unknown>;
  const errors = new FieldErrors();
  rejectUnknownKeys(errors, data, CREATE_KEYS, '', { id: 'the id is allocated by the system', status: 'a new customer is always New' });

  const mainValidators = mainInfoValidators(now);
  const category = mainValidators.category(errors, 'category', data.category ?? 'person');
  const main: MainInfo = {
    login: mainValidators.login(errors, 'login', creation.login),
    fullName: mainValidators.fullName(errors, 'fullName', data.fullName),
    category,
    partnerId: mainValidators.partnerId(errors, 'partnerId', data.partnerId),
    locationId: mainValidators.locationId(errors, 'locationId', data.locationId),
    dateOfBirth: mainValidators.dateOfBirth(errors, 'dateOfBirth', data.dateOfBirth),
    identification: mainValidators.identification(errors, 'identification', data.identification),
    companyId: mainValidators.companyId(errors, 'companyId', data.companyId),
    vatId: mainValidators.vatId(errors, 'vatId', data.vatId),
    contactPerson: mainValidators.contactPerson(errors, 'contactPerson', data.contactPerson),
    dateAdded: mainValidators.dateAdded(errors, 'dateAdded', data.dateAdded ?? now.slice(0, 10)),
  };
  checkCategoryFields(errors, category, main);
  const billingType = oneOf(BILLING_TYPES)(errors, 'billingType', data.billingType ?? 'recurring');
  const contact = buildAll<ContactInfo>(errors, data, { emails: [], billingEmails: [], phones: [] }, contactInfoValidators, CONTACT_INFO_KEYS);
  const address = buildAll<PostalAddress>(
    errors,
    data,
    { street: null, street2: null, zipCode: null, city: null, geo: null },
    addressValidators,
    ADDRESS_KEYS,
  );

  rejectPlainPin(data.voip, 'CreateCustomer');
  rejectUnknownKeys(errors, data.voip, VOIP_KEYS, 'voip.');
  const voipInput = isObject(data.voip) ? data.voip : {};
  const voip: VoipSettings = {
    ...buildAll<Omit<VoipSettings, 'accountNumber' | 'pinCiphertext'>>(errors, voipInput, VOIP_DEFAULTS, voipValidators, VOIP_EDITABLE_KEYS, 'voip.'),
    accountNumber: voipValidators.accountNumber(errors, 'voip.accountNumber', creation.accountNumber),
    pinCiphertext: requiredCiphertext(creation.pinCiphertext, 'CreateCustomer', 'context.creation.pinCiphertext'),
  };
  if (voip.validDays !== null && voip.expiryDate === null) {
    voip.expiryDate = new Date(Date.parse(now) + voip.validDays * 86_400_000).toISOString();
  }

  rejectUnknownKeys(errors, data.billing, BILLING_KEYS, 'billing.');
  const billingInput = isObject(data.billing) ? data.billing : {};
  const billing = buildAll<BillingSettings>(errors, billingInput, BILLING_DEFAULTS, billingValidators, BILLING_KEYS, 'billing.');
  const labels = labelsValidator(errors, 'labels', data.labels);
  const additionalFields = validateAdditionalFields(errors, data.additionalFields as Record<string, unknown> | undefined, definitionsOf(context), {
    mode: 'create',
    category,
  });
  errors.throwIfAny();

  assertKnownReference(context.knownPartnerIds, main.partnerId, RULES.partnerUnknown, 'partner', 'knownPartnerIds');
  assertKnownReference(context.knownLocationIds, main.locationId, RULES.locationUnknown, 'location', 'knownLocationIds');
  if (billing.accountType === 'prepaid' && billing.creditLimit !== null) refuseCreditLimitOnPrepaid(billing.creditLimit);
  if (billing.accountType === 'postpaid' && billing.creditLimit === null) billing.creditLimit = 0;

  const created: CustomerCreatedData = {
    customerId: creation.customerId,
    at: now,
    passwordCiphertext: creation.passwordCiphertext,
    status: 'new',
    billingType,
    ...main,
    ...contact,
    ...address,
    labels,
    additionalFields,
    voip,
    billing,
  };
  if (typeof created.passwordCiphertext !== 'string' || created.passwordCiphertext === '') {
    throw new Error('decideCustomer(CreateCustomer): context.creation.passwordCiphertext is required');
  }
  return [{ type: 'CustomerCreated', data: created }];
}

// ----- edit (PATCH) ---------------------------------------------------------------------------

function editCustomer(customer: Customer, patch: CustomerPatch, context: CustomerContext): CustomerEvent[] {
  const data = (patch ?? {}) as unknown as Record<string, unknown>;
  const errors = new FieldErrors();
  rejectUnknownKeys(errors, data, EDIT_KEYS, '', EDIT_READ_ONLY);

  // Read-only: the ASTPP account number (sending it unchanged is harmless).
  if (isObject(data.voip) && has(data.voip, 'accountNumber') && data.voip.accountNumber !== customer.voip.accountNumber) {
    refuse(RULES.accountNumberReadOnly, 'The VoIP account number cannot change after the customer is created', {
      accountNumber: customer.voip.accountNumber,
    });
  }

  const main = validatePresent<MainInfo>(errors, data, mainInfoValidators(context.now), MAIN_INFO_KEYS);
  const category = main.category ?? customer.category;
  checkCategoryFields(errors, category, main);
  if (main.category !== undefined && main.category !== customer.category) {
    // Switching category clears the other category's fields (recorded in the changes).
    for (const key of category === 'person' ? COMPANY_ONLY_KEYS : PERSON_ONLY_KEYS) if (main[key] === undefined) main[key] = null;
  }
  const contact = validatePresent<ContactInfo>(errors, data, contactInfoValidators, CONTACT_INFO_KEYS);
  const address = validatePresent<PostalAddress>(errors, data, addressValidators, ADDRESS_KEYS);
  rejectPlainPin(data.voip, 'EditCustomer');
  rejectUnknownKeys(errors, data.voip, [...VOIP_KEYS, 'pinChanged'], 'voip.');
  const voip = validatePresent<Omit<VoipSettings, 'pinCiphertext'>>(errors, isObject(data.voip) ? data.voip : undefined, voipValidators, VOIP_EDITABLE_KEYS, 'voip.');
  const pinChanged = isObject(data.voip) && data.voip.pinChanged !== undefined ? data.voip.pinChanged : false;
  if (pinChanged !== false && pinChanged !== true) errors.add('voip.pinChanged', 'type', 'voip.pinChanged may only be true (the new PIN, sealed, travels in the context)');
  rejectUnknownKeys(errors, data.billing, BILLING_KEYS, 'billing.');
  const billing = validatePresent<BillingSettings>(errors, isObject(data.billing) ? data.billing : undefined, billingValidators, BILLING_KEYS, 'billing.');
  const labels = has(data, 'labels') ? labelsValidator(errors, 'labels', data.labels) : undefined;
  const additionalFields = has(data, 'additionalFields')
    ? validateAdditionalFields(errors, data.additionalFields as Record<string, unknown>, definitionsOf(context), {
        mode: 'edit',
        category,
        current: customer.additionalFields,
      })
    : undefined;
  errors.throwIfAny();

  if (main.partnerId !== undefined && main.partnerId !== customer.partnerId) {
    assertKnownReference(context.knownPartnerIds, main.partnerId, RULES.partnerUnknown, 'partner', 'knownPartnerIds');
  }
  if (main.locationId !== undefined && main.locationId !== customer.locationId) {
    assertKnownReference(context.knownLocationIds, main.locationId, RULES.locationUnknown, 'location', 'knownLocationIds');
  }
  const accountType = billing.accountType ?? customer.billing.accountType;
  if (accountType === 'prepaid' && billing.creditLimit !== undefined && billing.creditLimit !== null) refuseCreditLimitOnPrepaid(billing.creditLimit);
  if (billing.accountType !== undefined && billing.accountType !== customer.billing.accountType && billing.creditLimit === undefined) {
    billing.creditLimit = accountType === 'prepaid' ? null : (customer.billing.creditLimit ?? 0);
  }

  const base = { customerId: customer.id, at: context.now };
  const events: CustomerEvent[] = [];
  const mainChanges = diff(customer, main, MAIN_INFO_KEYS);
  if (mainChanges.length) events.push({ type: 'CustomerMainInfoChanged', data: { ...base, changes: mainChanges } });
  const contactChanges = diff(customer, contact, CONTACT_INFO_KEYS);
  if (contactChanges.length) events.push({ type: 'CustomerContactInfoChanged', data: { ...base, changes: contactChanges } });
  const addressChanges = diff(customer, address, ADDRESS_KEYS);
  if (addressChanges.length) events.push({ type: 'CustomerAddressChanged', data: { ...base, changes: addressChanges } });
  // The PIN's value is never compared or recorded here: only its ciphertext, and REDACTED in changes.
  const pinCiphertext = pinChanged === true ? requiredCiphertext(context.pinCiphertext, 'EditCustomer', 'context.pinCiphertext (voip.pinChanged)') : null;
  const voipChanges: Change[] = [
    ...(pinCiphertext !== null ? [{ field: PIN_FIELD, from: REDACTED, to: REDACTED }] : []),
    ...diff(customer.voip, voip, VOIP_EDITABLE_KEYS, 'voip.'),
  ];
  if (voipChanges.length) {
    events.push({ type: 'CustomerVoipSettingsChanged', data: pinCiphertext !== null ? { ...base, changes: voipChanges, pinCiphertext } : { ...base, changes: voipChanges } });
  }
  const billingChanges = diff(customer.billing, billing, BILLING_KEYS, 'billing.');
  if (billingChanges.length) events.push({ type: 'CustomerBillingSettingsChanged', data: { ...base, changes: billingChanges } });
  if (labels !== undefined) {
    const added = labels.filter((label) => !customer.labels.includes(label));
    const removed = customer.labels.filter((label) => !labels.includes(label));
    if (added.length || removed.length) {
      events.push({ type: 'CustomerLabelsChanged', data: { ...base, added, removed, changes: [{ field: 'labels', from: customer.labels, to: labels }] } });
    }
  }
  if (additionalFields !== undefined) {
    const changes = additionalFieldChanges(customer.additionalFields, additionalFields);
    if (changes.length) events.push({ type: 'CustomerAdditionalFieldsChanged', data: { ...base, changes } });
  }
  return events;
}

// ----- helpers --------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A plain PIN must never reach the decider (it would end up in an event): a wiring error, not bad input. */
function rejectPlainPin(voip: unknown, commandType: string): void {
  if (isObject(voip) && voip.pin !== undefined) {
    throw new Error(`decideCustomer(${commandType}): a plain PIN must not enter the domain; the application layer checks and seals it (context.${commandType === 'CreateCustomer' ? 'creation.' : ''}pinCiphertext)`);
  }
}

function requiredCiphertext(value: unknown, commandType: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`decideCustomer(${commandType}): ${what} is required`);
  return value;
}

function definitionsOf(context: CustomerContext): readonly AdditionalFieldDefinition[] {
  return context.additionalFieldDefinitions ?? [];
}

/** Validates every key, taking the default where the input has none (create semantics). */
function buildAll<T extends object>(
  errors: FieldErrors,
  input: Record<string, unknown>,
  defaults: T,
  validators: { [K in keyof T]: Validator<T[K]> },
  keys: readonly (keyof T & string)[],
  prefix = '',
): T {
  const out = {} as T;
  for (const key of keys) {
    const raw = input[key] !== undefined ? input[key] : defaults[key];
    out[key] = validators[key](errors, prefix + key, raw);
  }
  return out;
}

/** Person-only fields on a company (and the reverse) are refused as notApplicable. */
function checkCategoryFields(errors: FieldErrors, category: Category, values: Partial<MainInfo>): void {
  const foreign = category === 'person' ? COMPANY_ONLY_KEYS : PERSON_ONLY_KEYS;
  for (const key of foreign) {
    if (values[key] !== undefined && values[key] !== null) {
      errors.add(key, 'notApplicable', `${key} applies only to ${category === 'person' ? 'company' : 'person'} customers`);
    }
  }
}

function assertKnownReference(known: readonly number[] | undefined, id: number, rule: string, what: string, contextKey: string): void {
  if (!known) throw new Error(`decideCustomer: context.${contextKey} is required to check the ${what}`);
  if (!known.includes(id)) refuse(rule, `There is no ${what} with id ${id}`, { [`${what}Id`]: id });
}

function refuseCreditLimitOnPrepaid(creditLimit: number): never {
  return refuse(RULES.creditLimitRequiresPostpaid, 'A credit limit applies only to postpaid accounts', { creditLimit });
}

function additionalFieldChanges(before: Record<string, AdditionalFieldValue>, after: Record<string, AdditionalFieldValue>): Change[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changes: Change[] = [];
  for (const name of names) {
    const from = (before[name] ?? null) as JsonValue;
    const to = (after[name] ?? null) as JsonValue;
    if (!jsonEqual(from, to)) changes.push({ field: `additionalFields.${name}`, from, to });
  }
  return changes;
}

function validReason(value: unknown): string | null {
  const errors = new FieldErrors();
  const reason = reasonValidator(errors, 'reason', value);
  errors.throwIfAny();
  return reason;
}

function newId(context: CustomerContext, commandType: string): string {
  if (typeof context.newId !== 'string' || context.newId === '') throw new Error(`decideCustomer(${commandType}): context.newId is required`);
  return context.newId;
}

function positiveAmount(errors: FieldErrors, field: string, value: unknown): number {
  const amount = decimal({ max: 1_000_000_000 })(errors, field, value);
  if (errors.errors.every((error) => error.field !== field) && amount <= 0) errors.add(field, 'range', `${field} must be greater than 0`);
  return amount;
}

/** Money arithmetic without binary noise (0.1 + 0.2 → 0.3); 6 decimals is finer than any tariff. */
export function money(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

// ===== evolve ===================================================================================

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  if (event.type === 'CustomerCreated') {
    if (state.exists) return state;
    const { customerId, at, ...rest } = event.data;
    return {
      ...clone(rest),
      exists: true,
      revision: state.revision + 1,
      id: customerId,
      isLead: false,
      deleted: false,
      deletedAt: null,
      balance: 0,
      comments: [],
      notes: [],
      capGrants: [],
      hardware: [],
      contacts: [],
      addresses: [],
      createdAt: at,
      updatedAt: at,
    };
  }
  if (!state.exists) return state;
  const next = apply(state, event);
  return { ...next, revision: state.revision + 1, updatedAt: (event.data as { at?: string }).at ?? state.updatedAt };
}

function apply(customer: Customer, event: CustomerEvent): Customer {
  switch (event.type) {
    case 'CustomerMainInfoChanged':
    case 'CustomerContactInfoChanged':
    case 'CustomerAddressChanged':
    case 'CustomerBillingSettingsChanged':
    case 'CustomerLabelsChanged':
    case 'CustomerAdditionalFieldsChanged':
    case 'CustomerBillingTypeChanged':
    case 'CustomerConvertedToLead':
    case 'LeadConvertedToCustomer':
      return applyChanges(customer, event.data.changes);
    case 'CustomerVoipSettingsChanged': {
      const next = applyChanges(customer, event.data.changes);
      return event.data.pinCiphertext === undefined ? next : { ...next, voip: { ...next.voip, pinCiphertext: event.data.pinCiphertext } };
    }
    case 'CustomerActivated':
    case 'CustomerBlocked':
    case 'CustomerDeactivated':
      return { ...customer, status: event.data.to };
    case 'CustomerDeleted':
      return { ...customer, deleted: true, deletedAt: event.data.at };
    case 'CustomerRestored':
      return { ...customer, deleted: false, deletedAt: null };
    case 'CustomerPasswordReset':
      return { ...customer, passwordCiphertext: event.data.passwordCiphertext };
    case 'CustomerPasswordRevealed':
    case 'CustomerPinRevealed':
    case 'CustomerImpersonated':
      return customer;
    case 'CustomerCommentAdded': {
      const { commentId, text, type, pinned, author, at } = event.data;
      return { ...customer, comments: [...customer.comments, { id: commentId, text, type, pinned, author: clone(author), at, editedAt: null }] };
    }
    case 'CustomerCommentEdited':
      return {
        ...customer,
        comments: customer.comments.map((comment) =>
          comment.id === event.data.commentId ? { ...applyFlat(comment, event.data.changes), editedAt: event.data.at } : comment,
        ),
      };
    case 'CustomerCommentDeleted':
      return { ...customer, comments: customer.comments.filter((comment) => comment.id !== event.data.commentId) };
    case 'CustomerNoteAdded': {
      const { noteId, text, kind, popup, author, at } = event.data;
      return { ...customer, notes: [...customer.notes, { id: noteId, text, kind, popup, author: clone(author), at, editedAt: null }] };
    }
    case 'CustomerNoteEdited':
      return {
        ...customer,
        notes: customer.notes.map((note) => (note.id === event.data.noteId ? { ...applyFlat(note, event.data.changes), editedAt: event.data.at } : note)),
      };
    case 'CustomerNoteDeleted':
      return { ...customer, notes: customer.notes.filter((note) => note.id !== event.data.noteId) };
    case 'CapBonusGranted': {
      const { grantId, megabytes, reason, expiresAt, grantedBy, at } = event.data;
      return {
        ...customer,
        capGrants: [...customer.capGrants, { id: grantId, megabytes, reason, expiresAt, revoked: false, revokedAt: null, grantedAt: at, grantedBy: clone(grantedBy) }],
      };
    }
    case 'CapBonusRevoked':
      return {
        ...customer,
        capGrants: customer.capGrants.map((grant) => (grant.id === event.data.grantId ? { ...grant, revoked: true, revokedAt: event.data.at } : grant)),
      };
    case 'HardwareAssigned': {
      const { itemId, productName, barcode, status, at } = event.data;
      return { ...customer, hardware: [...customer.hardware, { itemId, productName, barcode, status, assignedAt: at }] };
    }
    case 'HardwareUnassigned':
      return { ...customer, hardware: customer.hardware.filter((item) => item.itemId !== event.data.itemId) };
    case 'ContactPersonAdded': {
      const { contactId, name, role, email, phone, at } = event.data;
      return { ...customer, contacts: [...customer.contacts, { id: contactId, name, role, email, phone, addedAt: at }] };
    }
    case 'ContactPersonRemoved':
      return { ...customer, contacts: customer.contacts.filter((contact) => contact.id !== event.data.contactId) };
    case 'AdditionalAddressAdded': {
      const { addressId, label, street, street2, zipCode, city, country, geo, at } = event.data;
      return { ...customer, addresses: [...customer.addresses, { id: addressId, label, street, street2, zipCode, city, country, geo: clone(geo), addedAt: at }] };
    }
    case 'AdditionalAddressRemoved':
      return { ...customer, addresses: customer.addresses.filter((address) => address.id !== event.data.addressId) };
    case 'PaymentRecorded':
      return { ...customer, balance: money(customer.balance + event.data.amount) };
    case 'ChargeRecorded':
      return { ...customer, balance: money(customer.balance - event.data.amount) };
    default:
      // Unknown (newer) event types leave the state as it is.
      return customer;
  }
}

/** Applies dotted-path changes ('voip.cps', 'additionalFields.x' → null removes) to the customer. */
function applyChanges(customer: Customer, changes: readonly Change[]): Customer {
  const next = { ...customer } as unknown as Record<string, unknown>;
  for (const { field, to } of changes) {
    if ((SECRET_FIELDS as readonly string[]).includes(field)) continue;
    const dot = field.indexOf('.');
    if (dot < 0) {
      next[field] = clone(to);
      continue;
    }
    const head = field.slice(0, dot);
    const key = field.slice(dot + 1);
    const section = { ...(next[head] as Record<string, unknown>) };
    if (head === 'additionalFields' && to === null) delete section[key];
    else section[key] = clone(to);
    next[head] = section;
  }
  return next as unknown as Customer;
}

function applyFlat<T extends object>(target: T, changes: readonly Change[]): T {
  const next = { ...target } as Record<string, unknown>;
  for (const { field, to } of changes) next[field] = clone(to);
  return next as T;
}

function clone<T>(value: T): T {
  return value === null || typeof value !== 'object' ? value : structuredClone(value);
}

// ===== the decider ==============================================================================

export { initialCustomerState };

export const customerDecider: Decider<CustomerCommand, CustomerState, CustomerEvent, CustomerContext> = {
  initialState: initialCustomerState,
  decide: decideCustomer,
  evolve: evolveCustomer,
};

/** Chassaing-style names for this module: decide / evolve / initialState. */
export { decideCustomer as decide, evolveCustomer as evolve, initialCustomerState as initialState };
