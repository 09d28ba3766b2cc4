/**
 * Run by idempotency-crash.e2e-spec.ts as a separate process: the whole app on the database named by
 * CRASH_DATABASE_URL, whose Idempotency-Key store kills the process (SIGKILL) at the moment it would
 * record an answer, i.e. after the command's events committed and before the answer is stored.
 */
import { IDEMPOTENCY_STORE } from '../../../src/idempotency/idempotency.interceptor.js';
import type { IdempotencyStore } from '../../../src/idempotency/idempotency-store.js';
import { startTestApp } from '../../support/test-app.js';

const testApp = await startTestApp({
  databaseUrl: process.env.CRASH_DATABASE_URL,
  env: { JWT_SECRET: process.env.JWT_SECRET, ENCRYPTION_KEY: process.env.ENCRYPTION_KEY },
});
const store = testApp.app.get<IdempotencyStore>(IDEMPOTENCY_STORE);
store.complete = async () => {
  process.stdout.write('COMMITTED\n');
  process.kill(process.pid, 'SIGKILL');
  await new Promise(() => undefined);
};
process.stdout.write(`READY ${testApp.url}\n`);
