import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { loadAppConfig } from './config/app-config.js';
import { DataDirLockedError } from './database/data-dir-lock.js';
import { DATABASE } from './database/database.module.js';
import type { Database } from './database/database.js';
import { configureHttpApp } from './http-app.js';

const config = loadAppConfig();
let app: NestExpressApplication;
try {
  app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true, bodyParser: false, abortOnError: false });
} catch (error) {
  if (!(error instanceof DataDirLockedError)) throw error;
  console.error(error.message);
  process.exit(1);
}
configureHttpApp(app, config);
await app.listen(config.port);
// A second process that finds the embedded data folder locked (projections:rebuild) asks this one.
const address = app.getHttpServer().address();
if (address && typeof address === 'object') app.get<Database>(DATABASE).lock?.advertise({ port: address.port });
const where = config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`;
const events = config.eventStoreConnectionString ? 'EventStoreDB' : where;
console.log(`Chronicle listening on http://localhost:${config.port} (read tables: ${where}; events: ${events}); API docs at /api/docs`);
