import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ExceptionFilter,
  type ValidationError,
} from '@nestjs/common';
import type { Response } from 'express';

/** One offending field in a problem document. */
export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

/** RFC 9457 problem details, as every error of the API answers. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  rule?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Throw this from anywhere in the HTTP layer to answer a problem document. */
export class ProblemException extends HttpException {
  constructor(readonly problem: ProblemDocument) {
    super(problem, problem.status);
  }

  static of(status: number, detail: string, extra: Partial<ProblemDocument> = {}): ProblemException {
    return new ProblemException({ type: problemType(extra.rule ?? slug(statusTitle(status))), title: statusTitle(status), status, detail, ...extra });
  }
}

const PROBLEM_BASE = 'https://chronicle.dev/problems/';

export function problemType(rule: string): string {
  return PROBLEM_BASE + rule;
}

function statusTitle(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().split('_').map((word) => word[0].toUpperCase() + word.slice(1)).join(' ') : 'Error';
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** class-validator errors (nested included) → flat field entries with the failed rule. */
export function fieldErrorsOf(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      rule: rule === 'whitelistValidation' ? 'unknownField' : rule,
      message: rule === 'whitelistValidation' ? `${field} is not a known field` : message,
    }));
    return [...own, ...fieldErrorsOf(error.children ?? [], field)];
  });
}

/** The ValidationPipe's exceptionFactory: 422 with one entry per field and rule. */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const fieldErrors = fieldErrorsOf(errors);
  return ProblemException.of(422, fieldErrors.map((error) => error.message).join('; '), {
    rule: 'validation',
    errors: fieldErrors,
  });
}

/** Renders every error as application/problem+json; never leaks internals of a 500. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const problem = this.toProblem(exception);
    if (problem.status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (response.headersSent) return;
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown): ProblemDocument {
    if (exception instanceof ProblemException) return exception.problem;
    // A problem thrown inside the body parser (its verify hook) reaches us wrapped by the Express adapter.
    if (exception instanceof HttpException && exception.cause instanceof ProblemException) return exception.cause.problem;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const malformedJson = exception instanceof BadRequestException && isBodyParserError(exception);
      const detail = typeof body === 'string' ? body : messageOf(body) ?? exception.message;
      return {
        type: problemType(malformedJson ? 'malformed-json' : slug(statusTitle(status))),
        title: statusTitle(status),
        status,
        detail: malformedJson ? 'The request body is not valid JSON' : detail,
      };
    }
    const httpError = exception as { status?: number; type?: string; expose?: boolean; message?: string };
    if (typeof httpError?.status === 'number' && httpError.status >= 400 && httpError.status < 500 && httpError.expose) {
      // body-parser errors (malformed JSON, too large, wrong charset)
      return { type: problemType(slug(httpError.type ?? 'bad-request')), title: statusTitle(httpError.status), status: httpError.status, detail: httpError.message ?? 'Bad request' };
    }
    return { type: problemType('internal'), title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred' };
  }
}

function messageOf(body: object): string | undefined {
  const message = (body as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : undefined;
}

function isBodyParserError(exception: BadRequestException): boolean {
  return (exception.cause as { type?: string } | undefined)?.type === 'entity.parse.failed';
}
