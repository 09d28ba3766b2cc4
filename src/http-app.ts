import { ValidationPipe, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import helmet from 'helmet';
import { ROOT_LOGGER } from './logging/logging.module.js';
import { createHttpLogger, NestPinoLogger } from './logging/logging.js';
import type { Logger } from 'pino';
import type { AppConfig } from './config/app-config.js';
import type { NextFunction, Request, Response } from 'express';
import { withProblemResponses } from './common/openapi/problems.js';
import { namedSchemas } from './common/openapi/schema.js';
import { ProblemFilter } from './common/http-errors.js';
import { problemType, validationProblem } from './common/problem.js';
import { rejectInvalidText, verifyJsonNesting } from './common/hostile-input.js';
import { withIdempotencyKey } from './idempotency/idempotency.openapi.js';
import { serveConsole } from './console-assets.js';
import { withReasonField } from './common/reasons.js';

export const API_PREFIX = 'api/v1';

/** HTTP concerns shared by main.ts and the e2e specs, so tests run the app as users get it. */
export function configureHttpApp(app: INestApplication, config: AppConfig): void {
  const express = app as NestExpressApplication;
  express.useLogger(express.get(NestPinoLogger));
  if (config.logLevel !== 'silent') express.use(createHttpLogger(express.get<Logger>(ROOT_LOGGER)));
  // req.ip (login rate limits, event metadata) is the client's only when the proxies in front are trusted.
  express.set('trust proxy', config.trustProxy);
  express.use(helmet());
  express.enableCors({ origin: config.corsOrigins.length ? config.corsOrigins : false, exposedHeaders: ['ETag', 'Location', 'Retry-After', 'Idempotent-Replayed'] });
  express.use(jsonOnly);
  // verify: too deep a body is refused from its bytes, before JSON.parse and class-transformer see it.
  const jsonOptions = { limit: '256kb', type: ['application/json', 'application/*+json'], verify: verifyJsonNesting };
  express.useBodyParser('json', jsonOptions);
  express.use(rejectInvalidText);
  useApiPrefix(express);
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
  SwaggerModule.setup('api/docs', express, buildOpenApiDocument(express), { jsonDocumentUrl: 'api/docs-json' });
  // The admin console at / (when built); after the API's own setup, and never over its paths.
  serveConsole(express);
}

/** /api/v1 before every route but the operational ones (health, metrics), which sit at the root. */
export function useApiPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health', 'metrics'] });
}

/**
 * The OpenAPI document of the app: served at /api/docs-json and written to docs/openapi.json by
 * `npm run openapi:write` (from the same function, so the committed file is what the app serves).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chronicle')
      .setDescription('Event-sourced customer management for ISP / VoIP billing')
      .setVersion('1')
      .addBearerAuth()
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A portal token from POST /customers/{id}/impersonate' }, 'portal')
      .build(),
  );
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...namedSchemas() } };
  return withProblemResponses(withIdempotencyKey(withReasonField(document)));
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
        type: problemType('request.unsupported_media_type'),
        title: 'Unsupported Media Type',
        status: 415,
        detail: 'Request bodies must be JSON: send Content-Type: application/json',
        rule: 'request.unsupported_media_type',
      }),
    );
}
