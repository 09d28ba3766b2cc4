import type { LoggerService, LogLevel } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import pretty from 'pino-pretty';
import type { LogFormat } from './log-format.js';


/** Secrets and personal data that must never reach a log line. */
const REDACTED_LOG_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'req.body.password', 'req.body.refreshToken'];

/** Requests made by probes and scrapers every few seconds: logged at debug only, so they don't drown the rest. */
const QUIET_PATHS = new Set(['/health', '/metrics']);

/**
 * Nest's own start-up chatter (one line per module, controller and route): debug, so a start shows the
 * banner and what went wrong, not 100 lines. The route list at debug comes from the served router
 * (see routesServed), not from Nest's mapping log, which announces paths before the prefix exclusions.
 */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication', 'WebSocketsController']);
const HIDDEN_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer']);

export function createRootLogger(options: { level: string; format: LogFormat; destination?: NodeJS.WritableStream }): Logger {
  const base = { level: options.level, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } };
  if (options.format === 'json') return pino(base, options.destination ?? pino.destination({ sync: false }));
  // Synchronous pretty stream in this thread: no worker start-up, and lines are not lost on exit.
  const stream = pretty({
    colorize: options.destination === undefined && process.stdout.isTTY === true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req,res,responseTime,reqId',
    messageFormat: (log, messageKey) => (log.context ? `[${String(log.context)}] ${String(log[messageKey])}` : String(log[messageKey])),
    singleLine: true,
    destination: options.destination ?? 1,
  });
  return pino(base, stream);
}

/** One line per request: method, path, status, time — never the headers; the request id is in the JSON form. */
export function createHttpLogger(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: (request: IncomingMessage, response: ServerResponse) => {
      const given = request.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
      response.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (request, response, error) => {
      if (error || response.statusCode >= 500) return 'error';
      if (QUIET_PATHS.has(pathOf(request))) return 'debug';
      return 'info';
    },
    customSuccessMessage: (request, response, responseTime) =>
      `${request.method} ${loggedUrl(request)} ${response.statusCode} ${Math.round(responseTime)}ms`,
    customErrorMessage: (request, response, error) => `${request.method} ${loggedUrl(request)} ${response.statusCode} ${error.message}`,
    serializers: {
      req: (request: { id: unknown; method: string; url: string }) => ({ id: request.id, method: request.method, url: withoutSecrets(request.url) }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
    quietReqLogger: true,
  });
}

function loggedUrl(request: IncomingMessage): string {
  return withoutSecrets((request as { originalUrl?: string }).originalUrl ?? request.url ?? '');
}

/** Query parameters whose value is a credential (matched on the decoded name, case-insensitively). */
const SECRET_QUERY_NAME = /ticket|token|password|secret|api[_-]?key|^key$|^code$|^auth/i;

/**
 * Stream tickets travel in the query string (EventSource cannot send headers), and a client may put an
 * access token, a refresh token or a password there by mistake: their values never reach a log. Names
 * are compared decoded (`%74icket` is `ticket`), so an encoded name does not slip through.
 */
export function withoutSecrets(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const hash = url.indexOf('#', query);
  const end = hash === -1 ? url.length : hash;
  const redacted = url
    .slice(query + 1, end)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      return SECRET_QUERY_NAME.test(decodedName(pair.slice(0, equals))) ? `${pair.slice(0, equals)}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, query)}?${redacted}${url.slice(end)}`;
}

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

function pathOf(request: IncomingMessage): string {
  const url = (request as { originalUrl?: string }).originalUrl ?? request.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Nest's logger interface on top of pino, with Nest's start-up chatter moved to debug. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    if (context && HIDDEN_CONTEXTS.has(context)) return;
    this.write(context && BOOT_CONTEXTS.has(context) ? 'debug' : 'info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  setLogLevels(_levels: LogLevel[]): void {}

  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, rest: unknown[]): void {
    const context = contextOf(rest);
    const extra = context === undefined ? rest : rest.slice(0, -1);
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
      return;
    }
    // Nest passes an error's stack as the second argument of error(message, stack, context).
    if (typeof extra[0] === 'string' && extra[0].includes('\n    at ')) fields.err = { stack: extra[0] };
    else if (extra[0] instanceof Error) fields.err = extra[0];
    if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}

function contextOf(rest: unknown[]): string | undefined {
  const last = rest[rest.length - 1];
  return typeof last === 'string' && !last.includes('\n') ? last : undefined;
}

/** METHOD path of every route the HTTP server answers, read from the Express router itself. */
export function routesServed(expressApp: { router?: { stack?: unknown[] }; _router?: { stack?: unknown[] } }): string[] {
  const stack = (expressApp.router ?? expressApp._router)?.stack ?? [];
  const routes: string[] = [];
  for (const layer of stack as { route?: { path: string; methods?: Record<string, boolean> } }[]) {
    // Swagger UI's asset files (some of which it never ships) are not API routes.
    if (!layer.route || layer.route.path.startsWith('/api/docs/')) continue;
    for (const [method, enabled] of Object.entries(layer.route.methods ?? {})) {
      if (enabled && method !== '_all') routes.push(`${method.toUpperCase()} ${layer.route.path}`);
    }
  }
  return routes;
}
