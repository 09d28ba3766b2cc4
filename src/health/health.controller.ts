import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import { sql } from 'kysely';
import { ProblemException } from '../common/problem.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { DATABASE_RETRY_AFTER_SECONDS, describeDatabaseError } from '../database/unavailable.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ProjectionRuntime } from '../projections-runtime/projection-runtime.js';
import { Public } from '../auth/decorators.js';

const indicatorResults = {
  type: 'object',
  description: 'One entry per dependency: database, listener (LISTEN connection), eventStore, projections',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] }, message: { type: 'string', description: 'Why it is down' } },
    additionalProperties: true,
  },
};

/** The terminus answer when every dependency is up. */
const healthSchema = {
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok'], example: 'ok' },
    info: { ...indicatorResults, nullable: true },
    error: { ...indicatorResults, nullable: true },
    details: indicatorResults,
  },
};

/** Down: a problem document (server.unavailable) naming the failing parts, with every check's result. */
const unavailableSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'rule', 'checks'],
  properties: {
    type: { type: 'string', example: 'https://chronicle.dev/problems/server.unavailable' },
    title: { type: 'string', example: 'Service Unavailable' },
    status: { type: 'integer', enum: [503] },
    detail: { type: 'string', example: 'database: connection refused (ECONNREFUSED); eventStore: connection refused (ECONNREFUSED)' },
    rule: { type: 'string', enum: ['server.unavailable'] },
    retryAfter: { type: 'integer', description: 'Seconds, as in the Retry-After header' },
    checks: indicatorResults,
  },
};

/**
 * Liveness and readiness: database, its LISTEN connection, event store and projection lag. Down,
 * it answers 503 `server.unavailable` with Retry-After, a detail naming each failing part and why
 * ("database: connection refused (ECONNREFUSED)"), and every check's result in `checks`.
 */
@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DATABASE) private readonly database: Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projections: ProjectionRuntime,
  ) {}

  @Get()
  // Terminus documents itself only where it can require() @nestjs/swagger (not under ESM jest), so the
  // document would differ between the app and the tests: it is documented here instead.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ description: 'Every dependency is up', schema: healthSchema })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down: application/problem+json naming each failing part and why, with Retry-After',
    content: { 'application/problem+json': { schema: unavailableSchema } },
  })
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () =>
          this.indicators
            .check('database')
            .attempt(named(async () => {
              await sql`select 1`.execute(this.database.db);
              return { kind: this.database.kind };
            }))
            .withTimeout(3000),
        () => this.listener(),
        () =>
          this.indicators
            .check('eventStore')
            .attempt(named(async () => ({ adapter: this.store.name, headPosition: await this.store.headPosition() })))
            .withTimeout(3000),
        async () => {
          const session = this.indicators.check('projections');
          let statuses: Awaited<ReturnType<ProjectionRuntime['status']>>;
          try {
            statuses = await this.projections.status();
          } catch (error) {
            return session.down({ message: describeDatabaseError(error) });
          }
          const failed = statuses.filter((projection) => projection.error);
          return failed.length
            ? session.down({ message: failed.map((projection) => `${projection.name}: ${projection.error}`).join('; '), projections: statuses })
            : session.up({ projections: statuses });
        },
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      throw ProblemException.rule('server.unavailable', failingParts(result), { retryAfter: DATABASE_RETRY_AFTER_SECONDS, checks: result.details });
    }
  }

  /** The LISTEN connection: down while it reconnects (the app then only polls: slower, not wrong). */
  private listener(): HealthIndicatorResult {
    const health = this.database.listenerHealth();
    const session = this.indicators.check('listener');
    return health.state === 'reconnecting'
      ? session.down({ message: `LISTEN connection lost (${health.lastError ?? 'unknown'}), reconnecting since ${health.downSince}`, ...health })
      : session.up({ ...health });
  }
}

/** Rethrows a check's failure with the database's reason ("connection refused (ECONNREFUSED)"). */
function named<T>(check: () => Promise<T>): () => Promise<T> {
  return async () => {
    try {
      return await check();
    } catch (error) {
      throw new Error(describeDatabaseError(error));
    }
  };
}

function failingParts(result: HealthCheckResult): string {
  const parts = Object.entries(result.error ?? {}).map(([name, check]) => `${name}: ${String((check as { message?: unknown }).message ?? 'down')}`);
  return parts.length ? parts.join('; ') : 'a health check failed';
}
