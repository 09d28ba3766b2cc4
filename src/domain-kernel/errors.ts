/**
 * The two ways a decision is refused. Both are thrown by `decide` and leave no event behind.
 *
 * - DomainRuleViolation: the command is well-formed but a business rule forbids it now
 *   (HTTP 409, or 404 when the rule code ends in `.not_found`). `rule` is a stable code.
 * - ValidationFailed: one or more values are malformed (HTTP 422), each error naming the field
 *   (a dotted path such as `voip.cps` or `emails[1]`) and the rule it broke.
 *
 * Any other thrown Error is a programming error (e.g. the application layer forgot to put
 * something in the context) and should surface as a 500.
 */

export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

export class DomainRuleViolation extends Error {
  override readonly name = 'DomainRuleViolation';

  constructor(
    readonly rule: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** True for rules meaning "the thing addressed does not exist" (map to 404 rather than 409). */
  get isNotFound(): boolean {
    return this.rule.endsWith('.not_found');
  }
}

export class ValidationFailed extends Error {
  override readonly name = 'ValidationFailed';

  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => error.message).join('; '));
  }
}

export function refuse(rule: string, message: string, details?: Record<string, unknown>): never {
  throw new DomainRuleViolation(rule, message, details);
}

export function isDomainRuleViolation(error: unknown): error is DomainRuleViolation {
  return error instanceof DomainRuleViolation || (error instanceof Error && error.name === 'DomainRuleViolation' && 'rule' in error);
}

export function isValidationFailed(error: unknown): error is ValidationFailed {
  return error instanceof ValidationFailed || (error instanceof Error && error.name === 'ValidationFailed' && 'errors' in error);
}
