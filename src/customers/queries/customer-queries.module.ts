import { Module } from '@nestjs/common';
import { CustomerQueriesController } from './customer-queries.controller.js';
import { CustomerReadModels } from './customer-read-models.js';
import { CUSTOMER_QUERY_HANDLERS } from './customer.queries.js';
import { ScheduledChangesQueriesController } from './scheduled-changes-queries.controller.js';

/** The customer read side: query handlers over the projections and their GET endpoints. */
@Module({
  controllers: [CustomerQueriesController, ScheduledChangesQueriesController],
  providers: [CustomerReadModels, ...CUSTOMER_QUERY_HANDLERS],
  exports: [CustomerReadModels],
})
export class CustomerQueriesModule {}
