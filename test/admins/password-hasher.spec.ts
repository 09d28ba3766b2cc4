import { describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import bcrypt from 'bcryptjs';
import { PasswordHasher } from '../../src/admins/application/password-hasher.js';

const OWASP = { memoryKiB: 19456, timeCost: 2, parallelism: 1 };

describe('PasswordHasher (argon2id off the event loop)', () => {
  const hasher = new PasswordHasher({ passwordHashing: OWASP });

  it('hashes with argon2id and the configured parameters, and verifies', async () => {
    const hash = await hasher.hash('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    await expect(hasher.verify('correct horse battery', hash)).resolves.toBe(true);
    await expect(hasher.verify('wrong horse battery', hash)).resolves.toBe(false);
    await expect(hasher.verify('anything', undefined)).resolves.toBe(false);
    await expect(hasher.verify('anything', 'not a hash')).resolves.toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('still verifies a bcrypt hash of an earlier release, and says it needs a rehash; so does argon2 of other parameters', async () => {
    const old = bcrypt.hashSync('correct horse battery', 10);
    await expect(hasher.verify('correct horse battery', old)).resolves.toBe(true);
    await expect(hasher.verify('wrong', old)).resolves.toBe(false);
    expect(hasher.needsRehash(old)).toBe(true);
    const weaker = await new PasswordHasher({ passwordHashing: { ...OWASP, memoryKiB: 7168, timeCost: 5 } }).hash('x-password-1');
    expect(hasher.needsRehash(weaker)).toBe(true);
    await expect(hasher.verify('x-password-1', weaker)).resolves.toBe(true);
  });

  it('leaves the JavaScript thread idle while hashing (the work runs on the thread pool)', async () => {
    // Event-loop utilisation: the share of the time the main thread was busy (1 = blocked throughout).
    // bcryptjs computes on this thread (about 1); a native hash on the pool leaves it near 0.
    // The least of three rounds: another process on a loaded machine can keep this thread busy for a
    // round (seen once with two jest workers), but hashing on this thread makes every round about 1.
    const rounds: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = performance.eventLoopUtilization();
      await Promise.all([hasher.hash('one-password-1'), hasher.hash('two-password-2'), hasher.hash('three-password-3'), hasher.hash('four-password-4')]);
      rounds.push(performance.eventLoopUtilization(before).utilization);
    }
    expect(Math.min(...rounds)).toBeLessThan(0.5);
  });
});
