/**
 * Customer settings (Splynx Config → Customers, ASTPP card_length / pin_length): how logins,
 * portal passwords, ASTPP account numbers and PINs are generated. Stream 'settings-customers'
 * (deliberately not 'customer-…', which is the customer stream prefix). Before any change the
 * defaults apply.
 */
import { diff, type Change, type Decider, type DomainEvent } from '../../domain-kernel/decider.js';
import { DEFAULT_CHARSET, DIGITS, MAX_ID_DIGITS, maxGeneratedLength, parsePattern, patternProblems, type CredentialPatternSettings } from '../../domain-kernel/patterns.js';
import { FieldErrors, integer } from '../../domain-kernel/validation.js';
import { LOGIN_MAX_LENGTH, LOGIN_PATTERN } from '../../domain-kernel/limits.js';
import { REFERENCE_DATA_LIMITS } from './reference-data.limits.js';

export const CUSTOMER_SETTINGS_STREAM = 'settings-customers';

/**
 * What an erasure of a customer's personal data (POST /customers/{id}/erase) requires besides a
 * zero balance: 'nothing' more, an Inactive customer, or a deleted one.
 */
export const ERASURE_REQUIREMENTS = ['nothing', 'inactive', 'deleted'] as const;
export type ErasureRequirement = (typeof ERASURE_REQUIREMENTS)[number];

/**
 * The customer actions a setting can name (the admins' customer commands; the customers domain
 * checks each is one of its command types): `reasonRequiredFor` makes a reason mandatory for them.
 */
export const CUSTOMER_ACTIONS = [
  'CreateCustomer',
  'EditCustomer',
  'SetAdditionalFields',
  'ChangeStatus',
  'ChangeBillingType',
  'ConvertToLead',
  'ConvertLeadToCustomer',
  'DeleteCustomer',
  'RestoreCustomer',
  'ResetPassword',
  'RevealPassword',
  'RevealPin',
  'Impersonate',
  'AddComment',
  'EditComment',
  'DeleteComment',
  'AddNote',
  'EditNote',
  'DeleteNote',
  'GrantCapBonus',
  'RevokeCapBonus',
  'AssignHardware',
  'UnassignHardware',
  'AddContact',
  'RemoveContact',
  'AddAddress',
  'RemoveAddress',
  'RecordPayment',
  'RecordCharge',
] as const;

export type CustomerAction = (typeof CUSTOMER_ACTIONS)[number];

/**
 * The switches of the billing-driven rules (Splynx "Enable processing of Billing Due / of the
 * Deactivation period"). The periods themselves are each customer's billing settings (payment due
 * days, blocking period, grace period, minimum balance, credit limit). All off by default: an
 * upgrade blocks nobody until an admin turns a rule on.
 */
export interface AutomationPolicy {
  /** Recurring customers: blocked when the balance stays below the threshold past payment due + blocking period; back to Active when paid. */
  automaticBlocking: boolean;
  /** An automatically blocked customer still unpaid after its grace period becomes Inactive. */
  automaticDeactivation: boolean;
  /** Prepaid customers: blocked as soon as the balance falls below the minimum; back to Active on a top-up that restores it. */
  prepaidAutomaticBlocking: boolean;
}

export const AUTOMATION_POLICY_KEYS = ['automaticBlocking', 'automaticDeactivation', 'prepaidAutomaticBlocking'] as const satisfies readonly (keyof AutomationPolicy)[];

export interface AutomationSettings extends AutomationPolicy {
  /** Per partner (by partner id): the switches that differ from the ones above. */
  automationByPartner: Record<string, Partial<AutomationPolicy>>;
}

export type CustomerSettings = CredentialPatternSettings &
  AutomationSettings & {
    /** Customer actions that must carry a `reason` (422 `reason.required` without one). */
    reasonRequiredFor: CustomerAction[];
    /** What POST /customers/{id}/erase requires besides a zero balance. */
    erasureRequires: ErasureRequirement;
  };

/** The rules' switches for a customer of this partner: the partner's own where it has them, else the general ones. */
export function automationPolicyFor(settings: AutomationSettings, partnerId: number): AutomationPolicy {
  const own = settings.automationByPartner?.[String(partnerId)] ?? {};
  return {
    automaticBlocking: own.automaticBlocking ?? settings.automaticBlocking,
    automaticDeactivation: own.automaticDeactivation ?? settings.automaticDeactivation,
    prepaidAutomaticBlocking: own.prepaidAutomaticBlocking ?? settings.prepaidAutomaticBlocking,
  };
}

