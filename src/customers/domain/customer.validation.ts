/**
 * Field-level validation of the customer's values: one validator per field, shared by create and
 * PATCH, the defaults applied on create, and the check of additional field values against their
 * definitions.
 */
import {
  validateAdditionalFieldValue,
  type AdditionalFieldDefinition,
} from '../../reference-data/domain/index.js';
import {
  FieldErrors,
  isDate,
  parseDateTime,
  boolean,
  emailList,
  entityId,
  integer,
  oneOf,
  optionalCountry,
  optionalCurrency,
  optionalDate,
  optionalDateTime,
  optionalEmail,
  optionalGeo,
  optionalInteger,
  optionalOneOf,
  optionalText,
  optionalTimeZone,
  phoneList,
  requiredDate,
  requiredText,
  textList,
  type Validator,
} from '../../domain-kernel/validation.js';
import { LOGIN_MAX_LENGTH, LOGIN_PATTERN } from '../../domain-kernel/limits.js';
import { CUSTOMER_LIMITS } from './customer.limits.js';
import { MONEY_SCALE, money, optionalMoney } from '../../domain-kernel/money.js';
import {
  ACCOUNT_TYPES,
  BILLING_SCHEDULES,
  CATEGORIES,
  PAYMENT_METHODS,
  type AdditionalFieldValue,
  type BillingSettings,
  type Category,
  type ContactInfo,
  type MainInfo,
  type PostalAddress,
  type VoipSettings,
} from './customer.types.js';

export { LOGIN_MAX_LENGTH, LOGIN_PATTERN };

const login: Validator<string> = (errors, field, value) => {
  const text = requiredText(CUSTOMER_LIMITS.login)(errors, field, value);
  if (text && !LOGIN_PATTERN.test(text)) errors.add(field, 'format', `${field} may hold only letters, digits and . _ @ + -`);
  return text;
};

const digits = (min: number, max: number): Validator<string> => (errors, field, value) => {
  if (typeof value !== 'string' || !/^\d+$/.test(value) || value.length < min || value.length > max) {
    errors.add(field, 'format', `${field} must be ${min}–${max} digits`);
    return typeof value === 'string' ? value : '';
  }
  return value;
};

const notFutureDate = (now: string): Validator<string | null> => (errors, field, value) => {
  const date = optionalDate()(errors, field, value);
  if (date !== null && date > now.slice(0, 10)) errors.add(field, 'past', `${field} must not be in the future`);
  return date;
};

export function mainInfoValidators(now: string): { [K in keyof MainInfo]: Validator<MainInfo[K]> } {
  return {
    login,
    fullName: requiredText(CUSTOMER_LIMITS.fullName),
    category: oneOf(CATEGORIES),
    partnerId: entityId(),
    locationId: entityId(),
    dateOfBirth: notFutureDate(now),
    identification: optionalText(CUSTOMER_LIMITS.identification),
    companyId: optionalText(CUSTOMER_LIMITS.companyId),
    vatId: optionalText(CUSTOMER_LIMITS.vatId),
    contactPerson: optionalText(CUSTOMER_LIMITS.contactPerson),
    dateAdded: requiredDate(),
  };
}

export const contactInfoValidators: { [K in keyof ContactInfo]: Validator<ContactInfo[K]> } = {
  emails: emailList(CUSTOMER_LIMITS.emails.items),
  billingEmails: emailList(CUSTOMER_LIMITS.emails.items),
  phones: phoneList(CUSTOMER_LIMITS.phones.items),
};

export const addressValidators: { [K in keyof PostalAddress]: Validator<PostalAddress[K]> } = {
  street: optionalText(CUSTOMER_LIMITS.street),
  street2: optionalText(CUSTOMER_LIMITS.street2),
  zipCode: optionalText(CUSTOMER_LIMITS.zipCode),
  city: optionalText(CUSTOMER_LIMITS.city),
  geo: optionalGeo(),
};

