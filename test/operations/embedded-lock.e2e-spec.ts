import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockFileOf } from '../../src/database/data-dir-lock.js';
import { exitWithin, startTs, waitFor, type RunningProcess } from '../support/processes.js';

/**
 * Two processes must never open one PGlite folder: real app and CLI processes on one DATA_DIR.
 * The second app refuses to start; the CLI has the running app rebuild; a SIGKILLed owner's lock
 * is taken over; the CLI exits promptly after a fatal error and on SIGTERM.
 */
describe('embedded database: one process per data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-lock-'));
  const lockFile = lockFileOf(join(dataDir, 'pglite'));
  const env = { DATA_DIR: dataDir, PORT: '0', NODE_ENV: 'test', LOG_LEVEL: 'silent' };
  const started: RunningProcess[] = [];
  const start = (script: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}) => {
    const running = startTs(script, args, { ...env, ...extra });
    started.push(running);
    return running;
  };
  const startApp = async () => {
    const app = start('src/main.ts');
    const port = await waitFor(
      'the app to advertise its port in the lock file',
      () => {
        if (app.child.exitCode !== null) throw new Error(`app exited: ${app.stderr()}`);
        const owner = JSON.parse(readFileSync(lockFile, 'utf8'));
        return owner.pid === app.child.pid && owner.port ? (owner.port as number) : undefined;
      },
      60_000,
    );
    await waitFor('/health 200', async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200, 30_000);
    return { app, port };
  };

  afterAll(async () => {
    for (const running of started) if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await Promise.all(started.map((running) => running.exited));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second app, rebuilds through the running one, and takes over the lock of a killed owner', async () => {
    const { app, port } = await startApp();

    const second = start('src/main.ts');
    const refused = await exitWithin(second, 30_000);
    expect(refused.code).toBe(1);
    expect(second.stderr()).toContain(`is in use by process ${app.child.pid} (Chronicle serving on port ${port})`);
    // Told once, in one line: not also as Nest's dump of its start-up log and the stack.
    expect(second.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^Chronicle cannot start: The embedded database .* is in use by process/)]);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(app.child.pid); // the refused one left the lock alone

    const cli = start('src/cli/projections-rebuild.ts', ['stream_summary']);
    const rebuilt = await exitWithin(cli, 60_000);
    expect({ code: rebuilt.code, stderr: cli.stderr() }).toMatchObject({ code: 0 });
    expect(cli.stderr()).toContain(`The app (process ${app.child.pid}, port ${port}) holds the embedded database`);
    expect(cli.stdout()).toMatch(/stream_summary: v2 is active \(replacing v1; rebuilt by the app\)/);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const summary = ((await health.json()) as any).info.projections.projections.find((projection: { name: string }) => projection.name === 'stream_summary');
    expect(summary.activeVersion).toBe(2);

    app.child.kill('SIGKILL');
    await app.exited;
    expect(existsSync(lockFile)).toBe(true); // a killed process leaves its lock behind…
    const { app: successor } = await startApp(); // …which the next one takes over
    successor.child.kill('SIGTERM');
    const stopped = await exitWithin(successor, 20_000); // Nest re-raises the signal after its shutdown hooks
    expect(stopped.code === 0 || stopped.signal === 'SIGTERM').toBe(true);
    expect(existsSync(lockFile)).toBe(false); // a clean stop releases it
  }, 180_000);

  it('the CLI exits non-zero promptly after a fatal error', async () => {
    const cli = start('src/cli/projections-rebuild.ts', ['stream_summary'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    const exit = await exitWithin(cli, 20_000);
    expect(exit.code).toBe(1);
    expect(cli.stderr()).toContain('ECONNREFUSED');
  }, 30_000);
});
