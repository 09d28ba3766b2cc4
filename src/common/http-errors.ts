import { ArgumentsHost, BadRequestException, Catch, HttpException, Logger, NotFoundException, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { isDomainRuleViolation, isValidationFailed } from '../domain-kernel/errors.js';
import { PreconditionFailedError } from '../event-sourcing/command-runner.js';
import { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailableReason } from '../database/unavailable.js';
import { EVENT_STORE_RETRY_AFTER_SECONDS, EventStoreUnavailableError, WrongExpectedRevisionError } from '../event-store/event-store.port.js';
import { fieldsProblem, genericRule, ProblemException, problemType, statusTitle, type ProblemDocument } from './problem.js';
import { statusOfRule } from './rule-codes.js';

/**
 * THE mapping of failures to problem documents, for every HTTP endpoint (the global ProblemFilter)
 * and for per-item answers such as bulk delete (`problemOf(error)`):
 *
 * - DomainRuleViolation → its rule, with the status RULE_CODES gives it (404 / 403 / 409), `details`
 * - ValidationFailed → 422 `request.validation_failed` with `errors[]`
 * - PreconditionFailedError (If-Match) → 412 `revision.precondition_failed`
 * - WrongExpectedRevisionError (a lost race) → 409 `revision.conflict`
 * - ProblemException → as it is; other HttpExceptions and body-parser errors → their `request.*` rule
 * - the database unreachable (refused, reset, restarting, too many connections: database/unavailable.ts)
 *   → 503 `server.unavailable` with Retry-After, so clients retry instead of reporting a bug
 * - EventStoreUnavailableError (EventStoreDB restarting, unreachable, changing leader, timed out)
 *   → 503 `server.unavailable` with Retry-After; the event store's other refusals (a tombstoned or
 *   truncated stream, missing permissions, an append over its size limit) are operator matters → 500,
 *   logged with the adapter's message
 * - anything else → 500 `server.internal_error`, nothing disclosed
 */
export function problemOf(error: unknown): ProblemDocument {
  if (error instanceof ProblemException) return error.problem;
  // A problem thrown inside the body parser (its verify hook) reaches us wrapped by the Express adapter.
  if (error instanceof HttpException && error.cause instanceof ProblemException) return error.cause.problem;
  const domain = domainProblem(error);
  if (domain) return domain.problem;
  if (error instanceof HttpException) return httpProblem(error);
  const parserError = error as { status?: number; type?: string; expose?: boolean; message?: string };
  if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500 && parserError.expose) {
    return bodyParserProblem(parserError.status, parserError.type, parserError.message);
  }
  if (error instanceof EventStoreUnavailableError) {
    return unavailable(`The event store is unavailable (${error.reason}); retry shortly`, EVENT_STORE_RETRY_AFTER_SECONDS).problem;
  }
  const unreachable = databaseUnavailableReason(error);
  if (unreachable) return unavailable(`The database is unavailable (${unreachable}); retry shortly`, DATABASE_RETRY_AFTER_SECONDS).problem;
  return ProblemException.rule('server.internal_error', 'An unexpected error occurred').problem;
}

/** The problem of a domain or command-runner failure, or undefined for any other error. */
export function domainProblem(error: unknown): ProblemException | undefined {
  if (isValidationFailed(error)) return fieldsProblem(error.errors, error.message);
  if (isDomainRuleViolation(error)) {
    const details = Object.keys(error.details ?? {}).length ? { details: error.details } : {};
    return ProblemException.of(statusOfRule(error.rule), error.message, { rule: error.rule, ...details });
  }
  if (error instanceof PreconditionFailedError) {
    const current = error.actual === 'no_stream' ? null : error.actual;
    return ProblemException.rule('revision.precondition_failed', `The resource is at revision ${current ?? 'none'}, not ${error.expected}: read it again and retry with the new ETag`, {
      expectedRevision: error.expected,
      currentRevision: current,
    });
  }
  if (error instanceof WrongExpectedRevisionError) {
    return ProblemException.rule('revision.conflict', 'Too many concurrent changes to this resource; retry the request', {
      currentRevision: error.actual === 'no_stream' ? null : error.actual,
    });
  }
  return undefined;
}

function httpProblem(exception: HttpException): ProblemDocument {
  const status = exception.getStatus();
  if (exception instanceof BadRequestException && isBodyParserError(exception)) {
    return bodyParserProblem(400, 'entity.parse.failed', undefined);
  }
  const body = exception.getResponse();
  const detail = typeof body === 'string' ? body : messageOf(body) ?? exception.message;
  // Nest's router answers an unknown route with a bare NotFoundException.
  const rule = exception instanceof NotFoundException ? 'request.route_not_found' : genericRule(status);
  return { type: problemType(rule), title: statusTitle(status), status, detail: status >= 500 ? 'An unexpected error occurred' : detail, rule };
}

function bodyParserProblem(status: number, type: string | undefined, message: string | undefined): ProblemDocument {
  if (type === 'entity.parse.failed') return ProblemException.rule('request.malformed_json', 'The request body is not valid JSON').problem;
  if (type === 'entity.too.large') return ProblemException.rule('request.body_too_large', message ?? 'The request body is too large').problem;
  return ProblemException.of(status, message ?? 'Bad request').problem;
}

function messageOf(body: object): string | undefined {
  const message = (body as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : undefined;
}

function isBodyParserError(exception: BadRequestException): boolean {
  return (exception.cause as { type?: string } | undefined)?.type === 'entity.parse.failed';
}

/** Renders every error as application/problem+json (with Retry-After when it says one); never leaks internals of a 500. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const problem = problemOf(exception);
    if (problem.status === 503) this.logger.warn(problem.detail); // an outage: one line per answer, no stack
    else if (problem.status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (response.headersSent) return;
    if (typeof problem.retryAfter === 'number' && !response.getHeader('Retry-After')) response.setHeader('Retry-After', String(problem.retryAfter));
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}

/** 503 `server.unavailable` with Retry-After (the filter sets the header from `retryAfter`). */
export function unavailable(detail: string, retryAfterSeconds: number): ProblemException {
  return ProblemException.rule('server.unavailable', detail, { retryAfter: retryAfterSeconds });
}
