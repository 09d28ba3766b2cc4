import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadAppConfig } from '../../src/config/app-config.js';
import { KNOWN_SECRET_VALUES, SECRET_VARIABLES } from '../../src/config/secrets.js';

// What `docker compose up` hands the app, computed as compose does (interpolation from .env), then
// judged by the app's own configuration rules in production mode (the Dockerfile's NODE_ENV).
const root = join(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { environment?: Record<string, string | number>; ports?: string[] }>;
};
const envExample = parseDotEnv(readFileSync(join(root, '.env.example'), 'utf8'));
const dockerfileEnv = Object.fromEntries(
  [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^ENV\s+([A-Z_]+)=(\S+)/gm)].map((match) => [match[1], match[2]]),
);

function parseDotEnv(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    });
  return Object.fromEntries(entries);
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
function interpolate(value: string, dotEnv: Record<string, string>, missing: string[]): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g, (_match, name: string, colon: string, kind: string, word: string) => {
    const set = name in dotEnv;
    const present = colon ? set && dotEnv[name] !== '' : set;
    if (present) return dotEnv[name];
    if (kind === '?') {
      missing.push(`${name}: ${word}`);
      return '';
    }
    return kind === '-' ? word : '';
  });
}

function appEnvironment(dotEnv: Record<string, string>): { env: NodeJS.ProcessEnv; missing: string[] } {
  const missing: string[] = [];
  const env: NodeJS.ProcessEnv = { ...dockerfileEnv };
  for (const [name, value] of Object.entries(compose.services.app.environment ?? {})) env[name] = interpolate(String(value), dotEnv, missing);
  return { env, missing };
}

/** .env as a user makes it: .env.example with every empty value generated. */
function filledEnv(): Record<string, string> {
  return {
    ...envExample,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    JWT_SECRET: randomBytes(48).toString('base64'),
    POSTGRES_PASSWORD: randomBytes(24).toString('hex'),
    ADMIN_PASSWORD: `first-admin-${randomBytes(8).toString('hex')}`,
  };
}

describe('docker-compose.yml as shipped', () => {
  it('runs the app in production mode, as the Dockerfile does', () => {
    expect(dockerfileEnv.NODE_ENV).toBe('production');
    expect(compose.services.app.environment?.NODE_ENV).toBe('production');
  });

  it('starts after .env.example is copied to .env and its empty values are generated', () => {
    const { env, missing } = appEnvironment(filledEnv());
    expect(missing).toEqual([]);
    const config = loadAppConfig(env);
    expect(config.production).toBe(true);
    expect(config.databaseUrl).toMatch(/^postgres:\/\/chronicle:[0-9a-f]{48}@postgres:5432\/chronicle$/);
    expect(config.eventStoreConnectionString).toBe('esdb://eventstore:2113?tls=false');
    expect(config.adminPassword).not.toBe('');
  });

  it('gives the database and the app the same PostgreSQL password, from .env', () => {
    const dotEnv = filledEnv();
    const missing: string[] = [];
    const databasePassword = interpolate(String(compose.services.postgres.environment?.POSTGRES_PASSWORD), dotEnv, missing);
    expect(databasePassword).toBe(dotEnv.POSTGRES_PASSWORD);
    expect(appEnvironment(dotEnv).env.DATABASE_URL).toContain(`:${databasePassword}@`);
  });

  it('has no default for any secret: compose stops, naming each one, when .env leaves them empty', () => {
    const { missing } = appEnvironment(envExample);
    expect(missing.map((line) => line.split(':')[0]).sort()).toEqual(['ENCRYPTION_KEY', 'JWT_SECRET', 'POSTGRES_PASSWORD']);
    expect(missing.join('\n')).toMatch(/\.env/);
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    for (const known of KNOWN_SECRET_VALUES.filter((value) => value.length >= 16)) expect(text).not.toContain(known);
    for (const name of SECRET_VARIABLES) expect(text).not.toMatch(new RegExp(`\\$\\{${name}:?-[^}]+\\}`));
  });

  it('refuses to start with the compose values of the first release (fixed key, change-me-in-production)', () => {
    const shipped = { ...filledEnv(), ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' };
    expect(() => loadAppConfig(appEnvironment(shipped).env)).toThrow(/ENCRYPTION_KEY/);
    expect(() => loadAppConfig(appEnvironment({ ...filledEnv(), JWT_SECRET: 'change-me-in-production' }).env)).toThrow(ConfigError);
    expect(() => loadAppConfig(appEnvironment({ ...filledEnv(), ADMIN_PASSWORD: 'chronicle-admin-1' }).env)).toThrow(/ADMIN_PASSWORD/);
  });

  it('keeps /metrics closed in production unless METRICS_TOKEN is filled in (then only for that bearer; a short one is refused)', () => {
    expect(loadAppConfig(appEnvironment(filledEnv()).env).metrics).toEqual({ enabled: false, token: undefined });
    const token = randomBytes(24).toString('hex');
    expect(loadAppConfig(appEnvironment({ ...filledEnv(), METRICS_TOKEN: token }).env).metrics).toEqual({ enabled: false, token });
    expect(() => loadAppConfig(appEnvironment({ ...filledEnv(), METRICS_TOKEN: 'short' }).env)).toThrow(/METRICS_TOKEN/);
  });

  it('publishes only the app on the host (not PostgreSQL 5432 nor EventStoreDB 2113)', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'app') continue;
      expect({ name, ports: service.ports ?? [] }).toEqual({ name, ports: [] });
    }
    expect(compose.services.app.ports).toEqual(['${CHRONICLE_PORT:-3000}:3000']);
  });

  it('documents in .env.example every variable compose reads from .env, and no other', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]));
    expect([...used].sort()).toEqual(Object.keys(envExample).sort());
  });
});

