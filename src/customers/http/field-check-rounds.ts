import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, type Observable } from 'rxjs';
import { fieldsProblem, ProblemException, type FieldError } from '../../common/problem.js';
import { requestMetadata, type AuthenticatedRequest } from '../../common/request-context.js';
import { CustomerFieldChecks, mergeFieldErrors } from '../application/customer-field-checks.js';
import type { WriteOptions } from '../../event-sourcing/write-options.js';

/**
 * Format errors (the DTO round, thrown by the ValidationPipe before the handler runs) and the
 * domain's field errors in one answer: on a 422 of the pipe, the domain's validation runs on the
 * body without the fields that failed, and whatever it finds on the other fields joins the answer.
 * (Interceptors wrap the pipes, so the pipe's exception passes here.)
 */
abstract class FieldCheckRounds implements NestInterceptor {
  constructor(@Inject(CustomerFieldChecks) protected readonly checks: CustomerFieldChecks) {}

  protected abstract domainErrors(request: AuthenticatedRequest, body: unknown, options: WriteOptions): Promise<FieldError[]>;

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return next.handle().pipe(
      catchError(async (error: unknown) => {
        if (!(error instanceof ProblemException) || error.problem.rule !== 'request.validation_failed') throw error;
        const formatErrors = error.problem.errors ?? [];
        const failed = formatErrors.map((item) => item.field);
        let domain: FieldError[] = [];
        try {
          domain = await this.domainErrors(request, withoutFields(request.body, failed), { metadata: requestMetadata(request) });
        } catch {
          throw error; // the second round is a courtesy: if it cannot run, the first round answers alone
        }
        const additional = domain.filter((item) => !failed.some((field) => overlaps(field, item.field)));
        if (additional.length === 0) throw error;
        throw fieldsProblem(mergeFieldErrors(formatErrors, additional));
      }),
    );
  }
}

@Injectable()
export class CreateCustomerFieldRounds extends FieldCheckRounds {
  protected domainErrors(_request: AuthenticatedRequest, body: unknown, options: WriteOptions): Promise<FieldError[]> {
    return this.checks.create(body, options);
  }
}

@Injectable()
export class EditCustomerFieldRounds extends FieldCheckRounds {
  protected domainErrors(request: AuthenticatedRequest, body: unknown, options: WriteOptions): Promise<FieldError[]> {
    const id = Number(request.params.id);
    return Number.isSafeInteger(id) && id > 0 ? this.checks.edit(id, body, options) : Promise.resolve([]);
  }
}

/** `a.b` and `a.b.c` or `a.b[2]` name the same value or one inside the other. */
function overlaps(one: string, other: string): boolean {
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return within(one, other) || within(other, one);
}

/** A copy of the JSON body without the fields at these paths (`voip.cps`; `emails[1]` drops `emails`). */
export function withoutFields(body: unknown, paths: readonly string[]): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const path of paths) {
    const keys = path.replace(/\[\d+\].*$/, '').split('.');
    let holder: Record<string, unknown> | undefined = copy;
    for (const key of keys.slice(0, -1)) {
      const next: unknown = holder?.[key];
      holder = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : undefined;
    }
    if (holder) delete holder[keys[keys.length - 1]];
  }
  return copy;
}
