import { Global, Inject, Logger as NestLogger, Module, type BeforeApplicationShutdown } from '@nestjs/common';
import { allProjections } from '../../projections/index.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { trackProjectionMetrics } from './projection-metrics.js';
import { ProjectionRuntime } from './projection-runtime.js';
import type { Logger } from './wake-signal.js';

export function nestLogger(context = 'Projections'): Logger {
  const logger = new NestLogger(context);
  return {
    log: (message) => logger.log(message),
    warn: (message) => logger.warn(message),
    error: (message, error) => logger.error(message, error instanceof Error ? error.stack : undefined),
  };
}

/**
 * Runs every projection of projections/index.ts in the background from app start (after creating
 * the checkpoint table and first-time projection tables) and stops them before the database
 * closes; exports lag gauges on /metrics. Inject `ProjectionRuntime` to read a projection's active tables (`runtime.read(...)`) or
 * to wait for a position (`runtime.waitForPosition(...)`).
 */
@Global()
@Module({
  providers: [
    {
      provide: ProjectionRuntime,
      inject: [DATABASE, EVENT_STORE],
      useFactory: async (database: Database, store: EventStore) => {
        const runtime = new ProjectionRuntime({ database, store, projections: allProjections, logger: nestLogger() });
        await runtime.start();
        return runtime;
      },
    },
  ],
  exports: [ProjectionRuntime],
})
export class ProjectionsModule implements BeforeApplicationShutdown {
  private readonly untrack: () => void;

  constructor(@Inject(ProjectionRuntime) private readonly runtime: ProjectionRuntime) {
    this.untrack = trackProjectionMetrics(runtime);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.untrack();
    await this.runtime.stop();
  }
}
