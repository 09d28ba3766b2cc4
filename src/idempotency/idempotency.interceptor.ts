import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { from, mergeMap, Observable, of, throwError } from 'rxjs';
import { unavailable } from '../common/http-errors.js';
import { ProblemException } from '../common/problem.js';
import { requestReason } from '../common/reasons.js';
import type { AuthenticatedRequest } from '../common/request-context.js';
import type { CommittedWrite, CommittedWrites } from './queries/committed-writes.js';
import { IDEMPOTENCY_LEASE_SECONDS, type IdempotencyStore } from './idempotency-store.js';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** Set on an answer that repeats a stored first answer. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';
export const IDEMPOTENCY_STORE = Symbol('IdempotencyStore');
export const COMMITTED_WRITES = Symbol('CommittedWrites');

const ANSWER_NOT_STORED = 'chronicle:idempotency:not-stored';
/** The headers of an answer that a repeat gets back (the rest are the server's own for each answer). */
const REPLAYED_HEADERS = ['etag', 'location', 'content-type'];

/**
 * On a POST whose answer carries a secret (tokens, revealed passwords, tickets): `Idempotency-Key`
 * is accepted and checked but the answer is not stored (a database must not hold it), so a repeat
 * runs again. `reason` is for the reader of the code.
 */
export const AnswerNotStored = (reason: string): MethodDecorator & ClassDecorator => SetMetadata(ANSWER_NOT_STORED, reason);

