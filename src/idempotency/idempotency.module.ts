import { Global, Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { ProjectionRuntime } from '../projections-runtime/projection-runtime.js';
import { CommittedWrites } from './queries/committed-writes.js';
import { IdempotencyStore, migrateIdempotency } from './idempotency-store.js';
import { COMMITTED_WRITES, IDEMPOTENCY_STORE, IdempotencyInterceptor } from './idempotency.interceptor.js';

/** Expired keys are deleted this often (in bounded batches), by every instance. */
const CLEANUP_INTERVAL_MS = 10 * 60_000;

/**
 * `Idempotency-Key` on every POST: the interceptor (APP_INTERCEPTOR, so it wraps every route after the
 * auth guard) and its table in the read database, with the periodic clean-up of expired keys.
 */
@Global()
@Module({
  providers: [
    {
      provide: IDEMPOTENCY_STORE,
      inject: [DATABASE],
      useFactory: async (database: Database) => {
        await migrateIdempotency(database.db);
        return new IdempotencyStore(database.db);
      },
    },
    {
      provide: COMMITTED_WRITES,
      inject: [ProjectionRuntime, DATABASE],
      useFactory: (runtime: ProjectionRuntime, database: Database) => new CommittedWrites(runtime, database.db),
    },
    IdempotencyInterceptor,
    { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor },
  ],
  exports: [IDEMPOTENCY_STORE],
})
export class IdempotencyModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Idempotency');
  private timer?: NodeJS.Timeout;

  constructor(@Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore) {}

  onModuleInit(): void {
    const cleanUp = () =>
      this.store.deleteExpired().catch((error: Error) => this.logger.warn(`Could not delete expired Idempotency-Keys: ${error.message}`));
    void cleanUp();
    this.timer = setInterval(cleanUp, CLEANUP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
