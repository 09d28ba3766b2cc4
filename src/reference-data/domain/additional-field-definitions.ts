/**
 * Additional field definitions (Splynx "additional fields" for the customers module): admin-defined,
 * typed fields whose values live on the customer. Stream 'additional-field-definitions', one
 * decider for the whole set, so names stay unique.
 *
 * Also home of `validateAdditionalFieldValue`, the value check a definition implies, used both for
 * a definition's default and for customers' values.
 */
import { refuse } from '../../domain-kernel/errors.js';
import { REFERENCE_DATA_LIMITS } from './reference-data.limits.js';
import { diff, has, type Change, type Decider, type DomainEvent } from '../../domain-kernel/decider.js';
import { ownValue } from '../../domain-kernel/own.js';
import {
  FieldErrors,
  boolean,
  isBlank,
  isDate,
  oneOf,
  parseDateTime,
  requiredText,
  type Validator,
} from '../../domain-kernel/validation.js';

export const ADDITIONAL_FIELDS_STREAM = 'additional-field-definitions';

export const ADDITIONAL_FIELD_TYPES = ['string', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'select', 'multiselect'] as const;
export type AdditionalFieldType = (typeof ADDITIONAL_FIELD_TYPES)[number];

/** Which customer category a field applies to (Splynx: All / Individual / Business). */
export const ADDITIONAL_FIELD_SCOPES = ['all', 'person', 'company'] as const;
export type AdditionalFieldScope = (typeof ADDITIONAL_FIELD_SCOPES)[number];

export type AdditionalFieldValue = string | number | boolean | string[];

export interface AdditionalFieldDefinition {
  /** Key in `additionalFields` (snake_case: ^[a-z][a-z0-9_]*$, ≤64). Immutable. */
  name: string;
  label: string;
  /** Immutable once defined (existing values would no longer fit). */
  type: AdditionalFieldType;
  required: boolean;
  /** Unique across customers: enforced by the application layer (set validation), not here. */
  unique: boolean;
  /** For select and multiselect: the allowed values. */
  options: string[];
  /** string: length bounds; integer and decimal: value bounds. */
  min: number | null;
  max: number | null;
  /** Applied on create when no value is given. */
  default: AdditionalFieldValue | null;
  showInCreateForm: boolean;
  showInList: boolean;
  appliesTo: AdditionalFieldScope;
}

export type AdditionalFieldDefinitionInput = Pick<AdditionalFieldDefinition, 'name' | 'label' | 'type'> &
  Partial<Omit<AdditionalFieldDefinition, 'name' | 'label' | 'type'>>;

/** Everything but name and type may change. */
export type AdditionalFieldDefinitionPatch = Partial<Omit<AdditionalFieldDefinition, 'name' | 'type'>>;

export const DEFINITION_DEFAULTS: Omit<AdditionalFieldDefinition, 'name' | 'label' | 'type'> = {
  required: false,
  unique: false,
  options: [],
  min: null,
  max: null,
  default: null,
  showInCreateForm: true,
  showInList: false,
  appliesTo: 'all',
};

export const STRING_VALUE_MAX_LENGTH = 1000;

const MUTABLE_KEYS = ['label', 'required', 'unique', 'options', 'min', 'max', 'default', 'showInCreateForm', 'showInList', 'appliesTo'] as const;

// ----- values --------------------------------------------------------------------------------

/**
 * Checks one value against its definition; records errors on `field`; returns the normalised value,
 * or null for "no value" (undefined, null, '', []). Required-ness is the caller's concern.
 */
