export type LogFormat = 'pretty' | 'json';

/** pretty on a terminal outside production, JSON otherwise (log shippers, files, production); LOG_FORMAT overrides. */
export function defaultLogFormat(env: NodeJS.ProcessEnv, stdoutIsTty = process.stdout.isTTY === true): LogFormat {
  if (env.LOG_FORMAT === 'pretty' || env.LOG_FORMAT === 'json') return env.LOG_FORMAT;
  return env.NODE_ENV !== 'production' && stdoutIsTty ? 'pretty' : 'json';
}
