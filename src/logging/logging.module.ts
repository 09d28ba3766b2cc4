import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { NestPinoLogger } from './logging.js';

/** The root pino logger, injectable as ROOT_LOGGER (e.g. `logger.child({ component })`). */
export const ROOT_LOGGER = Symbol('RootLogger');

@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      providers: [
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: NestPinoLogger, useValue: new NestPinoLogger(logger) },
      ],
      exports: [ROOT_LOGGER, NestPinoLogger],
    };
  }
}
