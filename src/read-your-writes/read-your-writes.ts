import {
  applyDecorators,
  Inject,
  Injectable,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiGatewayTimeoutResponse, ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { from, switchMap, type Observable } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ProblemException } from '../common/problem.js';
import { ProjectionRuntime } from '../projections-runtime/projection-runtime.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';

/**
 * Read-your-writes. Every write answers the global `position` of its last event; a GET on a read
 * model given `?minPosition=<that position>` waits (bounded by `config.readYourWritesTimeoutMs`,
 * 5 s by default) until every projection the endpoint reads from has processed it, then answers.
 * If they have not caught up in time: 504 problem with the positions they are at.
 *
 * Use: `@ReadModel('customer_list', 'reference_data')` on a GET handler (or a controller), and give
 * its query DTO a `minPosition` (extend `ReadModelQueryDto`) so validation accepts it.
 */
export const READ_MODEL_PROJECTIONS = 'chronicle:read-model:projections';

/** `Min-Position: <position>`: the header form of `?minPosition=`, ignored by endpoints that are not read models. */
export const MIN_POSITION_HEADER = 'min-position';

/** A position as the event stores write them: PostgreSQL `<20 digits>:<19 digits>`, EventStoreDB 20 digits. */
export const POSITION_PATTERN = /^\d{20}(?::\d{19})?$/;

export interface WaitOutcome {
  reached: boolean;
  /** Each projection's position when the wait ended (null: nothing processed yet). */
  positions: Record<string, string | null>;
}

@Injectable()
export class ReadYourWrites {
  constructor(
    private readonly runtime: ProjectionRuntime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** Waits until every projection in `projections` has processed `minPosition` (or the timeout passes). */
  async waitFor(minPosition: string, projections: readonly string[], timeoutMs = this.config.readYourWritesTimeoutMs): Promise<WaitOutcome> {
    const reached = await this.runtime.waitForPosition(minPosition, { projections, timeoutMs });
    const positions: Record<string, string | null> = {};
    for (const name of projections) positions[name] = await this.runtime.position(name);
    return { reached, positions };
  }

  /**
   * `waitFor`, throwing the 504 problem on timeout. Input that cannot be reached is the caller's:
   * 400 `read_your_writes.invalid_position` at once for one that is no position of this store, and
   * when the wait ends for one of its form that no event was ever recorded at (beyond the head).
   */
  async require(minPosition: unknown, projections: readonly string[]): Promise<void> {
    if (minPosition === undefined) return;
    if (typeof minPosition !== 'string' || !POSITION_PATTERN.test(minPosition) || this.store.isPosition?.(minPosition) === false) {
      // Refused at once (before any wait): a value that is no position could never be reached.
      throw notAPosition('minPosition must be one global position, as returned by a write (field "position")');
    }
    const timeoutMs = this.config.readYourWritesTimeoutMs;
    const outcome = await this.waitFor(minPosition, projections, timeoutMs);
    if (outcome.reached) return;
    const head = await this.store.headPosition();
    if (head === null || minPosition > head) {
      throw notAPosition(`No event has been recorded at position ${minPosition} (the newest is ${head ?? 'none'}): pass a position returned by a write`);
    }
    const behind = Object.values(outcome.positions);
    const lowest = behind.includes(null) ? null : (behind as string[]).reduce((low, position) => (position < low ? position : low), behind[0] as string);
    throw ProblemException.rule('read_your_writes.timeout', `The read models did not reach position ${minPosition} within ${timeoutMs} ms; try again later`, {
      minPosition,
      position: lowest ?? null,
      positions: outcome.positions,
    });
  }
}

function notAPosition(detail: string): ProblemException {
  return ProblemException.rule('read_your_writes.invalid_position', detail, {
    errors: [{ field: 'minPosition', rule: 'position', message: 'minPosition must be a position returned by a write' }],
  });
}

@Injectable()
export class ReadYourWritesInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const projections = this.reflector.getAllAndOverride<string[] | undefined>(READ_MODEL_PROJECTIONS, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<Request>();
    // The query parameter, or the header a client sets on every read (the console sends its last write's position).
    const minPosition = request.query?.minPosition ?? request.headers[MIN_POSITION_HEADER];
    if (!projections?.length || minPosition === undefined) return next.handle();
    return from(this.readYourWrites.require(minPosition, projections)).pipe(switchMap(() => next.handle()));
  }
}

/**
 * Marks a GET as answered from these projections: `?minPosition=` waits for all of them.
 * (Also documents the 504 in OpenAPI.)
 */
export function ReadModel(...projections: [string, ...string[]]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(READ_MODEL_PROJECTIONS, projections),
    UseInterceptors(ReadYourWritesInterceptor),
    ApiHeader({ name: 'Min-Position', required: false, description: 'As ?minPosition=, for clients that send their last write\'s position on every read' }),
    ApiGatewayTimeoutResponse({ description: 'minPosition was not reached by the read models in time (application/problem+json, with `position`)' }),
  );
}
