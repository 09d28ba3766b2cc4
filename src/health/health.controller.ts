import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { sql } from 'kysely';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ProjectionRuntime } from '../projections-runtime/projection-runtime.js';
import { Public } from '../auth/decorators.js';

const indicatorResults = {
  type: 'object',
  description: 'One entry per dependency: database, eventStore, projections',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
};

/** The terminus answer: overall status, the indicators up (info), down (error) and all (details). */
function healthSchema(status: 'ok' | 'error') {
  return {
    type: 'object',
    required: ['status', 'details'],
    properties: {
      status: { type: 'string', enum: [status], example: status },
      info: { ...indicatorResults, nullable: true },
      error: { ...indicatorResults, nullable: true },
      details: indicatorResults,
    },
  };
}

/** Liveness and readiness: database, event store and projection lag. */
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
  @ApiOkResponse({ description: 'Every dependency is up', schema: healthSchema('ok') })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down (details name it)', schema: healthSchema('error') })
  check() {
    return this.health.check([
      () =>
        this.indicators
          .check('database')
          .attempt(async () => {
            await sql`select 1`.execute(this.database.db);
            return { kind: this.database.kind };
          })
          .withTimeout(3000),
      () =>
        this.indicators
          .check('eventStore')
          .attempt(async () => ({ adapter: this.store.name, headPosition: await this.store.headPosition() }))
          .withTimeout(3000),
      async () => {
        const statuses = await this.projections.status();
        const session = this.indicators.check('projections');
        const failed = statuses.filter((projection) => projection.error);
        return failed.length ? session.down({ projections: statuses }) : session.up({ projections: statuses });
      },
    ]);
  }
}
