import {
  createParamDecorator,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, map, throwError, type Observable } from 'rxjs';
import { ProblemException } from '../../common/problem.js';
import { PreconditionFailedError } from '../../event-sourcing/command-runner.js';
import { WrongExpectedRevisionError } from '../../event-store/event-store.port.js';
import { isDomainRuleViolation, isValidationFailed } from '../domain/index.js';
import type { WriteResult } from '../application/write-options.js';

/**
 * `@IfMatch() expectedRevision: number | undefined`: the stream revision from an `If-Match` header,
 * written as the ETag ("3"), bare (3) or weak (W/"3"). Absent or `*`: undefined (no precondition).
 * Anything else is a 400.
 */
export const IfMatch = createParamDecorator((_: unknown, context: ExecutionContext): number | undefined =>
  parseIfMatch(context.switchToHttp().getRequest<Request>().headers['if-match']),
);

export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(-?\d{1,15})"?\s*$/.exec(raw);
  if (!match || Number(match[1]) < 0) {
    throw ProblemException.of(400, `If-Match must hold one stream revision, as returned in the ETag header (e.g. "3"); got ${raw}`, {
      rule: 'if_match.malformed',
    });
  }
  return Number(match[1]);
}

/** The body of a write answer: the resource's fields, then revision and position. */
export function writeBody<Resource extends object>(result: WriteResult<Resource>): Resource & { revision: number; position: string | null } {
  return { ...result.resource, revision: result.revision, position: result.position };
}

/** Maps the domain's and the command runner's errors to problem documents (no event was written). */
export function toProblem(error: unknown): unknown {
  if (isDomainRuleViolation(error)) {
    const status = error.isNotFound ? 404 : 409;
    const details = Object.keys(error.details ?? {}).length ? { details: error.details } : {};
    return ProblemException.of(status, error.message, { rule: error.rule, ...details });
  }
  if (isValidationFailed(error)) {
    return ProblemException.of(422, error.message, { rule: 'validation', errors: error.errors });
  }
  if (error instanceof PreconditionFailedError) {
    return ProblemException.of(412, `The resource changed since you read it: ${error.message}. Read it again and retry with the new ETag.`, {
      rule: 'revision.precondition_failed',
      expectedRevision: error.expected,
      currentRevision: error.actual === 'no_stream' ? null : error.actual,
    });
  }
  if (error instanceof WrongExpectedRevisionError) {
    return ProblemException.of(409, `Too many concurrent changes to ${error.streamId}; retry the request`, {
      rule: 'revision.conflict',
      currentRevision: error.actual === 'no_stream' ? null : error.actual,
    });
  }
  return error;
}

/** Domain refusals, validation failures and revision conflicts become problem documents. */
@Injectable()
export class DomainErrorsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((error: unknown) => throwError(() => toProblem(error))));
  }
}

/**
 * For the write controllers: a `{…, revision}` answer gets `ETag: "<revision>"`; domain refusals,
 * validation failures and revision conflicts become problem documents (409 / 404, 422, 412, 409).
 */
@Injectable()
export class WriteInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((body: unknown) => {
        const revision = (body as { revision?: unknown } | null)?.revision;
        if (typeof revision === 'number' && revision >= 0 && !response.headersSent) response.setHeader('ETag', `"${revision}"`);
        return body;
      }),
      catchError((error: unknown) => throwError(() => toProblem(error))),
    );
  }
}