/** The PIN is not among them: it enters sealed (the application layer checks it, see checkPin). */
export const voipValidators: { [K in Exclude<keyof VoipSettings, 'pinCiphertext'>]: Validator<VoipSettings[K]> } = {
  accountNumber: digits(1, CUSTOMER_LIMITS.accountNumberDigits),
  resellerId: optionalInteger({ min: 1 }),
  expiryDate: optionalDateTime(),
  validDays: optionalInteger({ min: 0, max: CUSTOMER_LIMITS.validDays }),
  firstUsedAt: optionalDateTime(),
  concurrentCalls: integer({ min: 0, max: CUSTOMER_LIMITS.concurrentCalls }),
  cps: integer({ min: 0, max: CUSTOMER_LIMITS.cps }),
  localCalls: boolean(),
  // A tariff, not an amount owed: finer than the minor unit (up to 6 decimals), bounded all the same.
  localCallChargePerMinute: money({ min: 0, max: CUSTOMER_LIMITS.moneyAmount, digits: MONEY_SCALE }),
  recording: boolean(),
  ipManagement: boolean(),
  notifications: boolean(),
  paymentGatewayPermission: boolean(),
  currency: optionalCurrency(),
  timezone: optionalTimeZone(),
  country: optionalCountry(),
  province: optionalText(CUSTOMER_LIMITS.province),
  lowCreditNotificationEmail: optionalEmail(),
};

export const billingValidators: { [K in keyof BillingSettings]: Validator<BillingSettings[K]> } = {
  accountType: oneOf(ACCOUNT_TYPES),
  creditLimit: optionalMoney({ min: 0, digits: MONEY_SCALE }),
  rateGroup: optionalText(CUSTOMER_LIMITS.rateGroup),
  schedule: oneOf(BILLING_SCHEDULES),
  billingDay: integer({ min: 1, max: CUSTOMER_LIMITS.billingDay }),
  paymentDueDays: integer({ min: 0, max: CUSTOMER_LIMITS.paymentDueDays }),
  blockingPeriodDays: optionalInteger({ min: 0, max: CUSTOMER_LIMITS.blockingPeriodDays }),
  gracePeriodDays: optionalInteger({ min: 1, max: CUSTOMER_LIMITS.gracePeriodDays }),
  minimumBalance: money({ digits: MONEY_SCALE }),
  taxes: textList(CUSTOMER_LIMITS.taxes.length, CUSTOMER_LIMITS.taxes.items),
  taxNumber: optionalText(CUSTOMER_LIMITS.taxNumber),
  invoiceNote: optionalText(CUSTOMER_LIMITS.invoiceNote),
  reference: optionalText(CUSTOMER_LIMITS.billingReference),
  paymentMethod: optionalOneOf(PAYMENT_METHODS),
};

export const labelsValidator = textList(CUSTOMER_LIMITS.labels.length, CUSTOMER_LIMITS.labels.items);

/** ASTPP defaults (validfordays/expiry aside), 0 = unlimited for channels and CPS. */
export const VOIP_DEFAULTS: Omit<VoipSettings, 'accountNumber' | 'pinCiphertext'> = {
  resellerId: null,
  expiryDate: null,
  validDays: null,
  firstUsedAt: null,
  concurrentCalls: 0,
  cps: 0,
  localCalls: false,
  localCallChargePerMinute: 0,
  recording: false,
  ipManagement: false,
  notifications: true,
  paymentGatewayPermission: false,
  currency: null,
  timezone: null,
  country: null,
  province: null,
  lowCreditNotificationEmail: null,
};

/** Splynx defaults: billing day 1, due after 15 days, deactivation 10 days after blocking. */
export const BILLING_DEFAULTS: BillingSettings = {
  accountType: 'prepaid',
  creditLimit: null,
  rateGroup: null,
  schedule: 'monthly',
  billingDay: 1,
  paymentDueDays: 15,
  blockingPeriodDays: null,
  gracePeriodDays: 10,
  minimumBalance: 0,
  taxes: [],
  taxNumber: null,
  invoiceNote: null,
  reference: null,
  paymentMethod: null,
};

/**
 * Runs the validators of `keys` over the present entries of `input` (PATCH semantics: absent keys
 * are skipped). Returns the normalised values under their keys.
 */
export function validatePresent<T extends object>(
  errors: FieldErrors,
  input: Record<string, unknown> | undefined,
  validators: { [K in keyof T]: Validator<T[K]> },
  keys: readonly (keyof T & string)[],
  prefix = '',
): Partial<T> {
  const out: Partial<T> = {};
  if (!input) return out;
  for (const key of keys) {
    if (Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined) {
      out[key] = validators[key](errors, prefix + key, input[key]);
    }
  }
  return out;
}

