/** CreateCustomer: validates the whole customer, applies the defaults, checks its references. */
import { refuse } from '../../../domain-kernel/errors.js';
import { FieldErrors, oneOf } from '../../../domain-kernel/validation.js';
import type { CreateCustomer, CustomerContextFor } from '../customer.commands.js';
import { type CustomerEvent, type CustomerCreatedData } from '../customer.events.js';
import { CUSTOMER_RULES as RULES } from '../customer.rules.js';
import { MAIN_INFO_KEYS, ADDRESS_KEYS, BILLING_KEYS, BILLING_TYPES, CONTACT_INFO_KEYS, VOIP_EDITABLE_KEYS, VOIP_KEYS, type BillingSettings, type ContactInfo, type CustomerState, type MainInfo, type PostalAddress, type VoipSettings } from '../customer.types.js';
import { BILLING_DEFAULTS, VOIP_DEFAULTS, addressValidators, billingValidators, contactInfoValidators, labelsValidator, mainInfoValidators, rejectUnknownKeys, validateAdditionalFields, voipValidators } from '../customer.validation.js';
import { isObject, rejectPlainPin, requiredCiphertext, definitionsOf, buildAll, checkCategoryFields, assertKnownReference, refuseCreditLimitOnPrepaid } from './shared.js';

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

export function createCustomer(command: CreateCustomer, state: CustomerState, context: CustomerContextFor<'CreateCustomer'>): CustomerEvent[] {
  const input = command.data;
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