export const DEFAULT_CUSTOMER_SETTINGS: CustomerSettings = {
  loginPattern: '{id}',
  loginLength: 6,
  loginCharset: 'abcdefghijkmnpqrstuvwxyz23456789',
  passwordPattern: '{rand_string}',
  passwordLength: 12,
  passwordCharset: DEFAULT_CHARSET,
  accountNumberLength: 10,
  accountNumberPrefix: '',
  pinLength: 6,
  erasureRequires: 'inactive',
  automaticBlocking: false,
  automaticDeactivation: false,
  prepaidAutomaticBlocking: false,
  automationByPartner: {},
  reasonRequiredFor: [],
};

const KEYS = Object.keys(DEFAULT_CUSTOMER_SETTINGS) as (keyof CustomerSettings)[];

export interface CustomerSettingsState {
  settings: CustomerSettings;
  /** When last changed; null while the defaults apply. */
  changedAt: string | null;
}

export type ChangeCustomerSettings = { type: 'ChangeCustomerSettings'; data: Partial<CustomerSettings> };
export type CustomerSettingsCommand = ChangeCustomerSettings;

export type CustomerSettingsChanged = DomainEvent<'CustomerSettingsChanged', { changes: Change[]; at: string }>;
export type CustomerSettingsEvent = CustomerSettingsChanged;

export interface CustomerSettingsContext {
  now: string;
}

export const initialCustomerSettingsState: CustomerSettingsState = { settings: DEFAULT_CUSTOMER_SETTINGS, changedAt: null };

