import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { AdminsModule } from './admins/admins.module.js';
import { AuthModule } from './auth/auth.module.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { DatabaseModule } from './database/database.module.js';
import { EventStoreModule } from './event-store/event-store.module.js';
import { FeedModule } from './feed/feed.module.js';
import { HealthController } from './health/health.controller.js';
import { LiveModule } from './live/live.module.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { ProjectionsModule } from './projections-runtime/projections.module.js';
import { CustomerQueriesModule } from './customers/queries/customer-queries.module.js';
import { ReadYourWritesModule } from './read-your-writes/read-your-writes.module.js';
import { ReferenceDataQueriesModule } from './reference-data/queries/reference-data-queries.module.js';
import { CustomersModule } from './customers/customers.module.js';
import { ReferenceDataModule } from './reference-data/reference-data.module.js';

/** Secrets and personal data that must never reach a log line. */
const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'req.body.password',
  'req.body.currentPassword',
  'req.body.newPassword',
  'req.body.refreshToken',
  'req.body.accessToken',
];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ app: config })] }),
        LoggerModule.forRoot({
          pinoHttp: { level: config.logLevel, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' }, autoLogging: config.logLevel !== 'silent' },
        }),
        CqrsModule.forRoot(),
        TerminusModule,
        ConfigHolderModule.register(config),
        DatabaseModule,
        EventStoreModule,
        ProjectionsModule,
        AdminsModule,
        AuthModule,
        ReadYourWritesModule,
        CustomerQueriesModule,
        ReferenceDataQueriesModule,
        LiveModule,
        FeedModule,
        ReferenceDataModule,
        CustomersModule,
      ],
      controllers: [HealthController, MetricsController],
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
