import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { ProblemException } from '../../common/problem.js';
import { isDomainRuleViolation, isValidationFailed } from '../../customers/domain/index.js';
import { PreconditionFailedError } from '../../event-sourcing/command-runner.js';
import { WrongExpectedRevisionError } from '../../event-store/event-store.port.js';

/**
 * Domain refusals → problem documents: `*.not_found` 404, `*.forbidden` 403, other rules 409,
 * field errors 422, If-Match mismatch 412, a lost concurrency race 409.
 */
export function domainProblem(error: unknown): unknown {
  if (isValidationFailed(error)) {
    return ProblemException.of(422, error.message, { rule: 'validation', errors: error.errors });
  }
  if (isDomainRuleViolation(error)) {
    const status = error.isNotFound ? 404 : error.rule.endsWith('.forbidden') ? 403 : 409;
    return ProblemException.of(status, error.message, { rule: error.rule });
  }
  if (error instanceof PreconditionFailedError) {
    return ProblemException.of(412, `The resource is at revision ${error.actual}, not ${error.expected}`, { rule: 'precondition-failed', revision: error.actual });
  }
  if (error instanceof WrongExpectedRevisionError) {
    return ProblemException.of(409, 'The resource changed concurrently; retry', { rule: 'revision-conflict' });
  }
  return error;
}

@Injectable()
export class DomainProblemsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((error: unknown) => throwError(() => domainProblem(error))));
  }
}

/** `If-Match: "3"` (or 3, W/"3") → 3; absent → undefined; anything else → 400. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^\s*(?:W\/)?"?(-?\d+)"?\s*$/.exec(header);
  if (!match) throw ProblemException.of(400, 'If-Match must be a revision ETag such as "3"', { rule: 'malformed-if-match' });
  return Number(match[1]);
}

export function etagOf(revision: number): string {
  return `"${revision}"`;
}
