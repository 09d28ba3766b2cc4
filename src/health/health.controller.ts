import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { sql } from 'kysely';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ProjectionRuntime } from '../projections-runtime/projection-runtime.js';
import { Public } from '../auth/decorators.js';

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
  @HealthCheck()
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
