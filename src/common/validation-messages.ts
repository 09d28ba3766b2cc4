import type { ValidationError } from '@nestjs/common';
import type { FieldError } from './problem.js';

/**
 * class-validator's failures in the words of the domain's own validation (kernel/validation.ts),
 * so a 422 reads the same whichever round found the problem: `required`, `type`, `integer`, `range`,
 * `minLength`, `maxLength`, `maxItems`, `enum`, `email`, `format`, `dateTime`, `timezone`, `unknownField`.
 */
const RULE_OF_CONSTRAINT: Record<string, string> = {
  isDefined: 'required',
  isNotEmpty: 'required',
  isString: 'type',
  isBoolean: 'type',
  isNumber: 'type',
  isArray: 'type',
  isObject: 'type',
  nestedValidation: 'type',
  isInt: 'integer',
  min: 'range',
  max: 'range',
  isPositive: 'range',
  minLength: 'minLength',
  maxLength: 'maxLength',
  arrayMaxSize: 'maxItems',
  arrayMinSize: 'minItems',
  isIn: 'enum',
  isEnum: 'enum',
  isEmail: 'email',
  matches: 'format',
  isIso8601: 'dateTime',
  isTimeZone: 'timezone',
  whitelistValidation: 'unknownField',
};

/** What a value must be, for the type rules: one message a person can act on. */
const TYPE_MESSAGES: Record<string, string> = {
  isString: 'must be a string',
  isBoolean: 'must be true or false',
  isNumber: 'must be a number',
  isInt: 'must be an integer',
  isArray: 'must be a list',
  isObject: 'must be an object',
  nestedValidation: 'must be an object',
};

/**
 * class-validator errors (nested included) → one entry per field and rule, each message naming the
 * full field path (`voip.timezone`):
 * - a field that is absent (or null where null is not allowed) is only `required`;
 * - a value of the wrong type is only that (`"partnerId": "1"` → `partnerId must be an integer`),
 *   not also the range or length rules a value of the right type could break;
 * - otherwise every rule it breaks, once.
 */
export function fieldErrorsOf(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    return [...ownErrors(error, field), ...fieldErrorsOf(error.children ?? [], field)];
  });
}

function ownErrors(error: ValidationError, field: string): FieldError[] {
  const constraints = Object.entries(error.constraints ?? {});
  if (constraints.length === 0) return [];
  if (error.constraints?.whitelistValidation) return [{ field, rule: 'unknownField', message: `${field} is not a known field` }];
  if (error.value === undefined || error.value === null) {
    return [{ field, rule: 'required', message: error.value === null ? `${field} is required (null is not allowed)` : `${field} is required` }];
  }
  const typeFailure = constraints.find(([name]) => TYPE_MESSAGES[name] !== undefined);
  if (typeFailure) return [{ field, rule: RULE_OF_CONSTRAINT[typeFailure[0]], message: `${field} ${TYPE_MESSAGES[typeFailure[0]]}` }];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  // class-validator lists a stack's failures bottom-up; report them in the order the decorators read.
  for (const [name, message] of [...constraints].reverse()) {
    const rule = RULE_OF_CONSTRAINT[name] ?? name;
    if (seen.has(rule)) continue;
    seen.add(rule);
    out.push({ field, rule, message: withPath(message, error.property, field) });
  }
  return out;
}

/** class-validator names the bare property ("timezone must be…", "each value in labels…"): name the path. */
function withPath(message: string, property: string, field: string): string {
  if (property === field) return message;
  const escaped = property.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return message.replace(new RegExp(`^${escaped}\\b`), field).replace(new RegExp(`(each value in )${escaped}\\b`), `$1${field}`);
}
