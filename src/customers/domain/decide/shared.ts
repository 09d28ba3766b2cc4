/** Helpers every concern of the customer decider shares: refusal checks, reasons, ids, money. */
import { refuse } from '../../../domain-kernel/errors.js';
import { jsonEqual, type Change, type JsonValue } from '../../../domain-kernel/decider.js';
import { FieldErrors, optionalText, type Validator } from '../../../domain-kernel/validation.js';
import type { AdditionalFieldDefinition } from '../../../reference-data/domain/index.js';
import { CUSTOMER_LIMITS } from '../customer.limits.js';
import type { DecisionContext } from '../customer.commands.js';
import { CUSTOMER_RULES as RULES } from '../customer.rules.js';
import { PIN_FIELD, COMPANY_ONLY_KEYS, PERSON_ONLY_KEYS, type AdditionalFieldValue, type Category, type Customer, type CustomerStatus, type MainInfo } from '../customer.types.js';


export const STATUS_LABEL: Record<CustomerStatus, string> = { new: 'New', active: 'Active', blocked: 'Blocked', inactive: 'Inactive' };
export const reasonValidator = optionalText(CUSTOMER_LIMITS.reason);
/** Fields whose values never appear in `changes` (their entries read REDACTED). */
export const SECRET_FIELDS = [PIN_FIELD] as const;

/** The fields every event of an existing customer starts with. */
export function baseOf(customer: Customer, context: DecisionContext): { customerId: number; at: string } {
  return { customerId: customer.id, at: context.now };
}

/** The command's data as loose JSON, for the commands whose fields are read one by one. */
export function dataOf(command: { data?: unknown }): Record<string, unknown> {
  return (command.data ?? {}) as Record<string, unknown>;
}


export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A plain PIN must never reach the decider (it would end up in an event): a wiring error, not bad input. */
export function rejectPlainPin(voip: unknown, commandType: string): void {
  if (isObject(voip) && voip.pin !== undefined) {
    throw new Error(`decideCustomer(${commandType}): a plain PIN must not enter the domain; the application layer checks and seals it (context.${commandType === 'CreateCustomer' ? 'creation.' : ''}pinCiphertext)`);
  }
}

export function requiredCiphertext(value: unknown, commandType: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`decideCustomer(${commandType}): ${what} is required`);
  return value;
}

export function definitionsOf(context: { additionalFieldDefinitions?: readonly AdditionalFieldDefinition[] }): readonly AdditionalFieldDefinition[] {
  return context.additionalFieldDefinitions ?? [];
}

/** Validates every key, taking the default where the input has none (create semantics). */
export function buildAll<T extends object>(
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
export function checkCategoryFields(errors: FieldErrors, category: Category, values: Partial<MainInfo>): void {
  const foreign = category === 'person' ? COMPANY_ONLY_KEYS : PERSON_ONLY_KEYS;
  for (const key of foreign) {
    if (values[key] !== undefined && values[key] !== null) {
      errors.add(key, 'notApplicable', `${key} applies only to ${category === 'person' ? 'company' : 'person'} customers`);
    }
  }
}

export function assertKnownReference(known: readonly number[] | undefined, id: number, rule: string, what: string, contextKey: string): void {
  if (!known) throw new Error(`decideCustomer: context.${contextKey} is required to check the ${what}`);
  if (!known.includes(id)) refuse(rule, `There is no ${what} with id ${id}`, { [`${what}Id`]: id });
}

export function refuseCreditLimitOnPrepaid(creditLimit: number): never {
  return refuse(RULES.creditLimitRequiresPostpaid, 'A credit limit applies only to postpaid accounts', { creditLimit });
}

export function additionalFieldChanges(before: Record<string, AdditionalFieldValue>, after: Record<string, AdditionalFieldValue>): Change[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changes: Change[] = [];
  for (const name of names) {
    const from = (before[name] ?? null) as JsonValue;
    const to = (after[name] ?? null) as JsonValue;
    if (!jsonEqual(from, to)) changes.push({ field: `additionalFields.${name}`, from, to });
  }
  return changes;
}

export function validReason(value: unknown): string | null {
  const errors = new FieldErrors();
  const reason = reasonValidator(errors, 'reason', value);
  errors.throwIfAny();
  return reason;
}

export function newId(context: { newId?: string }, commandType: string): string {
  if (typeof context.newId !== 'string' || context.newId === '') throw new Error(`decideCustomer(${commandType}): context.newId is required`);
  return context.newId;
}


/** Money arithmetic without binary noise (0.1 + 0.2 → 0.3); 6 decimals is finer than any tariff. */
export function money(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}