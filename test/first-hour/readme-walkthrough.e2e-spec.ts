import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app.js';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');

/** The first ```bash block of the README's "A first session", exactly as a reader copies it. */
export function walkthroughBlock(readme: string): string {
  const section = readme.split(/^## /m).find((part) => part.startsWith('A first session'));
  const block = section?.match(/```bash\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error('README.md has no bash block under "## A first session"');
  return block;
}

describe('README "A first session"', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('runs as written in bash against a started app and does what its comments say', async () => {
    const block = walkthroughBlock(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(block).not.toMatch(/localhost:3000\/api|<[a-z]+>/); // no fixed port in commands, no placeholders to fill in
    // -e: a failed capture stops it; -u: an unset variable is an error. Spawned (not spawnSync): the app
    // answers from this process's event loop.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const bash = spawn('bash', ['--noprofile', '--norc', '-eu', '-o', 'pipefail', '-s'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, BASE: testApp.url },
        timeout: 20_000,
      });
      let stdout = '';
      let stderr = '';
      bash.stdout.on('data', (chunk) => (stdout += chunk));
      bash.stderr.on('data', (chunk) => (stderr += chunk));
      bash.on('close', (status) => resolve({ status, stdout, stderr }));
      bash.stdin.end(block);
    });
    expect(run).toMatchObject({ status: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    const created = JSON.parse(lines[0]);
    expect(created).toMatchObject({ id: expect.anything(), revision: expect.any(Number), position: expect.any(String) });
    const list = JSON.parse(lines[1]);
    expect(JSON.stringify(list)).toContain('Jane Doe');
    expect(JSON.parse(lines[2])).toMatchObject({ revision: expect.any(Number), position: expect.any(String) });
    expect(JSON.parse(lines[3])).toMatchObject({ status: 409, rule: 'customer.delete.requires_inactive' });
    expect(lines[4]).toMatch(/Status changed from New to Active by/);
  }, 40_000);
});
