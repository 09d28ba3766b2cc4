import { ConfigError } from './config/secrets.js';

/**
 * The one line a failed start prints: "Chronicle cannot start: <reason>". A configuration mistake is
 * the operator's to fix, so it gets no stack trace; any other failure adds its stack only with LOG_LEVEL=debug.
 */
export function startupFailure(error: unknown, env: NodeJS.ProcessEnv): string {
  const reason = error instanceof Error ? error.message : String(error);
  const line = `Chronicle cannot start: ${reason.split('\n')[0]}`;
  const debug = env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace';
  return debug && !(error instanceof ConfigError) && error instanceof Error && error.stack ? `${line}\n${error.stack}` : line;
}
