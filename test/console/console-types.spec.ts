/** The console's API types are generated, never hand-edited: the committed file is what docs/openapi.json generates. */
import { spawnSync } from 'node:child_process';

test('console/src/api/schema.d.ts matches docs/openapi.json (npm run console:types)', () => {
  const result = spawnSync(process.execPath, ['console/scripts/types.mjs', '--check'], { cwd: process.cwd(), encoding: 'utf8', env: { ...process.env, CHRONICLE_URL: '' } });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});