/** Validates complete settings; throws ValidationFailed naming each field and rule. */
export function validateCustomerSettings(input: Record<string, unknown>): CustomerSettings {
  const errors = new FieldErrors();
  const text = (key: keyof CustomerSettings, max: number): string => {
    const value = input[key];
    if (typeof value !== 'string') {
      errors.add(key, 'type', `${key} must be a string`);
      return '';
    }
    if (value.length > max) errors.add(key, 'maxLength', `${key} must be at most ${max} characters`);
    return value;
  };
  for (const key of Object.keys(input)) {
    if (!KEYS.includes(key as keyof CustomerSettings)) errors.add(key, 'unknownField', `${key} is not a customer setting`);
  }

  const loginPattern = text('loginPattern', REFERENCE_DATA_LIMITS.credentialPattern);
  const passwordPattern = text('passwordPattern', REFERENCE_DATA_LIMITS.credentialPattern);
  const loginCharset = text('loginCharset', REFERENCE_DATA_LIMITS.credentialCharset);
  const passwordCharset = text('passwordCharset', REFERENCE_DATA_LIMITS.credentialCharset);
  const accountNumberPrefix = text('accountNumberPrefix', REFERENCE_DATA_LIMITS.accountNumberPrefixDigits);
  const loginLength = integer(REFERENCE_DATA_LIMITS.loginLength)(errors, 'loginLength', input.loginLength);
  const passwordLength = integer(REFERENCE_DATA_LIMITS.passwordLength)(errors, 'passwordLength', input.passwordLength);
  const accountNumberLength = integer(REFERENCE_DATA_LIMITS.accountNumberLength)(errors, 'accountNumberLength', input.accountNumberLength);
  const pinLength = integer(REFERENCE_DATA_LIMITS.pinLength)(errors, 'pinLength', input.pinLength);
  const erasureRequires = input.erasureRequires ?? DEFAULT_CUSTOMER_SETTINGS.erasureRequires;
  if (!(ERASURE_REQUIREMENTS as readonly unknown[]).includes(erasureRequires)) {
    errors.add('erasureRequires', 'oneOf', `erasureRequires must be one of ${ERASURE_REQUIREMENTS.join(', ')}`);
  }
  const reasonRequiredFor = actionList(errors, input.reasonRequiredFor);

  for (const [key, pattern] of [['loginPattern', loginPattern], ['passwordPattern', passwordPattern]] as const) {
    for (const problem of patternProblems(pattern)) errors.add(key, 'pattern', `${key}: ${problem}`);
  }
  for (const [key, charset] of [['loginCharset', loginCharset], ['passwordCharset', passwordCharset]] as const) {
    if (new Set(charset).size < 2) errors.add(key, 'minLength', `${key} needs at least 2 distinct characters`);
    else if (/[\s{}]/.test(charset)) errors.add(key, 'format', `${key} must not contain spaces or braces`);
  }
  if (/[\s]/.test(loginPattern)) errors.add('loginPattern', 'format', 'loginPattern must not contain spaces');

  const login = parsePattern(loginPattern);
  // Generated logins must pass the customer's login rule (LOGIN_PATTERN: letters, digits and . _ @ + -).
  if (login.literals !== '' && !/[\s{}]/.test(login.literals) && !LOGIN_PATTERN.test(login.literals)) {
    errors.add('loginPattern', 'format', 'loginPattern text may hold only letters, digits and . _ @ + - (what a login may contain)');
  }
  if (loginCharset !== '' && !/[\s{}]/.test(loginCharset) && !LOGIN_PATTERN.test(loginCharset)) {
    errors.add('loginCharset', 'format', 'loginCharset may hold only letters, digits and . _ @ + - (what a login may contain)');
  }
  if (errors.empty && !login.hasId && !login.hasRandom) {
    errors.add('loginPattern', 'variablePart', 'loginPattern needs {id} or a random token, or every login would be the same');
  }
  // Generated logins must fit the login limit: random tokens may ask for up to 64 characters each.
  if (errors.empty) {
    const longest = maxGeneratedLength(loginPattern, { length: loginLength, idDigits: MAX_ID_DIGITS });
    if (longest > LOGIN_MAX_LENGTH) {
      errors.add(
        'loginPattern',
        'generatedLength',
        `loginPattern can generate logins of up to ${longest} characters, more than the ${LOGIN_MAX_LENGTH} a login may have ` +
          `({id} counts as up to ${MAX_ID_DIGITS} digits, a random token without its own length as loginLength)`,
      );
    }
  }
  const password = parsePattern(passwordPattern);
  if (errors.empty) {
    if (!password.hasRandom) errors.add('passwordPattern', 'randomPart', 'passwordPattern needs {rand_string} or {rand_number}: a password must not be predictable');
    else {
      // Can the pattern ever produce a letter and a digit? (The generator retries until one does.)
      const usesString = password.tokens.some((token) => token.name === 'rand_string');
      const usesNumber = password.tokens.some((token) => token.name === 'rand_number');
      const usesDate = password.tokens.some((token) => ['year', 'month', 'day', 'id'].includes(token.name));
      const pool = password.literals + (usesString ? passwordCharset : '') + (usesNumber || usesDate ? DIGITS : '');
      if (!/\p{L}/u.test(pool) || !/\p{Nd}/u.test(pool)) {
        errors.add('passwordCharset', 'policy', 'passwordPattern and passwordCharset must be able to produce a letter and a digit (password policy)');
      }
    }
  }
  if (!/^\d*$/.test(accountNumberPrefix)) errors.add('accountNumberPrefix', 'format', 'accountNumberPrefix must be digits');
  else if (errors.empty && accountNumberPrefix.length >= accountNumberLength) {
    errors.add('accountNumberPrefix', 'maxLength', 'accountNumberPrefix must be shorter than accountNumberLength');
  }
  // The billing-driven rules (checked last: the credential checks above look at errors.empty).
  const flag = (key: keyof AutomationPolicy): boolean => {
    const value = input[key];
    if (typeof value !== 'boolean') errors.add(key, 'type', `${key} must be true or false`);
    return value === true;
  };
  const automaticBlocking = flag('automaticBlocking');
  const automaticDeactivation = flag('automaticDeactivation');
  const prepaidAutomaticBlocking = flag('prepaidAutomaticBlocking');
  const automationByPartner = validateAutomationByPartner(errors, input.automationByPartner);
  errors.throwIfAny();
  return {
    loginPattern,
    loginLength,
    loginCharset,
    passwordPattern,
    passwordLength,
    passwordCharset,
    accountNumberLength,
    accountNumberPrefix,
    pinLength,
    automaticBlocking,
    automaticDeactivation,
    prepaidAutomaticBlocking,
    automationByPartner,
    erasureRequires: erasureRequires as ErasureRequirement,
    reasonRequiredFor,
  };
}

