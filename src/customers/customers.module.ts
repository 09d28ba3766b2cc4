import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { ReferenceDataModule } from '../reference-data/reference-data.module.js';
import { CustomerCommandExecutor } from './application/customer-command-executor.js';
import { CustomerFieldChecks } from './application/customer-field-checks.js';
import { CustomerHistory } from './application/customer-history.js';
import { CustomerReservations } from './application/customer-reservations.js';
import { CUSTOMER_COMMAND_HANDLERS } from './application/customer.handlers.js';
import { migrateCustomers } from './application/customers.schema.js';
import { CustomerActivityWriteController } from './http/customer-activity-write.controller.js';
import { CustomerHistoryController } from './http/customer-history.controller.js';
import { CustomersWriteController } from './http/customers-write.controller.js';
import { ScheduledChangesController } from './http/scheduled-changes.controller.js';
import { ScheduledChanges } from './application/scheduled-changes.js';

/**
 * The customer command side: command handlers (@nestjs/cqrs) over the customer decider, the
 * write endpoints, and the auditors' stream reads (raw events, time travel). Its write-side tables
 * (id sequence, reservations, portal tokens) are migrated at module init.
 */
@Module({
  imports: [ReferenceDataModule],
  controllers: [CustomersWriteController, CustomerActivityWriteController, CustomerHistoryController, ScheduledChangesController],
  providers: [
    { provide: SecretBox, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new SecretBox(config.encryptionKey, config.previousEncryptionKeys) },
    CustomerReservations,
    CustomerCommandExecutor,
    CustomerFieldChecks,
    CustomerHistory,
    ScheduledChanges,
    ...CUSTOMER_COMMAND_HANDLERS,
  ],
  exports: [CustomerCommandExecutor, CustomerReservations, CustomerHistory, SecretBox],
})
export class CustomersModule implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onModuleInit(): Promise<void> {
    await migrateCustomers(this.database.db);
  }
}
