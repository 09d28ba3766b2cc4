import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, DEV_ADMIN_PASSWORD, decodeKey, isKnownKey, isKnownSecret, MIN_JWT_SECRET_LENGTH, readSecret } from './secrets.js';

export { ConfigError, DEV_ADMIN_PASSWORD } from './secrets.js';
import { defaultLogFormat, type LogFormat } from '../logging/log-format.js';

/** Everything the app reads from its environment. Every setting is optional (see README). */
export interface AppConfig {
  port: number;
  production: boolean;
  /** Folder of the embedded PGlite database and generated dev secrets. */
  dataDir: string;
  /** A real PostgreSQL server; unset: PGlite in dataDir (or in memory when dataDir is ':memory:'). */
  databaseUrl?: string;
  /** EventStoreDB for events (esdb://…); unset: events in PostgreSQL. */
  eventStoreConnectionString?: string;
  adminEmail: string;
  /** Password of the first super-administrator; '' in production when ADMIN_PASSWORD is unset (then only an existing system starts). */
  adminPassword: string;
  /** 32-byte master key (base64 or hex) for portal passwords and personal-data keys. */
  encryptionKey: Buffer;
  /**
   * ENCRYPTION_KEY_PREVIOUS (comma-separated): master keys of before a rotation, still used to OPEN
   * what they sealed (portal passwords and PINs in older events; data keys not yet re-wrapped),
   * never to seal. See SECURITY.md, "Rotating the master key".
   */
  previousEncryptionKeys: Buffer[];
  /** HMAC secret for access tokens. */
  jwtSecret: string;
  corsOrigins: string[];
  /** Express `trust proxy` (TRUST_PROXY): false, true, a hop count or a list of addresses/subnets. */
  trustProxy: boolean | number | string;
  /** Lifetime of an access token (JWT), in seconds. */
  accessTokenTtlSeconds: number;
  /** Lifetime of a refresh token; each refresh rotates it and starts a new lifetime. */
  refreshTokenTtlSeconds: number;
  /** A login session ends after this long, however often it is refreshed. */
  sessionMaxAgeSeconds: number;
  /** Failed logins for one account and address pair before delays start (see login-throttle-policy). */
  loginFreeFailuresPerPair: number;
  /** Failed logins for one account, from addresses it never logged in from, before delays start there. */
  loginMaxFailuresPerAccount: number;
  /** Failed logins from one address, over all accounts, before delays start. */
  loginMaxFailuresPerAddress: number;
  /** A counter is forgotten this long after its delay ran out without a new failure. */
  loginFailureWindowSeconds: number;
  /** The first delay once the free failures are spent; it doubles with each further failure. */
  loginFirstDelaySeconds: number;
  /** The longest delay between two attempts (the delay doubles per failure up to this). */
  loginMaxDelaySeconds: number;
  /** argon2id parameters for admin passwords (OWASP: 19 MiB, 2 passes, 1 lane). */
  passwordHashing: PasswordHashing;
  /**
   * GET /metrics: with `token` (METRICS_TOKEN) only for `Authorization: Bearer <token>`; without, open when
   * `enabled` (METRICS_ENABLED; default true outside production, false in production) and 404 otherwise.
   */
  metrics: { enabled: boolean; token?: string };
  /** Requests a minute per admin on credential routes, and per client address on expensive routes (429 beyond). */
  rateLimits: { credentialsPerMinute: number; expensivePerMinute: number };
  /** How long a ?minPosition= read waits for projections, in ms. */
  readYourWritesTimeoutMs: number;
  /** ANCHOR_INTERVAL_SECONDS: how often the chain heads are anchored (src/audit/anchors); 0: only on request (the default under NODE_ENV=test, else 300). */
  anchorIntervalSeconds: number;
  logLevel: string;
  /** LOG_FORMAT: pretty lines on a terminal outside production, JSON otherwise. */
  logFormat: LogFormat;
}