describe('docker-compose.secure.yml (a secure EventStoreDB node, as an override)', () => {
  const secure = parse(readFileSync(join(root, 'docker-compose.secure.yml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string>; ports?: string[]; depends_on?: Record<string, unknown>; healthcheck?: { test: string[] } }>;
  };

  it('hands the app a TLS connection string with credentials from .env, which the app accepts in production', () => {
    const password = randomBytes(12).toString('hex');
    const dotEnv = { ...filledEnv(), EVENTSTORE_ADMIN_PASSWORD: password };
    const { env, missing } = appEnvironment(dotEnv);
    env.EVENTSTORE_CONNECTION_STRING = interpolate(String(secure.services.app.environment?.EVENTSTORE_CONNECTION_STRING), dotEnv, missing);
    expect(missing).toEqual([]);
    const config = loadAppConfig(env);
    expect(config.eventStoreConnectionString).toBe(`esdb://admin:${password}@eventstore:2113?tls=true&tlsCAFile=/certs/ca/ca.crt`);
  });

  it('has no default for the password: compose stops naming it', () => {
    const missing: string[] = [];
    interpolate(String(secure.services.eventstore.environment?.EVENTSTORE_DEFAULT_ADMIN_PASSWORD), filledEnv(), missing);
    interpolate(String(secure.services.app.environment?.EVENTSTORE_CONNECTION_STRING), filledEnv(), missing);
    expect(missing.map((line) => line.split(':')[0])).toEqual(['EVENTSTORE_ADMIN_PASSWORD', 'EVENTSTORE_ADMIN_PASSWORD']);
  });

  it('turns the node secure (certificates from es-gencert-cli, checked over HTTPS) and publishes no port', () => {
    expect(secure.services.eventstore.environment).toMatchObject({ EVENTSTORE_INSECURE: 'false', EVENTSTORE_TRUSTED_ROOT_CERTIFICATES_PATH: '/certs/ca' });
    expect(secure.services.eventstore.depends_on).toEqual({ 'eventstore-certs': { condition: 'service_completed_successfully' } });
    expect(secure.services.eventstore.healthcheck?.test.join(' ')).toContain('https://localhost:2113/health/live');
    for (const [name, service] of Object.entries(secure.services)) expect({ name, ports: service.ports ?? [] }).toEqual({ name, ports: [] });
  });
});
