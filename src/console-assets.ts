/**
 * Serves the admin console (console/dist, built by `npm run build`) at `/`, with a single-page-app
 * fallback: any other GET that asks for HTML and is not an API path answers index.html, so a
 * bookmarked /customers/42 opens. /api, /health, /metrics and /socket.io are never shadowed, and a
 * path naming a file (/favicon.ico, /robots.txt) that is not in the build answers 404, not index.html.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';

const NOT_THE_CONSOLE = /^\/(api|health|metrics|socket\.io)(\/|$)/;
// The console's routes never end in an extension; a missing file must not be answered with the page.
const A_FILE = /\/[^/]*\.[A-Za-z0-9]+$/;

/** The built console: CONSOLE_DIR, else console/dist next to the app (from src/ or dist/src/). */
export function findConsoleDist(start = dirname(fileURLToPath(import.meta.url))): string | null {
  if (process.env.CONSOLE_DIR) return existsSync(join(process.env.CONSOLE_DIR, 'index.html')) ? process.env.CONSOLE_DIR : null;
  for (let folder = start, depth = 0; depth < 4; folder = dirname(folder), depth++) {
    const candidate = join(folder, 'console', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

export function serveConsole(app: NestExpressApplication, root = findConsoleDist()): boolean {
  if (!root) return false;
  const index = join(root, 'index.html');
  // Hashed asset names never change content: cache them for a year; index.html always revalidates.
  app.use('/assets', express.static(join(root, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  app.use(express.static(root, { index: false, maxAge: 0 }));
  // Browsers ask for /favicon.ico whatever the page links; the build has the SVG.
  if (existsSync(join(root, 'favicon.svg'))) app.use('/favicon.ico', (_request: Request, response: Response) => response.redirect(301, '/favicon.svg'));
  app.use((request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || NOT_THE_CONSOLE.test(request.path) || A_FILE.test(request.path) || !request.accepts('html')) return next();
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
  return true;
}