export function validateAdditionalFieldValue(
  definition: AdditionalFieldDefinition,
  value: unknown,
  errors: FieldErrors,
  field: string,
): AdditionalFieldValue | null {
  if (isBlank(value) || (Array.isArray(value) && value.length === 0)) return null;
  const { min, max } = definition;
  const outOfRange = (n: number) => (min !== null && n < min) || (max !== null && n > max);
  const bounds = () => (min !== null && max !== null ? `between ${min} and ${max}` : min !== null ? `at least ${min}` : `at most ${max}`);
  switch (definition.type) {
    case 'string': {
      if (typeof value !== 'string') return fail(errors, field, 'type', `${field} must be text`);
      const text = value.trim();
      const limit = max ?? STRING_VALUE_MAX_LENGTH;
      if (text.length > limit) return fail(errors, field, 'maxLength', `${field} must be at most ${limit} characters`);
      if (min !== null && text.length < min) return fail(errors, field, 'minLength', `${field} must be at least ${min} characters`);
      return text;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(errors, field, 'integer', `${field} must be an integer`);
      if (outOfRange(value)) return fail(errors, field, 'range', `${field} must be ${bounds()}`);
      return value;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(errors, field, 'type', `${field} must be a number`);
      if (outOfRange(value)) return fail(errors, field, 'range', `${field} must be ${bounds()}`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') return fail(errors, field, 'type', `${field} must be true or false`);
      return value;
    case 'date':
      if (typeof value !== 'string' || !isDate(value.trim())) return fail(errors, field, 'date', `${field} must be a date written YYYY-MM-DD`);
      return value.trim();
    case 'datetime': {
      const parsed = typeof value === 'string' ? parseDateTime(value.trim()) : null;
      if (parsed === null) return fail(errors, field, 'dateTime', `${field} must be an ISO 8601 datetime with a time zone offset`);
      return parsed;
    }
    case 'select':
      if (typeof value !== 'string' || !definition.options.includes(value)) {
        return fail(errors, field, 'option', `${field} must be one of ${definition.options.join(', ')}`);
      }
      return value;
    case 'multiselect': {
      if (!Array.isArray(value)) return fail(errors, field, 'type', `${field} must be a list`);
      const bad = value.filter((item) => typeof item !== 'string' || !definition.options.includes(item));
      if (bad.length > 0) return fail(errors, field, 'option', `${field} values must be among ${definition.options.join(', ')}; not ${bad.map(String).join(', ')}`);
      return [...new Set(value as string[])];
    }
  }
}

function fail(errors: FieldErrors, field: string, rule: string, message: string): null {
  errors.add(field, rule, message);
  return null;
}

// ----- definitions ---------------------------------------------------------------------------

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** Validates a whole definition (after defaults or a patch are applied); throws ValidationFailed. */
export function validateDefinition(input: Record<string, unknown>): AdditionalFieldDefinition {
  const errors = new FieldErrors();
  const name = requiredText(REFERENCE_DATA_LIMITS.additionalFieldName)(errors, 'name', input.name);
  if (name && !NAME.test(name)) errors.add('name', 'format', 'name must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 64)');
  const label = requiredText(REFERENCE_DATA_LIMITS.additionalFieldLabel)(errors, 'label', input.label);
  const type = oneOf(ADDITIONAL_FIELD_TYPES)(errors, 'type', input.type);
  const flag: Validator<boolean> = boolean();
  const required = flag(errors, 'required', input.required);
  const unique = flag(errors, 'unique', input.unique);
  const showInCreateForm = flag(errors, 'showInCreateForm', input.showInCreateForm);
  const showInList = flag(errors, 'showInList', input.showInList);
  const appliesTo = oneOf(ADDITIONAL_FIELD_SCOPES)(errors, 'appliesTo', input.appliesTo);

  // options
  let options: string[] = [];
  const choice = type === 'select' || type === 'multiselect';
  if (!Array.isArray(input.options)) errors.add('options', 'type', 'options must be a list');
  else if (choice) {
    if (input.options.length === 0) errors.add('options', 'required', `a ${type} field needs at least one option`);
    input.options.forEach((option, index) => {
      const text = requiredText(REFERENCE_DATA_LIMITS.additionalFieldOptions.length)(errors, `options[${index}]`, option);
      if (!text) return;
      if (options.includes(text)) errors.add(`options[${index}]`, 'duplicate', `option "${text}" is listed twice`);
      else options.push(text);
    });
  } else if (input.options.length > 0) errors.add('options', 'notApplicable', `options apply only to select and multiselect fields, not ${type}`);
  if (!choice) options = [];

  // min / max
  const bounds = { min: null as number | null, max: null as number | null };
  for (const key of ['min', 'max'] as const) {
    const value = input[key];
    if (value === null || value === undefined) continue;
    if (type !== 'string' && type !== 'integer' && type !== 'decimal') {
      errors.add(key, 'notApplicable', `${key} applies only to string, integer and decimal fields, not ${type}`);
    } else if (typeof value !== 'number' || !Number.isFinite(value)) errors.add(key, 'type', `${key} must be a number`);
    else if (type === 'string' && (!Number.isInteger(value) || value < 0)) errors.add(key, 'integer', `${key} of a string field is a length: a whole number ≥ 0`);
    else bounds[key] = value;
  }
  if (bounds.min !== null && bounds.max !== null && bounds.min > bounds.max) errors.add('max', 'range', 'max must not be less than min');

  const definition: AdditionalFieldDefinition = {
    name,
    label,
    type,
    required,
    unique,
    options,
    min: bounds.min,
    max: bounds.max,
    default: null,
    showInCreateForm,
    showInList,
    appliesTo,
  };
  if (errors.empty && input.default !== undefined && input.default !== null) {
    definition.default = validateAdditionalFieldValue(definition, input.default, errors, 'default');
  }
  errors.throwIfAny();
  return definition;
}

// ----- the decider ---------------------------------------------------------------------------

export interface AdditionalFieldDefinitionsState {
  /** The current definitions by name (removed ones are gone). */
  definitions: Record<string, AdditionalFieldDefinition>;
}

export type DefineAdditionalField = { type: 'DefineAdditionalField'; data: AdditionalFieldDefinitionInput };
export type ChangeAdditionalField = { type: 'ChangeAdditionalField'; data: { name: string } & AdditionalFieldDefinitionPatch };
export type RemoveAdditionalField = { type: 'RemoveAdditionalField'; data: { name: string } };
export type AdditionalFieldCommand = DefineAdditionalField | ChangeAdditionalField | RemoveAdditionalField;

export type AdditionalFieldDefined = DomainEvent<'AdditionalFieldDefined', { name: string; definition: AdditionalFieldDefinition; at: string }>;
export type AdditionalFieldChanged = DomainEvent<'AdditionalFieldChanged', { name: string; changes: Change[]; at: string }>;
export type AdditionalFieldRemoved = DomainEvent<'AdditionalFieldRemoved', { name: string; definition: AdditionalFieldDefinition; at: string }>;
export type AdditionalFieldEvent = AdditionalFieldDefined | AdditionalFieldChanged | AdditionalFieldRemoved;

export interface AdditionalFieldContext {
  now: string;
}

export const initialAdditionalFieldDefinitionsState: AdditionalFieldDefinitionsState = { definitions: {} };

export function decideAdditionalField(
  command: AdditionalFieldCommand,
  state: AdditionalFieldDefinitionsState,
  context: AdditionalFieldContext,
): AdditionalFieldEvent[] {
  const at = context.now;
  switch (command.type) {
    case 'DefineAdditionalField': {
      const input = command.data ?? ({} as AdditionalFieldDefinitionInput);
      if (typeof input.name === 'string' && ownValue(state.definitions, input.name.trim())) {
        refuse('additional_field.already_defined', `An additional field named "${input.name.trim()}" is already defined`, { name: input.name.trim() });
      }
      const definition = validateDefinition({ ...DEFINITION_DEFAULTS, ...stripUndefined(input) });
      return [{ type: 'AdditionalFieldDefined', data: { name: definition.name, definition, at } }];
    }
    case 'ChangeAdditionalField': {
      const current = existing(state, command.data?.name);
      const patch = command.data as Record<string, unknown>;
      if (has(patch, 'type') && patch.type !== current.type) {
        refuse('additional_field.type_immutable', `The type of additional field "${current.name}" cannot change (${current.type})`, { name: current.name, type: current.type });
      }
      const merged = { ...current, ...stripUndefined(patch), name: current.name, type: current.type };
      const next = validateDefinition(merged);
      const changes = diff(current, next, MUTABLE_KEYS);
      return changes.length === 0 ? [] : [{ type: 'AdditionalFieldChanged', data: { name: current.name, changes, at } }];
    }
    case 'RemoveAdditionalField': {
      const current = existing(state, command.data?.name);
      return [{ type: 'AdditionalFieldRemoved', data: { name: current.name, definition: current, at } }];
    }
    default:
      throw new Error(`Unknown additional field command ${(command as { type: string }).type}`);
  }
}

export function evolveAdditionalField(state: AdditionalFieldDefinitionsState, event: AdditionalFieldEvent): AdditionalFieldDefinitionsState {
  switch (event.type) {
    case 'AdditionalFieldDefined':
      return { definitions: { ...state.definitions, [event.data.name]: event.data.definition } };
    case 'AdditionalFieldChanged': {
      const current = ownValue(state.definitions, event.data.name);
      if (!current) return state;
      const next: Record<string, unknown> = { ...current };
      for (const change of event.data.changes) next[change.field] = change.to;
      return { definitions: { ...state.definitions, [event.data.name]: next as unknown as AdditionalFieldDefinition } };
    }
    case 'AdditionalFieldRemoved': {
      const { [event.data.name]: _removed, ...rest } = state.definitions;
      return { definitions: rest };
    }
    default:
      return state;
  }
}

export const additionalFieldDefinitionsDecider: Decider<AdditionalFieldCommand, AdditionalFieldDefinitionsState, AdditionalFieldEvent, AdditionalFieldContext> = {
  initialState: initialAdditionalFieldDefinitionsState,
  decide: decideAdditionalField,
  evolve: evolveAdditionalField,
};

/** The definitions as a list, what the customer decider's context takes. */
export function definitionList(state: AdditionalFieldDefinitionsState): AdditionalFieldDefinition[] {
  return Object.values(state.definitions);
}

function existing(state: AdditionalFieldDefinitionsState, name: unknown): AdditionalFieldDefinition {
  const definition = ownValue(state.definitions, name);
  if (!definition) refuse('additional_field.not_found', `No additional field named "${String(name)}" is defined`, { name });
  return definition;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
