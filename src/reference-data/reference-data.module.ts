import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { REFERENCE_DATA_COMMAND_HANDLERS } from './application/reference-data.handlers.js';
import { ReferenceDataReader } from './application/reference-data.reader.js';
import { migrateReferenceData } from './application/reference-data.schema.js';
import { ReferenceUsage } from './application/reference-usage.js';
import {
  AdditionalFieldsWriteController,
  CustomerSettingsWriteController,
  LocationsWriteController,
  PartnersWriteController,
} from './http/reference-data.controller.js';

/**
 * Reference data as event-sourced streams (partners, locations, additional field definitions,
 * customer settings): the write endpoints, their command handlers, and the reader / usage tally
 * the customer command side builds its context from.
 */
@Module({
  controllers: [PartnersWriteController, LocationsWriteController, AdditionalFieldsWriteController, CustomerSettingsWriteController],
  providers: [ReferenceDataReader, ReferenceUsage, ...REFERENCE_DATA_COMMAND_HANDLERS],
  exports: [ReferenceDataReader, ReferenceUsage],
})
export class ReferenceDataModule implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onModuleInit(): Promise<void> {
    await migrateReferenceData(this.database.db);
  }
}
