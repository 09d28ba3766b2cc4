import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, IN_MEMORY, type AppConfig } from '../config/app-config.js';
import { openDatabase, type Database } from './database.js';
import { trackListenerMetrics } from './listener-metrics.js';

export const DATABASE = Symbol('Database');

/** The read-side database (and the event store's, unless EventStoreDB is configured). */
@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        openDatabase({
          connectionString: config.databaseUrl,
          dataDir: config.databaseUrl || config.dataDir === IN_MEMORY ? undefined : join(config.dataDir, 'pglite'),
        }),
    },
  ],
  exports: [DATABASE],
})
export class DatabaseModule implements OnApplicationShutdown {
  private readonly untrack: () => void;

  constructor(@Inject(DATABASE) private readonly database: Database) {
    this.untrack = trackListenerMetrics(database);
  }

  async onApplicationShutdown(): Promise<void> {
    this.untrack();
    await this.database.close();
  }
}
