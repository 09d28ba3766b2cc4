#!/usr/bin/env node
/**
 * `npm run start:dev`: the TypeScript compiler in watch mode and the app under `node --watch`, so an
 * edit recompiles and restarts the app. Ctrl-C stops both.
 */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const children = [
  spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] }),
  spawn(process.execPath, ['--watch', '--watch-preserve-output', 'dist/src/main.js'], { cwd: root, stdio: 'inherit' }),
];
const stop = () => children.forEach((child) => child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', (code) => { stop(); process.exitCode ||= code ?? 0; });