export interface PasswordHashing {
  /** ARGON2_MEMORY_KIB: memory per hash in KiB (7168..1048576; default 19456 = 19 MiB). */
  memoryKiB: number;
  /** ARGON2_TIME_COST: passes over the memory (1..10; default 2). */
  timeCost: number;
  /** ARGON2_PARALLELISM: lanes (1..8; default 1). */
  parallelism: number;
}

export const APP_CONFIG = Symbol('AppConfig');
export const IN_MEMORY = ':memory:';

export const DEV_ADMIN_EMAIL = 'admin@chronicle.local';

/**
 * Builds the config from environment variables; generates dev secrets into DATA_DIR when absent.
 * With NODE_ENV=production every secret must be given (NAME or NAME_FILE) and none may be a value
 * this repository ever shipped: the app refuses to start rather than run with a key anyone can read.
 */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const production = env.NODE_ENV === 'production';
  // ':memory:' is a marker, not a folder: resolving it would write a folder named ':memory:'.
  const dataDir = overrides.dataDir ?? (env.DATA_DIR === IN_MEMORY ? IN_MEMORY : resolve(env.DATA_DIR || 'data'));
  const port = overrides.port ?? parsePort(env.PORT);
  const secretsFrom = (name: 'ENCRYPTION_KEY' | 'JWT_SECRET') =>
    readSecret(env, name) ?? (production ? missingInProduction(name) : devSecret(dataDir, name));
  const encryptionKey = parseKey(secretsFrom('ENCRYPTION_KEY'));
  const previousEncryptionKeys = (readSecret(env, 'ENCRYPTION_KEY_PREVIOUS') ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)
    .map((value) => parseKey(value, 'ENCRYPTION_KEY_PREVIOUS'));
  const jwtSecret = secretsFrom('JWT_SECRET');
  const adminPassword = readSecret(env, 'ADMIN_PASSWORD') ?? (production ? '' : DEV_ADMIN_PASSWORD);
  if (production) refuseKnownSecrets(encryptionKey, jwtSecret, adminPassword);
  const metricsToken = readSecret(env, 'METRICS_TOKEN');
  if (production && metricsToken !== undefined && (metricsToken.length < 16 || isKnownSecret(metricsToken))) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters and not a published value (openssl rand -hex 24)');
  }
  return {
    port,
    production,
    dataDir,
    databaseUrl: readSecret(env, 'DATABASE_URL'),
    eventStoreConnectionString: env.EVENTSTORE_CONNECTION_STRING || undefined,
    adminEmail: env.ADMIN_EMAIL || DEV_ADMIN_EMAIL,
    adminPassword,
    encryptionKey,
    previousEncryptionKeys,
    jwtSecret,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    accessTokenTtlSeconds: positiveInteger('ACCESS_TOKEN_TTL_SECONDS', env.ACCESS_TOKEN_TTL_SECONDS, 900),
    refreshTokenTtlSeconds: positiveInteger('REFRESH_TOKEN_TTL_SECONDS', env.REFRESH_TOKEN_TTL_SECONDS, 7 * 24 * 3600),
    sessionMaxAgeSeconds: positiveInteger('SESSION_MAX_AGE_SECONDS', env.SESSION_MAX_AGE_SECONDS, 30 * 24 * 3600),
    loginFreeFailuresPerPair: positiveInteger('LOGIN_FREE_FAILURES_PER_PAIR', env.LOGIN_FREE_FAILURES_PER_PAIR, 5),
    loginMaxFailuresPerAccount: positiveInteger('LOGIN_MAX_FAILURES_PER_ACCOUNT', env.LOGIN_MAX_FAILURES_PER_ACCOUNT, 10),
    loginMaxFailuresPerAddress: positiveInteger('LOGIN_MAX_FAILURES_PER_ADDRESS', env.LOGIN_MAX_FAILURES_PER_ADDRESS, 50),
    loginFailureWindowSeconds: positiveInteger('LOGIN_FAILURE_WINDOW_SECONDS', env.LOGIN_FAILURE_WINDOW_SECONDS, 900),
    loginFirstDelaySeconds: positiveInteger('LOGIN_FIRST_DELAY_SECONDS', env.LOGIN_FIRST_DELAY_SECONDS, 1),
    loginMaxDelaySeconds: positiveInteger('LOGIN_MAX_DELAY_SECONDS', env.LOGIN_MAX_DELAY_SECONDS, 900),
    passwordHashing: {
      memoryKiB: boundedInteger('ARGON2_MEMORY_KIB', env.ARGON2_MEMORY_KIB, 19456, 7168, 1048576),
      timeCost: boundedInteger('ARGON2_TIME_COST', env.ARGON2_TIME_COST, 2, 1, 10),
      parallelism: boundedInteger('ARGON2_PARALLELISM', env.ARGON2_PARALLELISM, 1, 1, 8),
    },
    metrics: { enabled: parseBoolean('METRICS_ENABLED', env.METRICS_ENABLED, !production), token: metricsToken },
    rateLimits: {
      // Generous under NODE_ENV=test (suites call these routes many times from one address); the throttle spec sets its own.
      credentialsPerMinute: positiveInteger('RATE_LIMIT_CREDENTIALS_PER_MINUTE', env.RATE_LIMIT_CREDENTIALS_PER_MINUTE, env.NODE_ENV === 'test' ? 10_000 : 10),
      expensivePerMinute: positiveInteger('RATE_LIMIT_EXPENSIVE_PER_MINUTE', env.RATE_LIMIT_EXPENSIVE_PER_MINUTE, env.NODE_ENV === 'test' ? 10_000 : 30),
    },
    readYourWritesTimeoutMs: Number(env.READ_YOUR_WRITES_TIMEOUT_MS ?? 5000),
    anchorIntervalSeconds: env.ANCHOR_INTERVAL_SECONDS === '0' ? 0 : positiveInteger('ANCHOR_INTERVAL_SECONDS', env.ANCHOR_INTERVAL_SECONDS, env.NODE_ENV === 'test' ? 0 : 300) || 0,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'warn' : 'info'),
    logFormat: defaultLogFormat(env),
    ...overrides,
  };
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be 0..65535, got "${value}"`);
  return port;
}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new ConfigError(`${name} must be a positive integer, got "${value}"`);
  return number;
}

function boundedInteger(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  const number = positiveInteger(name, value, fallback);
  if (number < min || number > max) throw new ConfigError(`${name} must be ${min}..${max}, got "${value}"`);
  return number;
}

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

function parseKey(value: string, name = 'ENCRYPTION_KEY'): Buffer {
  const key = decodeKey(value);
  if (!key) throw new ConfigError(`${name} must be 32 bytes, as 64 hex characters or base64${name === 'ENCRYPTION_KEY' ? '' : ' (several: comma-separated)'}`);
  return key;
}

function missingInProduction(name: string): never {
  throw new ConfigError(`${name} (or ${name}_FILE) is required when NODE_ENV=production`);
}

/** Production refuses a secret that was shipped (compose, docs, development defaults) or is too weak to be one. */
function refuseKnownSecrets(encryptionKey: Buffer, jwtSecret: string, adminPassword: string): void {
  if (isKnownKey(encryptionKey)) throw new ConfigError('ENCRYPTION_KEY is a published example value: generate one (openssl rand -base64 32)');
  if (isKnownSecret(jwtSecret)) throw new ConfigError('JWT_SECRET is a published example value: generate one (openssl rand -base64 48)');
  if (jwtSecret.length < MIN_JWT_SECRET_LENGTH) throw new ConfigError(`JWT_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters in production`);
  if (adminPassword && isKnownSecret(adminPassword)) throw new ConfigError('ADMIN_PASSWORD is a published example value: choose your own');
}

/** A development secret kept in DATA_DIR so restarts can still decrypt what was written. */
function devSecret(dataDir: string, name: string): string {
  if (dataDir === IN_MEMORY) return randomBytes(32).toString('base64');
  const file = join(dataDir, 'secrets', name.toLowerCase());
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
