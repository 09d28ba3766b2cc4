import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, IN_MEMORY, loadAppConfig } from '../../src/config/app-config.js';

describe('loadAppConfig', () => {
  let cwd: string;
  let scratch: string;
  beforeEach(() => {
    cwd = process.cwd();
    scratch = mkdtempSync(join(tmpdir(), 'chronicle-config-'));
    process.chdir(scratch);
  });
  afterEach(() => {
    process.chdir(cwd);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('keeps DATA_DIR=:memory: in memory: no folder, fresh secrets', () => {
    const config = loadAppConfig({ DATA_DIR: IN_MEMORY });
    expect(config.dataDir).toBe(IN_MEMORY);
    expect(existsSync(join(scratch, IN_MEMORY))).toBe(false);
    expect(config.encryptionKey).toHaveLength(32);
  });

  it('keeps generated development secrets in DATA_DIR/secrets across restarts', () => {
    const first = loadAppConfig({ DATA_DIR: 'state' });
    expect(first.dataDir).toBe(join(scratch, 'state'));
    expect(readFileSync(join(scratch, 'state', 'secrets', 'jwt_secret'), 'utf8')).toBe(first.jwtSecret);
    expect(loadAppConfig({ DATA_DIR: 'state' }).jwtSecret).toBe(first.jwtSecret);
  });

  it('refuses to start in production without the secrets, naming the variable', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production', DATA_DIR: IN_MEMORY })).toThrow(ConfigError);
    expect(() => loadAppConfig({ NODE_ENV: 'production', DATA_DIR: IN_MEMORY })).toThrow(/ENCRYPTION_KEY/);
  });
});

describe('loadAppConfig in production: secrets', () => {
  const strong = () => ({
    NODE_ENV: 'production',
    DATA_DIR: IN_MEMORY,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    JWT_SECRET: randomBytes(48).toString('base64'),
    ADMIN_PASSWORD: `admin-${randomBytes(8).toString('hex')}`,
  });
  let scratch: string;
  beforeEach(() => (scratch = mkdtempSync(join(tmpdir(), 'chronicle-secrets-'))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it('starts with generated secrets', () => {
    expect(loadAppConfig(strong()).production).toBe(true);
  });

  it.each([
    ['ENCRYPTION_KEY', 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY='],
    ['ENCRYPTION_KEY', Buffer.from('0123456789abcdef0123456789abcdef').toString('hex')],
    ['ENCRYPTION_KEY', '00'.repeat(32)],
    ['JWT_SECRET', 'change-me-in-production'],
    ['JWT_SECRET', 'short-but-not-published'],
    ['ADMIN_PASSWORD', 'chronicle-admin-1'],
  ])('refuses %s=%s (published or too weak), naming the variable', (name, value) => {
    expect(() => loadAppConfig({ ...strong(), [name]: value })).toThrow(new RegExp(name));
  });

  it('refuses a missing JWT_SECRET; a missing ADMIN_PASSWORD only matters on an empty system', () => {
    const { JWT_SECRET: _jwt, ...withoutJwt } = strong();
    expect(() => loadAppConfig(withoutJwt)).toThrow(/JWT_SECRET/);
    const { ADMIN_PASSWORD: _admin, ...withoutAdmin } = strong();
    expect(loadAppConfig(withoutAdmin).adminPassword).toBe('');
  });

  it('reads NAME_FILE (Docker secrets), one trailing newline dropped; refuses both forms at once', () => {
    const secrets = strong();
    writeFileSync(join(scratch, 'jwt'), `${secrets.JWT_SECRET}\n`);
    writeFileSync(join(scratch, 'key'), secrets.ENCRYPTION_KEY);
    const { JWT_SECRET: _jwt, ENCRYPTION_KEY: _key, ...rest } = secrets;
    const config = loadAppConfig({ ...rest, JWT_SECRET_FILE: join(scratch, 'jwt'), ENCRYPTION_KEY_FILE: join(scratch, 'key') });
    expect(config.jwtSecret).toBe(secrets.JWT_SECRET);
    expect(config.encryptionKey.toString('base64')).toBe(secrets.ENCRYPTION_KEY);
    expect(() => loadAppConfig({ ...secrets, JWT_SECRET_FILE: join(scratch, 'jwt') })).toThrow(/JWT_SECRET or JWT_SECRET_FILE/);
    expect(() => loadAppConfig({ ...rest, ENCRYPTION_KEY: secrets.ENCRYPTION_KEY, JWT_SECRET_FILE: join(scratch, 'absent') })).toThrow(ConfigError);
  });
});