/** Records `unknownField` (or `readOnly` for the listed keys) for every key of `input` not in `known`. */
export function rejectUnknownKeys(
  errors: FieldErrors,
  input: unknown,
  known: readonly string[],
  prefix = '',
  readOnly: Record<string, string> = {},
): void {
  if (input === null || input === undefined) return;
  if (typeof input !== 'object' || Array.isArray(input)) {
    errors.add(prefix.replace(/\.$/, '') || 'body', 'type', `${prefix.replace(/\.$/, '') || 'body'} must be an object`);
    return;
  }
  for (const key of Object.keys(input)) {
    if ((input as Record<string, unknown>)[key] === undefined || known.includes(key)) continue;
    if (Object.prototype.hasOwnProperty.call(readOnly, key)) errors.add(prefix + key, 'readOnly', readOnly[key]);
    else errors.add(prefix + key, 'unknownField', `${prefix + key} is not a known field`);
  }
}

// ----- additional fields ---------------------------------------------------------------------

function applies(definition: AdditionalFieldDefinition, category: Category): boolean {
  return definition.appliesTo === 'all' || definition.appliesTo === category;
}

/**
 * The values that still count: a value is kept only while a field of its name is defined and the
 * value is of the definition's type. A removed field's values, and a value of a field removed and
 * defined again with another type, are dropped: from every view, from the state a command decides
 * on (the next change of additional fields records their clearing), and from what a unique field
 * reserves. Options and bounds are not re-checked: narrowing them later keeps existing values.
 */
export function definedAdditionalFields(
  values: Readonly<Record<string, AdditionalFieldValue>> | null | undefined,
  definitions: readonly AdditionalFieldDefinition[],
): Record<string, AdditionalFieldValue> {
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  const kept: Record<string, AdditionalFieldValue> = {};
  for (const [name, value] of Object.entries(values ?? {})) {
    const definition = byName.get(name);
    if (definition && isOfType(definition.type, value)) kept[name] = value;
  }
  return kept;
}

function isOfType(type: AdditionalFieldDefinition['type'], value: unknown): boolean {
  switch (type) {
    case 'string':
    case 'select':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && isDate(value);
    case 'datetime':
      return typeof value === 'string' && parseDateTime(value) !== null;
    case 'multiselect':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    default:
      return false;
  }
}

/**
 * Validates additional field values against the definitions.
 * - create: `values` is the whole set; defaults fill missing values; required fields that apply to
 *   the category must end up with a value.
 * - edit: `values` is a partial update merged into `current`; null clears; a required field cannot
 *   be cleared.
 * Unknown names are refused (unknownField); a value for a field limited to the other category is
 * refused (notApplicable). Returns the complete resulting map (no nulls).
 */
export function validateAdditionalFields(
  errors: FieldErrors,
  values: Record<string, unknown> | null | undefined,
  definitions: readonly AdditionalFieldDefinition[],
  options: { mode: 'create' | 'edit'; category: Category; current?: Record<string, AdditionalFieldValue>; prefix?: string },
): Record<string, AdditionalFieldValue> {
  const prefix = options.prefix ?? 'additionalFields.';
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  // Values of removed (or re-typed) fields are not carried over: the change records their clearing.
  const result: Record<string, AdditionalFieldValue> = options.mode === 'edit' ? definedAdditionalFields(options.current, definitions) : {};
  if (values !== null && values !== undefined && (typeof values !== 'object' || Array.isArray(values))) {
    errors.add(prefix.replace(/\.$/, ''), 'type', 'additionalFields must be an object of name → value');
    return result;
  }
  for (const [name, raw] of Object.entries(values ?? {})) {
    if (raw === undefined) continue;
    const field = prefix + name;
    const definition = byName.get(name);
    if (!definition) {
      errors.add(field, 'unknownField', `${name} is not a defined additional field`);
      continue;
    }
    const value = validateAdditionalFieldValue(definition, raw, errors, field);
    if (value !== null && !applies(definition, options.category)) {
      errors.add(field, 'notApplicable', `${name} applies only to ${definition.appliesTo} customers`);
      continue;
    }
    if (value === null) {
      if (options.mode === 'edit' && definition.required && applies(definition, options.category)) {
        errors.add(field, 'required', `${name} is required and cannot be cleared`);
      }
      delete result[name];
    } else result[name] = value;
  }
  if (options.mode === 'create') {
    for (const definition of definitions) {
      if (!applies(definition, options.category) || result[definition.name] !== undefined) continue;
      if (definition.default !== null && definition.default !== undefined) result[definition.name] = definition.default;
      else if (definition.required && !errors.errors.some((error) => error.field === prefix + definition.name)) {
        errors.add(prefix + definition.name, 'required', `${definition.label || definition.name} is required`);
      }
    }
  }
  return result;
}
