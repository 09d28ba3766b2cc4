import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { loadAppConfig } from './config/app-config.js';
import { configureHttpApp } from './http-app.js';
import { startupFailure } from './startup-failure.js';

try {
  const config = loadAppConfig();
  // abortOnError false: a failing module init throws here (one line below) instead of aborting the process.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true, bodyParser: false, abortOnError: false });
  configureHttpApp(app, config);
  await app.listen(config.port);
  const where = config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`;
  const events = config.eventStoreConnectionString ? 'EventStoreDB' : where;
  console.log(`Chronicle listening on http://localhost:${config.port} (read tables: ${where}; events: ${events}); API docs at /api/docs`);
} catch (error) {
  console.error(startupFailure(error, process.env));
  process.exit(1);
}
