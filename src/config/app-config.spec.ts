import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, IN_MEMORY, loadAppConfig } from './app-config.js';

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