/** Printable ASCII, 1 to 255 characters (what a UUID, a ULID or a client's own scheme gives). */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on every POST (the one seam, a global interceptor, after the auth guard).
 *
 * By the same admin, within 24 h: a repeat with the same key, method, path and body answers the
 * first answer (status, body, ETag / Location) with `Idempotent-Replayed: true` and runs nothing;
 * the same key with another request is 422 `idempotency_key.reused`; a repeat while the first is
 * still running is 409 `idempotency_key.in_progress` with `Retry-After`. A retry that takes over the
 * claim of a holder that died first looks for the events written under the key (they carry it in
 * their metadata): found, it answers 409 `idempotency_key.committed` saying where they are and runs
 * nothing; the request runs again only when the first attempt wrote nothing. Only a success (2xx) binds
 * the key: a refused request wrote nothing, so it is released and a retry runs again. Routes
 * without an authenticated admin (login, refresh) and routes marked `@AnswerNotStored` accept the
 * header and run every time.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(
    @Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
    @Inject(COMMITTED_WRITES) private readonly committedWrites: CommittedWrites,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.method !== 'POST') return next.handle();
    const header = request.headers['idempotency-key'];
    if (header === undefined) return next.handle();
    const key = Array.isArray(header) ? header.join(', ') : header;
    if (!KEY_PATTERN.test(key) || key.trim() === '') {
      throw ProblemException.rule(
        'idempotency_key.malformed',
        `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters (a UUID, for instance)`,
      );
    }
    const actorId = request.actor?.id;
    const notStored = this.reflector.getAllAndOverride<string | undefined>(ANSWER_NOT_STORED, [context.getHandler(), context.getClass()]);
    if (!actorId || notStored !== undefined) return next.handle();
    const response = context.switchToHttp().getResponse<Response>();
    const fingerprint = fingerprintOf(request.method, request.originalUrl, request.body, requestReason(request));
    return from(this.store.claim(actorId, key, fingerprint)).pipe(
      mergeMap((claim): Observable<unknown> => {
        switch (claim.kind) {
          case 'reused':
            return throwError(() =>
              ProblemException.rule('idempotency_key.reused', 'This Idempotency-Key was used for another request (method, path or body) within 24 hours: use a new key for a new request'),
            );
          case 'in_progress':
            return throwError(() =>
              ProblemException.rule('idempotency_key.in_progress', 'A request with this Idempotency-Key is still running; retry after Retry-After seconds to get its answer', {
                retryAfter: claim.retryAfterSeconds,
              }),
            );
          case 'replay':
            response.status(claim.answer.status);
            for (const [name, value] of Object.entries(claim.answer.headers)) response.setHeader(name, value);
            response.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
            return of(claim.answer.body === null ? undefined : JSON.parse(claim.answer.body));
          case 'claimed': {
            request.idempotencyKey = key;
            const { token, abandonedSince } = claim;
            if (!abandonedSince) return this.run(next, response, actorId, key, token);
            return from(this.committedBefore(actorId, key, token, abandonedSince)).pipe(
              mergeMap((writes) => (writes.length === 0 ? this.run(next, response, actorId, key, token) : this.answerCommitted(response, actorId, key, token, writes))),
            );
          }
        }
      }),
    );
  }

  /**
   * What a holder that died under this key wrote. Not known (the index of keyed writes is behind):
   * the claim is given back and the retry told to come again, rather than risk writing twice.
   */
  private async committedBefore(actorId: string, key: string, token: string, since: Date): Promise<CommittedWrite[]> {
    const writes = await this.committedWrites.find(actorId, key, since).catch((error: Error) => {
      this.logger.warn(`Could not look for the writes of an abandoned Idempotency-Key: ${error.message}`);
      return 'unknown' as const;
    });
    if (writes !== 'unknown') return writes;
    await this.store.abandon(actorId, key, token).catch(() => undefined);
    throw unavailable('Whether the first request with this Idempotency-Key committed cannot be told yet; retry after Retry-After seconds', 5);
  }

  /** The first attempt committed and died before its answer: this answer (409, where its events are) binds the key instead. */
  private async answerCommitted(response: Response, actorId: string, key: string, token: string, writes: CommittedWrite[]): Promise<unknown> {
    const last = writes[writes.length - 1];
    const { problem } = ProblemException.rule(
      'idempotency_key.committed',
      `The first request with this Idempotency-Key committed its changes (${writes.length} event(s), last in ${last.streamId} at revision ${last.revision}) but stopped before its answer was recorded; nothing was written again. Read the result with ?minPosition=${last.position}`,
      { position: last.position, writes },
    );
    const headers = { 'content-type': 'application/problem+json; charset=utf-8' };
    await this.store.complete(actorId, key, token, { status: problem.status, headers, body: JSON.stringify(problem) });
    response.status(problem.status);
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    return problem;
  }

  /** Runs the handler holding the key (renewing its lease), then binds or releases the key. */
  private run(next: CallHandler, response: Response, actorId: string, key: string, token: string): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      const heartbeat = setInterval(() => {
        this.store.renew(actorId, key, token).catch((error: Error) => this.logger.warn(`Could not renew Idempotency-Key lease: ${error.message}`));
      }, (IDEMPOTENCY_LEASE_SECONDS * 1000) / 3);
      heartbeat.unref();
      let settled = false;
      const settle = async (body: unknown, failed: unknown): Promise<void> => {
        clearInterval(heartbeat);
        settled = true;
        const status = response.statusCode;
        try {
          if (failed === undefined && status >= 200 && status < 300) {
            await this.store.complete(actorId, key, token, { status, headers: replayedHeaders(response), body: body === undefined ? null : JSON.stringify(body) });
          } else {
            await this.store.release(actorId, key, token);
          }
        } catch (error) {
          // The write is done: its answer goes out all the same. A retry within the lease gets 409
          // in_progress; after it, 409 committed (its events carry the key).
          this.logger.warn(`Could not record the Idempotency-Key answer: ${(error as Error).message}`);
        }
      };
      const subscription = next.handle().subscribe({
        next: (body) => {
          settle(body, undefined).then(() => {
            subscriber.next(body);
            subscriber.complete();
          });
        },
        error: (error: unknown) => {
          settle(undefined, error ?? new Error('failed')).then(() => subscriber.error(error));
        },
        complete: () => {
          if (!settled) settle(undefined, undefined).then(() => subscriber.complete());
        },
      });
      return () => {
        clearInterval(heartbeat);
        subscription.unsubscribe();
      };
    });
  }
}

function replayedHeaders(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = response.getHeader(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

/**
 * Method, path (with query), body (keys sorted) and reason (reasons.ts takes it out of the body): the
 * same request gives the same fingerprint. A request without a reason hashes as before reasons counted.
 */
export function fingerprintOf(method: string, url: string, body: unknown, reason: string | null = null): string {
  const parts: unknown[] = [method, url, canonical(body ?? null)];
  if (reason !== null) parts.push(reason);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.keys(value as object)
      .sort()
      .map((name) => [name, canonical((value as Record<string, unknown>)[name])]);
  }
  return value;
}
