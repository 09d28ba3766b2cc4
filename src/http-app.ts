import { ValidationPipe, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './config/app-config.js';
import { ProblemFilter, validationProblem } from './common/problem.js';

export const API_PREFIX = 'api/v1';

/** HTTP concerns shared by main.ts and the e2e specs, so tests run the app as users get it. */
export function configureHttpApp(app: INestApplication, config: AppConfig): void {
  const express = app as NestExpressApplication;
  express.useLogger(express.get(Logger));
  express.use(helmet());
  express.enableCors({ origin: config.corsOrigins.length ? config.corsOrigins : false, exposedHeaders: ['ETag', 'Location'] });
  express.useBodyParser('json', { limit: '256kb', type: ['application/json', 'application/*+json'] });
  express.setGlobalPrefix(API_PREFIX, { exclude: ['health', 'metrics'] });
  express.useGlobalFilters(new ProblemFilter());
  express.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationProblem,
    }),
  );
  express.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    express,
    new DocumentBuilder()
      .setTitle('Chronicle')
      .setDescription('Event-sourced customer management for ISP / VoIP billing')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', express, document, { jsonDocumentUrl: 'api/docs-json' });
}
