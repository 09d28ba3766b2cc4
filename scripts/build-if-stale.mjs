#!/usr/bin/env node
/**
 * Builds what is out of date, and nothing else: `npm start` and the CLI scripts run this first, so a
 * start after an unchanged checkout takes no compile at all, and a start after an edit compiles once.
 *
 * Each target has the sources it is built from, a build command and a stamp file written after a
 * successful build. A target is stale when its stamp is missing or any source is newer than the stamp
 * (also when a source was deleted: the stamp records the list of sources). `--force` rebuilds all.
 *
 * `npm install` / `npm ci` run it too (`prepare`), so a fresh clone is built once at install.
 * `--only <name>` builds just that target (the console specs need the console, not the server).
 *
 * Adding a target (e.g. the console app): append to TARGETS with its sources and command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');
// `npm install` / `npm ci` run this as `prepare`: build there so the first `npm start` has nothing to do,
// but never fail an install (a Docker layer installs before copying sources; --omit=dev has no compiler).
const atInstall = process.argv.includes('--at-install');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;

/** @type {{ name: string, sources: string[], stamp: string, when?: () => boolean, clean?: string[], command: string[] }[]} */
const TARGETS = [
  {
    name: 'server',
    sources: ['src', 'projections', 'tsconfig.json', 'tsconfig.build.json', 'package.json'],
    stamp: 'dist/.server-build-stamp',
    // Output of deleted sources must not linger (nothing may import a module that no longer exists).
    clean: ['dist/src', 'dist/projections'],
    command: [process.execPath, tsc, '-p', 'tsconfig.build.json'],
  },
  {
    // The browser console, when the repository has one: built by its own npm script.
    name: 'console',
    when: () => existsSync(join(root, 'console', 'package.json')) || existsSync(join(root, 'console', 'index.html')),
    sources: ['console', 'package.json'],
    stamp: 'dist/.console-build-stamp',
    command: ['npm', 'run', '-s', 'console:build'],
  },
];

const IGNORED = new Set(['node_modules', 'dist', '.git', 'coverage', 'test-results']);

/** Every file under the given paths (relative to the repository), skipping test files and build output. */
function listSources(paths) {
  const files = [];
  const walk = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (!IGNORED.has(entry)) walk(join(path, entry));
    } else if (!/\.(spec|e2e-spec)\.ts$/.test(path)) {
      files.push({ path: relative(root, path), mtimeMs: stat.mtimeMs });
    }
  };
  for (const path of paths) walk(join(root, path));
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function staleReason(target, sources) {
  if (force) return 'forced';
  const stampPath = join(root, target.stamp);
  if (!existsSync(stampPath)) return 'no previous build';
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
  } catch {
    return 'unreadable build stamp';
  }
  const newer = sources.find((file) => file.mtimeMs > stamp.builtAtMs);
  if (newer) return `${newer.path} changed`;
  if (stamp.sources !== sources.length || stamp.node !== process.version) return 'sources added or removed';
  return undefined;
}

if (atInstall && (!existsSync(join(root, 'src')) || !existsSync(tsc))) {
  if (!quiet) process.stderr.write('build: skipped at install (no sources or no TypeScript compiler); npm start builds when needed\n');
  process.exit(0);
}

// One build at a time per checkout: two jest workers (or `npm start` during a test run) checking the same
// stale target would otherwise both clean and rebuild it, one reading a half-written dist/ of the other.
// The second waits, then finds the target fresh. The lock holds the builder's pid: a killed build's is stale.
const lockPath = join(root, 'dist', '.build-lock');
mkdirSync(dirname(lockPath), { recursive: true });
for (;;) {
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
    break;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
    if (!builderAlive(lockPath)) rmSync(lockPath, { force: true });
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}
process.on('exit', () => rmSync(lockPath, { force: true }));

function builderAlive(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return true; // released meanwhile: look again
  }
  if (text === '') return true; // just created, the pid not written yet
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

let failed = false;
for (const target of TARGETS) {
  if (only !== undefined && target.name !== only) continue;
  if (target.when && !target.when()) continue;
  const sources = listSources(target.sources);
  const reason = staleReason(target, sources);
  if (!reason) continue;
  if (!quiet) process.stderr.write(`build: ${target.name} (${reason}) …\n`);
  const startedAt = Date.now();
  for (const path of target.clean ?? []) rmSync(join(root, path), { recursive: true, force: true });
  const result = spawnSync(target.command[0], target.command.slice(1), { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`build: ${target.name} failed (exit ${result.status ?? result.signal})\n`);
    failed = true;
    break;
  }
  mkdirSync(dirname(join(root, target.stamp)), { recursive: true });
  // The stamp takes the start time: a file edited during the build is newer, so the next run builds again.
  writeFileSync(join(root, target.stamp), JSON.stringify({ builtAtMs: startedAt, sources: sources.length, node: process.version }) + '\n');
  if (!quiet) process.stderr.write(`build: ${target.name} done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
}
process.exit(failed && !atInstall ? 1 : 0);
