import { Module } from '@nestjs/common';
import {
  AdditionalFieldsQueryController,
  CustomerSettingsQueryController,
  LocationsQueryController,
  PartnersQueryController,
} from './reference-data-queries.controller.js';
import { REFERENCE_DATA_QUERY_HANDLERS, ReferenceDataReadModels } from './reference-data.queries.js';

/** GET /partners, /locations, /additional-fields, /settings/customers from the reference_data projection. */
@Module({
  controllers: [PartnersQueryController, LocationsQueryController, AdditionalFieldsQueryController, CustomerSettingsQueryController],
  providers: [ReferenceDataReadModels, ...REFERENCE_DATA_QUERY_HANDLERS],
  exports: [ReferenceDataReadModels],
})
export class ReferenceDataQueriesModule {}
