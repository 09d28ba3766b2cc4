#!/usr/bin/env node
/**
 * Writes the OpenAPI document the app serves at /api/docs-json to docs/openapi.json:
 *
 *   npm run openapi:write            (writes docs/openapi.json)
 *   npm run openapi:write -- <file>  (writes <file>; "-" for stdout)
 *
 * The app is assembled in Nest's preview mode: controllers and their metadata are read, no
 * provider is created, so no database, event store or secret is needed.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppModule } from '../app.module.js';
import { IN_MEMORY, loadAppConfig } from '../config/app-config.js';
import { buildOpenApiDocument, useApiPrefix } from '../http-app.js';

export const OPENAPI_DOCUMENT_PATH = 'docs/openapi.json';

/** The document as the app serves it, built without starting anything. */
export async function openApiDocument(): Promise<OpenAPIObject> {
  // Placeholder secrets: preview mode never creates the providers that would use them.
  const config = loadAppConfig(
    { NODE_ENV: 'test', LOG_LEVEL: 'silent', ENCRYPTION_KEY: '00'.repeat(32), JWT_SECRET: 'openapi-document-only' },
    { dataDir: IN_MEMORY, port: 0 },
  );
  const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false, abortOnError: false, bodyParser: false });
  try {
    useApiPrefix(app);
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** Stable text: two-space indentation and a final newline, so diffs of the committed file stay small. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

async function main(argv: readonly string[]): Promise<void> {
  const target = argv[0] ?? OPENAPI_DOCUMENT_PATH;
  const text = serializeOpenApiDocument(await openApiDocument());
  if (target === '-') process.stdout.write(text);
  else {
    writeFileSync(resolve(target), text);
    process.stderr.write(`OpenAPI document written to ${target}\n`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
