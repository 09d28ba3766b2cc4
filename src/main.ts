import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { loadAppConfig } from './config/app-config.js';
import { DATABASE } from './database/database.module.js';
import type { Database } from './database/database.js';
import { configureHttpApp } from './http-app.js';
import { startBanner } from './logging/banner.js';
import { routesServed } from './logging/logging.js';
import { ROOT_LOGGER } from './logging/logging.module.js';
import { startupFailure } from './startup-failure.js';

try {
  const startedAt = performance.now();
  const config = loadAppConfig();
  // Imported after the configuration is checked, so a configuration mistake is told at once.
  const { AppModule } = await import('./app.module.js');
  // abortOnError false: a failing module init throws here (one line below) instead of aborting the process.
  // logger false until configureHttpApp attaches pino: a failed init is then told once, by the catch,
  // not also as Nest's console dump of every buffered line and the stack.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger: false, bodyParser: false, abortOnError: false });
  configureHttpApp(app, config);
  await app.listen(config.port);
  const logger = app.get<Logger>(ROOT_LOGGER);
  const port = (app.getHttpServer().address() as { port: number }).port;
  // A second process that finds the embedded data folder locked (projections:rebuild) asks this one.
  app.get<Database>(DATABASE).lock?.advertise({ port });
  logger.debug({ routes: routesServed(app.getHttpAdapter().getInstance()) }, 'routes served');
  const banner = startBanner(config, port, performance.now() - startedAt);
  if (config.logFormat === 'pretty') process.stdout.write(banner.text);
  else logger.info(banner.fields, 'Chronicle listening');
} catch (error) {
  console.error(startupFailure(error, process.env));
  process.exit(1);
}
