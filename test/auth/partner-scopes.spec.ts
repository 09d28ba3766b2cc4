import type { AdminDirectory } from '../../src/admins/application/admin-directory.js';
import { PartnerScopes } from '../../src/auth/partner-scopes.js';

const ADMIN = '00000000-0000-4000-8000-00000000000a';
const SCOPED = '00000000-0000-4000-8000-00000000000b';

const directory = {
  resolve: async (id: string) =>
    id === ADMIN ? { state: { partnerIds: [] }, revision: 0 } : id === SCOPED ? { state: { partnerIds: [2, 1] }, revision: 0 } : undefined,
} as unknown as AdminDirectory;

describe('PartnerScopes (the scope of the actor in a command’s metadata)', () => {
  const scopes = new PartnerScopes(directory);

  it('the system, or no actor, sees every partner', async () => {
    expect((await scopes.of(undefined))?.unrestricted).toBe(true);
    expect((await scopes.of({ id: 'system' }))?.unrestricted).toBe(true);
  });

  it('an admin sees their partners as they are now (none listed = all)', async () => {
    expect((await scopes.of({ id: ADMIN }))?.unrestricted).toBe(true);
    expect((await scopes.of({ id: SCOPED }))?.partnerIds).toEqual([1, 2]);
  });

  it('an actor that is no known admin gets no scope (the caller refuses)', async () => {
    expect(await scopes.of({ id: 'someone-else' })).toBeNull();
  });
});
