#!/usr/bin/env node
/**
 * `npm run bench:first-hour`: a new user's first minutes, measured on a fresh clone of this repository's
 * HEAD in a temporary folder: `npm ci` (time, EBADENGINE warnings), the first `npm start` (build included)
 * to the first 200 on /health, a second `npm start` (nothing to build), and
 * `npm run projections:rebuild -- --help`. Only 127.0.0.1; the clone is removed at the end.
 *   --keep  keep the clone   --port=N  port of the started app (default 3911)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const port = Number(process.argv.find((a) => a.startsWith('--port='))?.slice(7) ?? 3911);
const folder = mkdtempSync(join(tmpdir(), 'chronicle-first-hour-'));
const clone = join(folder, 'chronicle');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model}, Node ${process.version}, load ${loadavg()[0].toFixed(2)}`);
execFileSync('git', ['clone', '-q', root, clone]);
console.log(`clone of ${execFileSync('git', ['-C', clone, 'rev-parse', '--short', 'HEAD']).toString().trim()} in ${clone}`);

let started = Date.now();
const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: clone, encoding: 'utf8' });
const installMs = Date.now() - started;
const output = install.stdout + install.stderr;
const badEngine = [...output.matchAll(/EBADENGINE\s+package: '([^']+)'/g)].map((m) => m[1]);
console.log(`npm ci: ${seconds(installMs)}, exit ${install.status}, EBADENGINE packages: ${badEngine.length ? badEngine.join(', ') : 'none'}`);

async function startToHealth(label) {
  const begin = Date.now();
  const app = spawn('npm', ['start'], { cwd: clone, env: { ...process.env, PORT: String(port), DATA_DIR: join(folder, 'data'), NODE_ENV: '' }, stdio: 'ignore', detached: true });
  let ms;
  for (let attempt = 0; attempt < 1200 && ms === undefined; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.status === 200) ms = Date.now() - begin;
    } catch {}
    if (ms === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.kill(-app.pid, 'SIGTERM');
  await new Promise((resolve) => app.on('exit', resolve));
  console.log(`${label}: ${ms === undefined ? 'no 200 within 60 s' : seconds(ms)} to the first 200 on /health`);
}

await startToHealth('npm start, first (builds once)');
await startToHealth('npm start, again (nothing to build)');
started = Date.now();
const help = spawnSync('npm', ['run', '-s', 'projections:rebuild', '--', '--help'], { cwd: clone, encoding: 'utf8' });
console.log(`npm run projections:rebuild -- --help: ${seconds(Date.now() - started)} (exit ${help.status})`);
if (!keep) rmSync(folder, { recursive: true, force: true });
