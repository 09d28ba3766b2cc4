import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SessionRevokers, type SessionRevoker } from '../../src/admins/application/session-revoker.js';

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the admins module', () => {
  it('does not depend on auth below its HTTP layer: the application and domain never import src/auth', () => {
    const offending = [...files('src/admins/application'), ...files('src/admins/domain'), 'src/admins/admins.module.ts'].filter((file) =>
      /from\s+'(\.\.\/)+auth\//.test(readFileSync(file, 'utf8')),
    );
    expect(offending).toEqual([]);
  });

  it('ends sessions through the revokers registered with it, awaiting each in turn', async () => {
    const calls: string[] = [];
    const slow: SessionRevoker = { revokeAllForAdmin: async (id, reason, except) => void (await new Promise((resolve) => setTimeout(resolve, 5)), calls.push(`slow ${id} ${reason} ${except}`)) };
    const fast: SessionRevoker = { revokeAllForAdmin: async (id, reason) => void calls.push(`fast ${id} ${reason}`) };
    const revokers = new SessionRevokers();
    await revokers.revokeAllForAdmin('a', 'admin_deactivated');
    expect(calls).toEqual([]);
    revokers.register(slow);
    revokers.register(fast);
    revokers.register(slow);
    await revokers.revokeAllForAdmin('a', 'password_changed', 's1');
    expect(calls).toEqual(['slow a password_changed s1', 'fast a password_changed']);
  });
});
