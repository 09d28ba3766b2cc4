import { readFileSync } from 'node:fs';

/** A secret's value comes from NAME, or from the file named by NAME_FILE (Docker / Kubernetes secrets). */
export const SECRET_VARIABLES = ['ENCRYPTION_KEY', 'ENCRYPTION_KEY_PREVIOUS', 'JWT_SECRET', 'ADMIN_PASSWORD', 'DATABASE_URL', 'METRICS_TOKEN'] as const;
export type SecretVariable = (typeof SECRET_VARIABLES)[number];

export class ConfigError extends Error {}

export const DEV_ADMIN_PASSWORD = 'chronicle-admin-1';

/**
 * Values that were ever shipped in this repository (compose file, README, examples): anyone can read
 * them, so production refuses them. Keys are compared after decoding, so the hex spelling of a shipped
 * base64 key is refused too.
 */
export const KNOWN_SECRET_VALUES: readonly string[] = [
  'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
  '0123456789abcdef0123456789abcdef',
  'change-me-in-production',
  'changeme',
  'change-me',
  'secret',
  'password',
  DEV_ADMIN_PASSWORD,
];

/** Shortest JWT_SECRET accepted in production (HS256: at least 256 bits of key). */
export const MIN_JWT_SECRET_LENGTH = 32;

/** NAME or NAME_FILE; both set is a mistake (which one wins would be a guess). Trailing newlines of a file are dropped. */
export function readSecret(env: NodeJS.ProcessEnv, name: SecretVariable): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file) throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError(`${name}_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return direct === '' ? undefined : direct;
}

export function isKnownSecret(value: string): boolean {
  return KNOWN_SECRET_VALUES.includes(value.trim());
}

/** A decoded 32-byte key equal to a shipped one, or with no variety at all (all bytes alike). */
export function isKnownKey(key: Buffer): boolean {
  if (key.every((byte) => byte === key[0])) return true;
  return KNOWN_SECRET_VALUES.some((value) => {
    const decoded = decodeKey(value);
    return decoded !== undefined && decoded.equals(key);
  });
}

/** 64 hex characters or base64 of 32 bytes; undefined when neither. */
export function decodeKey(value: string): Buffer | undefined {
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  return key.length === 32 ? key : undefined;
}
