import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemException } from './problem.js';

/**
 * `@IfMatch() expectedRevision: number | undefined`: the stream revision from an `If-Match` header,
 * written as the ETag ("3"), bare (3) or weak (W/"3"). Absent or `*`: undefined (no precondition).
 * Anything else is a 400 `request.malformed_if_match`.
 */
export const IfMatch = createParamDecorator((_: unknown, context: ExecutionContext): number | undefined =>
  parseIfMatch(context.switchToHttp().getRequest<Request>().headers['if-match']),
);

export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(-?\d{1,15})"?\s*$/.exec(raw);
  if (!match || Number(match[1]) < 0) {
    throw ProblemException.rule('request.malformed_if_match', `If-Match must hold one stream revision, as returned in the ETag header (e.g. "3"); got ${raw}`);
  }
  return Number(match[1]);
}

/** The ETag of a stream revision. */
export function etagOf(revision: number): string {
  return `"${revision}"`;
}
