import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import { etagOf } from '../../common/if-match.js';
import type { WriteResult } from '../../event-sourcing/write-options.js';

export { IfMatch, parseIfMatch } from '../../common/if-match.js';

/** The body of a write answer: the resource's fields, then revision and position. */
export function writeBody<Resource extends object>(result: WriteResult<Resource>): Resource & { revision: number; position: string | null } {
  return { ...result.resource, revision: result.revision, position: result.position };
}

/**
 * For the write controllers: a `{…, revision}` answer gets `ETag: "<revision>"`. Failures (domain
 * refusals, validation, revision conflicts) are mapped by the global ProblemFilter (common/http-errors).
 */
@Injectable()
export class WriteInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((body: unknown) => {
        const revision = (body as { revision?: unknown } | null)?.revision;
        if (typeof revision === 'number' && revision >= 0 && !response.headersSent) response.setHeader('ETag', etagOf(revision));
        return body;
      }),
    );
  }
}
