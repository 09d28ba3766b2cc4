import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/secrets.js';
import { ForeignMasterKeyError, migratePersonalDataKeys, PersonalDataKeys } from '../crypto/personal-data-keys.js';
import { PersonalDataEventStore } from '../crypto/personal-data-event-store.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { EventStoreDbEventStore } from './esdb/esdb-event-store.js';
import { EVENT_STORE, type EventStore } from './event-store.port.js';
import { migrateEventStore } from './postgres/event-store-migrations.js';
import { PostgresEventStore } from './postgres/postgres-event-store.js';

/** The customers' data keys (crypto-shredding), always in the PostgreSQL / PGlite database. */
export const PERSONAL_DATA_KEYS = Symbol('PersonalDataKeys');

/** The data-key table migrated, and a start with a master key that does not open the keys refused. */
export async function createPersonalDataKeys(config: AppConfig, database: Database): Promise<PersonalDataKeys> {
  await migratePersonalDataKeys(database.db);
  const keys = new PersonalDataKeys(database.db, config.encryptionKey, config.previousEncryptionKeys);
  await keys.assertMasterKey().catch((error: Error) => {
    throw error instanceof ForeignMasterKeyError ? new ConfigError(error.message) : error;
  });
  return keys;
}

/**
 * Picks the adapter (EventStoreDB when EVENTSTORE_CONNECTION_STRING is set, else PostgreSQL /
 * PGlite) and puts the personal-data encryption in front of it: everything above reads plain
 * values, the adapter holds ciphertext.
 */
export async function createEventStore(config: AppConfig, database: Database, keys?: PersonalDataKeys): Promise<EventStore> {
  const dataKeys = keys ?? (await createPersonalDataKeys(config, database));
  if (config.eventStoreConnectionString) return new PersonalDataEventStore(new EventStoreDbEventStore(config.eventStoreConnectionString), dataKeys);
  await migrateEventStore(database.db);
  return new PersonalDataEventStore(new PostgresEventStore(database), dataKeys);
}

@Global()
@Module({
  providers: [
    { provide: PERSONAL_DATA_KEYS, inject: [APP_CONFIG, DATABASE], useFactory: createPersonalDataKeys },
    {
      provide: EVENT_STORE,
      inject: [APP_CONFIG, DATABASE, PERSONAL_DATA_KEYS],
      useFactory: (config: AppConfig, database: Database, keys: PersonalDataKeys) => createEventStore(config, database, keys),
    },
  ],
  exports: [EVENT_STORE, PERSONAL_DATA_KEYS],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