/** `{"<partnerId>": {automaticBlocking?, automaticDeactivation?, prepaidAutomaticBlocking?}}`; an empty entry is dropped. */
function validateAutomationByPartner(errors: FieldErrors, value: unknown): Record<string, Partial<AutomationPolicy>> {
  const field = 'automationByPartner';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    errors.add(field, 'type', `${field} must be an object of partner ids`);
    return {};
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > REFERENCE_DATA_LIMITS.automationPartners) {
    errors.add(field, 'maxItems', `${field} may name at most ${REFERENCE_DATA_LIMITS.automationPartners} partners`);
    return {};
  }
  const out: Record<string, Partial<AutomationPolicy>> = {};
  for (const [partnerId, switches] of entries.sort(([a], [b]) => Number(a) - Number(b))) {
    const at = `${field}.${partnerId}`;
    if (!/^[1-9][0-9]{0,15}$/.test(partnerId)) {
      errors.add(at, 'format', `${field} keys are partner ids (positive integers)`);
      continue;
    }
    if (switches === null || typeof switches !== 'object' || Array.isArray(switches)) {
      errors.add(at, 'type', `${at} must be an object of switches`);
      continue;
    }
    const own: Partial<AutomationPolicy> = {};
    for (const [key, flag] of Object.entries(switches as Record<string, unknown>)) {
      if (!(AUTOMATION_POLICY_KEYS as readonly string[]).includes(key)) errors.add(`${at}.${key}`, 'unknownField', `${key} is not an automation switch`);
      else if (flag === null || flag === undefined) continue;
      else if (typeof flag !== 'boolean') errors.add(`${at}.${key}`, 'type', `${key} must be true or false`);
      else own[key as keyof AutomationPolicy] = flag;
    }
    if (Object.keys(own).length > 0) out[partnerId] = own;
  }
  return out;
}

/** `reasonRequiredFor`: known actions, each once, in the order of CUSTOMER_ACTIONS (absent: none). */
function actionList(errors: FieldErrors, value: unknown): CustomerAction[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.add('reasonRequiredFor', 'type', 'reasonRequiredFor must be a list of customer actions');
    return [];
  }
  value.forEach((item, index) => {
    if (!(CUSTOMER_ACTIONS as readonly unknown[]).includes(item)) {
      errors.add(`reasonRequiredFor[${index}]`, 'enum', `reasonRequiredFor[${index}] must be one of ${CUSTOMER_ACTIONS.join(', ')}`);
    }
  });
  return CUSTOMER_ACTIONS.filter((action) => value.includes(action));
}

/** Whether the settings require a reason for a customer action. */
export function reasonRequired(settings: Pick<CustomerSettings, 'reasonRequiredFor'>, action: string): boolean {
  return (settings.reasonRequiredFor ?? []).includes(action as CustomerAction);
}

export function decideCustomerSettings(command: CustomerSettingsCommand, state: CustomerSettingsState, context: CustomerSettingsContext): CustomerSettingsEvent[] {
  switch (command.type) {
    case 'ChangeCustomerSettings': {
      const patch = Object.fromEntries(Object.entries(command.data ?? {}).filter(([, value]) => value !== undefined));
      const next = validateCustomerSettings({ ...state.settings, ...patch });
      const changes = diff(state.settings, next, KEYS);
      return changes.length === 0 ? [] : [{ type: 'CustomerSettingsChanged', data: { changes, at: context.now } }];
    }
    default:
      throw new Error(`Unknown customer settings command ${(command as { type: string }).type}`);
  }
}

export function evolveCustomerSettings(state: CustomerSettingsState, event: CustomerSettingsEvent): CustomerSettingsState {
  if (event.type !== 'CustomerSettingsChanged') return state;
  const settings: Record<string, unknown> = { ...state.settings };
  for (const change of event.data.changes) settings[change.field] = change.to;
  return { settings: settings as unknown as CustomerSettings, changedAt: event.data.at };
}

export const customerSettingsDecider: Decider<CustomerSettingsCommand, CustomerSettingsState, CustomerSettingsEvent, CustomerSettingsContext> = {
  initialState: initialCustomerSettingsState,
  decide: decideCustomerSettings,
  evolve: evolveCustomerSettings,
};
