/** npm run keys:rotate: help, refusals (keys on the command line, the embedded database in use, unknown keys), a rotation and its re-run. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli, USAGE } from '../../src/cli/keys-rotate.js';
import { migratePersonalDataKeys, PersonalDataKeys } from '../../src/crypto/personal-data-keys.js';
import { lockFileOf } from '../../src/database/data-dir-lock.js';
import { openDatabase } from '../../src/database/database.js';

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (chunk) => (outText += chunk));
  err.on('data', (chunk) => (errText += chunk));
  return { io: { out, err }, text: () => ({ out: outText, err: errText }) };
}

describe('keys:rotate', () => {
  const folder = mkdtempSync(join(tmpdir(), 'chronicle-rotate-'));
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const env = { NODE_ENV: 'test', DATA_DIR: folder, ENCRYPTION_KEY: oldKey.toString('base64') } as NodeJS.ProcessEnv;
  const newKeyFile = join(folder, 'new.key');
  writeFileSync(newKeyFile, `${newKey.toString('base64')}\n`);

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('--help shows the usage; keys on the command line are refused', async () => {
    const help = io();
    expect(await runCli(['--help'], env, help.io)).toBe(0);
    expect(help.text().out).toContain(USAGE.split('\n')[0]);
    const inline = io();
    expect(await runCli(['--new-key=abc'], env, inline.io)).toBe(2);
    expect(inline.text().err).toContain('not taken on the command line');
    const none = io();
    expect(await runCli([], env, none.io)).toBe(2);
  });

  it('refuses while the app holds the embedded database, then rotates once it is free; a second run has nothing left', async () => {
    const app = await openDatabase({ dataDir: join(folder, 'pglite') });
    await migratePersonalDataKeys(app.db);
    const keys = new PersonalDataKeys(app.db, oldKey);
    const first = await keys.keyForWrite(1);
    await keys.keyForWrite(2);
    await keys.destroy(3);
    await app.close();
    // A running app's lock (another live process: this one's parent, processStart unknown).
    const lockFile = lockFileOf(join(folder, 'pglite'));
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, hostname: hostname(), processStart: null, startedAt: new Date().toISOString(), port: 3300 }));
    const locked = io();
    expect(await runCli(['--new-key-file', newKeyFile], env, locked.io)).toBe(1);
    expect(locked.text().err).toMatch(/Refused: The embedded database .* is in use by process .* \(Chronicle serving on port 3300\)/);
    rmSync(lockFile);

    const dry = io();
    expect(await runCli(['--new-key-file', newKeyFile, '--dry-run'], env, dry.io)).toBe(0);
    expect(dry.text().out).toContain('2 data keys to re-wrap');

    const foreign = io();
    expect(await runCli(['--new-key-file', newKeyFile], { ...env, ENCRYPTION_KEY: randomBytes(32).toString('base64') }, foreign.io)).toBe(1);
    expect(foreign.text().err).toContain('Nothing was changed');

    const run = io();
    expect(await runCli(['--new-key-file', newKeyFile, '--batch-size=1'], env, run.io)).toBe(0);
    expect(run.text().out).toContain('Re-wrapped 2 data keys');

    const again = io();
    expect(await runCli(['--new-key-file', newKeyFile], env, again.io)).toBe(0);
    expect(again.text().out).toContain('0 data keys to re-wrap, 2 already re-wrapped, 1 destroyed');

    const reopened = await openDatabase({ dataDir: join(folder, 'pglite') });
    try {
      const rotated = new PersonalDataKeys(reopened.db, newKey);
      await rotated.assertMasterKey();
      expect((await rotated.keysFor([1])).get(1)).toEqual(first);
      expect((await rotated.keysFor([3])).get(3)).toBe('erased');
    } finally {
      await reopened.close();
    }
  }, 120_000); // three CLI runs as child processes, each opening the embedded database
});
