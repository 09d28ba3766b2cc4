import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
  adminPassword: string;
  /** 32-byte master key (base64 or hex) for portal passwords and personal-data keys. */
  encryptionKey: Buffer;
  /** HMAC secret for access tokens. */
  jwtSecret: string;
  corsOrigins: string[];
  /** How long a ?minPosition= read waits for projections, in ms. */
  readYourWritesTimeoutMs: number;
  logLevel: string;
}

export const APP_CONFIG = Symbol('AppConfig');
export const IN_MEMORY = ':memory:';

export const DEV_ADMIN_EMAIL = 'admin@chronicle.local';
export const DEV_ADMIN_PASSWORD = 'chronicle-admin-1';

export class ConfigError extends Error {}

/** Builds the config from environment variables; generates dev secrets into DATA_DIR when absent. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const production = env.NODE_ENV === 'production';
  const dataDir = overrides.dataDir ?? (env.DATA_DIR ? resolve(env.DATA_DIR) : resolve('data'));
  const port = overrides.port ?? parsePort(env.PORT);
  const secretsFrom = (name: string, value: string | undefined) =>
    value ?? (production ? missingInProduction(name) : devSecret(dataDir, name));
  return {
    port,
    production,
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    eventStoreConnectionString: env.EVENTSTORE_CONNECTION_STRING || undefined,
    adminEmail: env.ADMIN_EMAIL ?? DEV_ADMIN_EMAIL,
    adminPassword: env.ADMIN_PASSWORD ?? DEV_ADMIN_PASSWORD,
    encryptionKey: parseKey(secretsFrom('ENCRYPTION_KEY', env.ENCRYPTION_KEY)),
    jwtSecret: secretsFrom('JWT_SECRET', env.JWT_SECRET),
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    readYourWritesTimeoutMs: Number(env.READ_YOUR_WRITES_TIMEOUT_MS ?? 5000),
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'warn' : 'info'),
    ...overrides,
  };
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be 0..65535, got "${value}"`);
  return port;
}

function parseKey(value: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new ConfigError('ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
  return key;
}

function missingInProduction(name: string): never {
  throw new ConfigError(`${name} is required when NODE_ENV=production`);
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
