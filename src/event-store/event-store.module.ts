import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { EventStoreDbEventStore } from './esdb/esdb-event-store.js';
import { EVENT_STORE, type EventStore } from './event-store.port.js';
import { migrateEventStore } from './postgres/event-store-migrations.js';
import { PostgresEventStore } from './postgres/postgres-event-store.js';

/** Picks the adapter: EventStoreDB when EVENTSTORE_CONNECTION_STRING is set, else PostgreSQL / PGlite. */
export async function createEventStore(config: AppConfig, database: Database): Promise<EventStore> {
  if (config.eventStoreConnectionString) return new EventStoreDbEventStore(config.eventStoreConnectionString);
  await migrateEventStore(database.db);
  return new PostgresEventStore(database);
}

@Global()
@Module({
  providers: [{ provide: EVENT_STORE, inject: [APP_CONFIG, DATABASE], useFactory: createEventStore }],
  exports: [EVENT_STORE],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
