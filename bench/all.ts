/**
 * `npm run bench`: every benchmark, one after the other, each in its own process (so peak memory
 * figures are per benchmark). Arguments after `--` go to every script (e.g. --keep).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = ['appends', 'command-to-screen', 'rebuild', 'list', 'time-travel', 'fanout', 'embedded', 'console'];
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
let failed = 0;
for (const script of scripts) {
  if (only && !only.includes(script)) continue;
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, `${script}.js`), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench ${script} exited with ${result.status ?? result.signal}`);
  }
  console.log('');
}
process.exit(failed ? 1 : 0);
