import { AnchorsModule } from './audit/anchors/anchors.module.js';
import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { AdminsModule } from './admins/admins.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AutomationModule } from './automation/automation.module.js';
import { BillingRulesModule } from './billing-rules/billing-rules.module.js';
import { ClockModule } from './automation/clock.module.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { DatabaseModule } from './database/database.module.js';
import { EventStoreModule } from './event-store/event-store.module.js';
import { FeedModule } from './feed/feed.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { HealthController } from './health/health.controller.js';
import { createRootLogger } from './logging/logging.js';
import { LoggingModule } from './logging/logging.module.js';
import { LiveModule } from './live/live.module.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { OperationsModule } from './operations/operations.module.js';
import { PortalModule } from './portal/portal.module.js';
import { ProjectionsModule } from './projections-runtime/projections.module.js';
import { CustomerQueriesModule } from './customers/queries/customer-queries.module.js';
import { ReadYourWritesModule } from './read-your-writes/read-your-writes.module.js';
import { ReferenceDataQueriesModule } from './reference-data/queries/reference-data-queries.module.js';
import { CustomersModule } from './customers/customers.module.js';
import { ReasonInterceptor } from './common/reasons.js';
import { ReferenceDataModule } from './reference-data/reference-data.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ app: config })] }),
        LoggingModule.forRoot(createRootLogger({ level: config.logLevel, format: config.logFormat })),
        CqrsModule.forRoot(),
        TerminusModule,
        ConfigHolderModule.register(config),
        ClockModule,
        DatabaseModule,
        EventStoreModule,
        ProjectionsModule,
        AdminsModule,
        AuthModule,
        IdempotencyModule,
        ReadYourWritesModule,
        CustomerQueriesModule,
        ReferenceDataQueriesModule,
        LiveModule,
        FeedModule,
        ReferenceDataModule,
        CustomersModule,
        OperationsModule,
        AnchorsModule,
        PortalModule,
        AutomationModule,
        BillingRulesModule,
      ],
      controllers: [HealthController, MetricsController],
      // Every write's `reason`, taken and validated before any DTO sees the body (common/reasons.ts).
      providers: [{ provide: APP_INTERCEPTOR, useClass: ReasonInterceptor }],
    };
  }
}

/** Makes the typed config injectable everywhere as APP_CONFIG. */
@Module({})
class ConfigHolderModule {
  static register(config: AppConfig): DynamicModule {
    return { module: ConfigHolderModule, global: true, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}
