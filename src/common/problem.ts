import { HttpException, HttpStatus, type ValidationError } from '@nestjs/common';
import { isKnownRule, RULE_CODES, type Rule } from './rule-codes.js';
import { fieldErrorsOf } from './validation-messages.js';

/** One offending field in a problem document. */
export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

/** RFC 9457 problem details, as every error of the API answers. `rule` is one of RULE_CODES. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  rule: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Throw this from anywhere in the HTTP layer to answer a problem document. */
export class ProblemException extends HttpException {
  constructor(readonly problem: ProblemDocument) {
    super(problem, problem.status);
  }

  /** The problem of a registered rule, with the rule's status (RULE_CODES). Prefer this to `of`. */
  static rule(rule: Rule, detail: string, extra: Omit<Partial<ProblemDocument>, 'rule' | 'status' | 'type'> = {}): ProblemException {
    return ProblemException.of(RULE_CODES[rule].status, detail, { ...extra, rule });
  }

  /** A problem with an explicit status; without a rule it gets the generic one of its status class. */
  static of(status: number, detail: string, extra: Partial<ProblemDocument> = {}): ProblemException {
    const rule = extra.rule ?? genericRule(status);
    return new ProblemException({ type: problemType(rule), title: statusTitle(status), status, detail, ...extra, rule });
  }
}

const PROBLEM_BASE = 'https://chronicle.dev/problems/';

export function problemType(rule: string): string {
  return PROBLEM_BASE + rule;
}

export function statusTitle(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().split('_').map((word) => word[0].toUpperCase() + word.slice(1)).join(' ') : 'Error';
}

/** The rule of a problem nobody named: a malformed request (4xx) or an internal error (5xx). */
export function genericRule(status: number): Rule {
  return status >= 500 ? 'server.internal_error' : 'request.rejected';
}

export { fieldErrorsOf };

/**
 * 422 `request.validation_failed` with one entry per field and rule; when every entry breaks the
 * same registered 422 rule (`reason.required`), the problem carries that rule instead.
 */
export function fieldsProblem(errors: FieldError[], detail = errors.map((error) => error.message).join('; ')): ProblemException {
  const rules = new Set(errors.map((error) => error.rule));
  const [only] = rules;
  const rule: Rule = rules.size === 1 && isKnownRule(only) && RULE_CODES[only].status === 422 ? only : 'request.validation_failed';
  return ProblemException.rule(rule, detail, { errors });
}

/** The ValidationPipe's exceptionFactory: 422 with one entry per field and rule. */
export function validationProblem(errors: ValidationError[]): ProblemException {
  return fieldsProblem(fieldErrorsOf(errors));
}

