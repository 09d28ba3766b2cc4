import { ValidationPipe, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './config/app-config.js';
import type { NextFunction, Request, Response } from 'express';
import { ProblemFilter, problemType, validationProblem } from './common/problem.js';
import { rejectInvalidText, verifyJsonNesting } from './common/hostile-input.js';

export const API_PREFIX = 'api/v1';

/** HTTP concerns shared by main.ts and the e2e specs, so tests run the app as users get it. */
export function configureHttpApp(app: INestApplication, config: AppConfig): void {
  const express = app as NestExpressApplication;
  express.useLogger(express.get(Logger));
  // req.ip (login rate limits, event metadata) is the client's only when the proxies in front are trusted.
  express.set('trust proxy', config.trustProxy);
  express.use(helmet());
  express.enableCors({ origin: config.corsOrigins.length ? config.corsOrigins : false, exposedHeaders: ['ETag', 'Location', 'Retry-After'] });
  express.use(jsonOnly);
  // verify: too deep a body is refused from its bytes, before JSON.parse and class-transformer see it.
  const jsonOptions = { limit: '256kb', type: ['application/json', 'application/*+json'], verify: verifyJsonNesting };
  express.useBodyParser('json', jsonOptions);
  express.use(rejectInvalidText);
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

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** application/json or a +json type (application/merge-patch+json…), parameters ignored. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type ?? '');
}

/** JSON only: a POST / PUT / PATCH that carries a body in any other media type gets 415 (problem+json). */
function jsonOnly(request: Request, response: Response, next: NextFunction): void {
  const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
  if (!BODY_METHODS.has(request.method) || !hasBody || isJsonMediaType(request.headers['content-type'])) return next();
  response
    .status(415)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: problemType('unsupported-media-type'),
        title: 'Unsupported Media Type',
        status: 415,
        detail: 'Request bodies must be JSON: send Content-Type: application/json',
      }),
    );
}
