import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

// The real entry point (src/main.ts, run from source) started as an operator would start it.
const root = join(import.meta.dirname, '..', '..');

function start(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(root, 'test/support/ts-run/register.mjs'), join(root, 'src/main.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH, DATA_DIR: ':memory:', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('starting in production with a bad configuration', () => {
  it('prints one line "Chronicle cannot start: <reason>" and exits 1, without a stack trace', async () => {
    const [publishedSecret, noFirstAdmin] = await Promise.all([
      start({ NODE_ENV: 'production', ENCRYPTION_KEY: randomBytes(32).toString('base64'), JWT_SECRET: 'change-me-in-production' }),
      // Passes the configuration; fails later, in module start-up (empty system, nobody to create).
      start({ NODE_ENV: 'production', ENCRYPTION_KEY: randomBytes(32).toString('base64'), JWT_SECRET: randomBytes(48).toString('base64') }),
    ]);
    expect(publishedSecret).toMatchObject({ code: 1, stdout: '' });
    expect(publishedSecret.stderr).toMatch(/^Chronicle cannot start: JWT_SECRET is a published example value[^\n]*\n$/);
    expect(noFirstAdmin.code).toBe(1);
    expect(noFirstAdmin.stderr).toMatch(/^Chronicle cannot start: ADMIN_PASSWORD \(or ADMIN_PASSWORD_FILE\) is required[^\n]*\n$/);
    expect(noFirstAdmin.stdout).not.toMatch(/\n\s+at /);
  }, 120_000);
});
