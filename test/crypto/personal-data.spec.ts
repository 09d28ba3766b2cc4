import { randomBytes } from 'node:crypto';
import { createCipheriv } from 'node:crypto';
import { sql } from 'kysely';
import { verifyChain } from '../../src/audit/hash-chain.js';
import { PersonalDataEventStore, isEnvelope, openValue, sealPersonalData } from '../../src/crypto/personal-data-event-store.js';
import { ForeignMasterKeyError, PersonalDataErasedError, PersonalDataKeys, migratePersonalDataKeys, rewrapDataKeys } from '../../src/crypto/personal-data-keys.js';
import { redactSecrets } from '../../src/crypto/redaction.js';
import { SECRET_PAD_BLOCK, SecretBox } from '../../src/crypto/secret-box.js';
import { customerDecider } from '../../src/customers/domain/index.js';
import { runCommand } from '../../src/event-sourcing/command-runner.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { migrateEventStore } from '../../src/event-store/postgres/event-store-migrations.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.js';
import { openTestPGlite, type TestDatabase } from '../support/test-databases.js';

/** The v1 format of before: no padding (what older events hold). */
function sealV1(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

describe('SecretBox: padded, versioned, rotatable', () => {
  const key = randomBytes(32);

  it('pads: every secret up to the block seals to the same length, so the length tells nothing', () => {
    const box = new SecretBox(key);
    const lengths = new Set(['1', 'short-pw', 'a-much-longer-portal-password-of-40-chars', 'x'.repeat(SECRET_PAD_BLOCK - 2)].map((secret) => box.seal(secret).length));
    expect(lengths.size).toBe(1);
    expect(box.seal('x'.repeat(SECRET_PAD_BLOCK)).length).toBeGreaterThan([...lengths][0]);
    for (const secret of ['', 'pässwörd-ü', '123456', 'x'.repeat(300)]) expect(box.open(box.seal(secret))).toBe(secret);
    expect(box.seal('abc')).toMatch(/^v2\./);
  });

  it('still opens the unpadded v1 ciphertexts of older events', () => {
    expect(new SecretBox(key).open(sealV1(key, 'old-password-1'))).toBe('old-password-1');
  });

  it('opens with a previous key after a rotation, seals with the current one', () => {
    const oldKey = randomBytes(32);
    const sealedBefore = new SecretBox(oldKey).seal('pin-123456');
    const rotated = new SecretBox(key, [oldKey]);
    expect(rotated.open(sealedBefore)).toBe('pin-123456');
    expect(new SecretBox(key).open(rotated.seal('new'))).toBe('new');
    expect(() => new SecretBox(key).open(sealedBefore)).toThrow();
  });
});

describe('the one redaction', () => {
  it('marks every secret key at any depth, or drops it; additional fields are left alone', () => {
    const data = { passwordCiphertext: 'v2.a', voip: { pinCiphertext: 'v2.b', cps: 1 }, pin: '1234', additionalFields: { pin: 'custom' }, fullName: 'Ann' };
    expect(redactSecrets(data)).toEqual({ passwordCiphertext: '[redacted]', voip: { pinCiphertext: '[redacted]', cps: 1 }, pin: '[redacted]', additionalFields: { pin: 'custom' }, fullName: 'Ann' });
    expect(redactSecrets(data, { drop: true })).toEqual({ voip: { cps: 1 }, additionalFields: { pin: 'custom' }, fullName: 'Ann' });
  });
});

describe('personal data envelopes', () => {
  const key = randomBytes(32);

  it('seals the personal values of an event, leaves the rest; opens them; erased they read "[erased]" by type', () => {
    const data = { customerId: 1, at: 'now', login: 'ann', fullName: 'Ann Smith', emails: ['ann@example.org'], phones: [], geo: { lat: 1, lng: 2 }, street: null, voip: { cps: 2, lowCreditNotificationEmail: 'low@example.org' } };
    const sealed = sealPersonalData('CustomerCreated', data, key, 'customer-1');
    expect(sealed).toMatchObject({ customerId: 1, login: 'ann', phones: [], street: null, voip: { cps: 2 } });
    for (const field of ['fullName', 'emails', 'geo'] as const) expect(isEnvelope(sealed[field])).toBe(true);
    expect(isEnvelope((sealed.voip as Record<string, unknown>).lowCreditNotificationEmail)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain('Ann Smith');
    expect(openValue(sealed.fullName as never, key, 'customer-1')).toBe('Ann Smith');
    expect(openValue(sealed.emails as never, key, 'customer-1')).toEqual(['ann@example.org']);
    expect(openValue(sealed.fullName as never, 'erased', 'customer-1')).toBe('[erased]');
    expect(openValue(sealed.emails as never, 'erased', 'customer-1')).toEqual(['[erased]']);
    expect(openValue(sealed.geo as never, 'erased', 'customer-1')).toBeNull();
    // Bound to its stream: copied into another customer's event it does not open.
    expect(() => openValue(sealed.fullName as never, key, 'customer-2')).toThrow();
    // Changes: only personal fields.
    const changes = sealPersonalData('CustomerMainInfoChanged', { changes: [{ field: 'fullName', from: 'A', to: 'B' }, { field: 'login', from: 'a', to: 'b' }] }, key, 'customer-1');
    expect(changes.changes).toEqual([{ field: 'fullName', from: expect.objectContaining({ $pd: expect.any(String) }), to: expect.objectContaining({ $pd: expect.any(String) }) }, { field: 'login', from: 'a', to: 'b' }]);
  });
});

describe('PersonalDataEventStore', () => {
  let testDatabase: TestDatabase;
  let inner: PostgresEventStore;
  let keys: PersonalDataKeys;
  let store: PersonalDataEventStore;
  const master = randomBytes(32);

  beforeAll(async () => {
    testDatabase = await openTestPGlite();
    await migrateEventStore(testDatabase.database.db);
    await migratePersonalDataKeys(testDatabase.database.db);
    inner = new PostgresEventStore(testDatabase.database);
    keys = new PersonalDataKeys(testDatabase.database.db, master);
    store = new PersonalDataEventStore(inner, keys);
  });
  afterAll(async () => {
    await store.close();
    await testDatabase.close();
  });

  const create = (customerId: number, fullName: string) =>
    runCommand(store, `customer-${customerId}`, customerDecider, { type: 'CreateCustomer', data: { fullName, partnerId: 1, locationId: 1, emails: [`${fullName.split(' ')[0].toLowerCase()}@example.org`] } }, {
      metadata: { actor: { id: 'a', name: 'Admin', role: 'admin' } },
      context: () => ({
        now: new Date().toISOString(),
        knownPartnerIds: [1],
        knownLocationIds: [1],
        creation: { customerId, login: `c${customerId}`, passwordCiphertext: 'v2.x', accountNumber: `${5000000000 + customerId}`, pinCiphertext: 'v2.y' },
      }),
    });

  it('stores ciphertext, reads plain; the chain covers the stored form and verifies; a remembered head links on', async () => {
    await create(11, 'Olga Plain');
    const heads = new (await import('../../src/event-sourcing/command-runner.js')).StreamHeads();
    for (const name of ['Olga Second', 'Olga Third']) {
      await runCommand(store, 'customer-11', customerDecider, { type: 'EditCustomer', data: { fullName: name } }, { metadata: {}, heads: heads as never, context: () => ({ now: new Date().toISOString() }) });
    }
    const stored = await inner.readStream('customer-11');
    expect(JSON.stringify(stored)).not.toContain('Olga');
    expect(verifyChain(stored as never).verified).toBe(true);
    const read = await store.readStream('customer-11');
    expect(read[0].data).toMatchObject({ fullName: 'Olga Plain', emails: ['olga@example.org'] });
    expect(read[2].data.changes).toEqual([{ field: 'fullName', from: 'Olga Second', to: 'Olga Third' }]);
    // Every read path: all, by stream, subscriptions.
    expect((await store.readAll()).find((event) => event.streamId === 'customer-11')!.data.fullName).toBe('Olga Plain');
    const byStream = await store.readByStream!({ upTo: (await store.headPosition())!, maxCount: 100 });
    expect(byStream.find((event) => event.streamId === 'customer-11')!.data.fullName).toBe('Olga Plain');
    const subscription = store.subscribeToAll();
    const seen: RecordedEvent[] = [];
    for await (const event of subscription) {
      seen.push(event);
      if (seen.length === 3) break;
    }
    await subscription.close();
    expect(seen[0].data.fullName).toBe('Olga Plain');
  });

  it('reads old plain events as they are; destroying the key erases encrypted and plain values alike, and refuses new keys', async () => {
    await inner.append('customer-12', [{ type: 'CustomerCreated', data: { customerId: 12, fullName: 'Legacy Plain', emails: ['legacy@example.org'], login: 'legacy' } }]);
    expect((await store.readStream('customer-12'))[0].data.fullName).toBe('Legacy Plain');
    await create(13, 'Erin Erased');
    await keys.destroy(12);
    await keys.destroy(13);
    expect((await store.readStream('customer-12'))[0].data).toMatchObject({ fullName: '[erased]', emails: ['[erased]'], login: 'legacy' });
    expect((await store.readStream('customer-13'))[0].data).toMatchObject({ fullName: '[erased]', emails: ['[erased]'], login: 'c13' });
    expect(verifyChain((await inner.readStream('customer-13')) as never).verified).toBe(true);
    await expect(keys.keyForWrite(13)).rejects.toBeInstanceOf(PersonalDataErasedError);
  });

  it('refuses a master key that does not open the keys; a rotation re-wraps them (resumable), erased ones stay erased', async () => {
    await create(14, 'Rita Rotated');
    const wrong = new PersonalDataKeys(testDatabase.database.db, randomBytes(32));
    await expect(wrong.assertMasterKey()).rejects.toBeInstanceOf(ForeignMasterKeyError);
    const next = randomBytes(32);
    const progress: number[] = [];
    const result = await rewrapDataKeys(testDatabase.database.db, master, next, { batchSize: 1, onProgress: ({ done }) => progress.push(done) });
    expect(result).toMatchObject({ rewrapped: 2, erased: 2 });
    expect(progress.at(-1)).toBe(2);
    expect((await rewrapDataKeys(testDatabase.database.db, master, next)).rewrapped).toBe(0);
    const rotated = new PersonalDataEventStore(inner, new PersonalDataKeys(testDatabase.database.db, next));
    await new PersonalDataKeys(testDatabase.database.db, next).assertMasterKey();
    expect((await rotated.readStream('customer-14'))[0].data.fullName).toBe('Rita Rotated');
    expect((await rotated.readStream('customer-13'))[0].data.fullName).toBe('[erased]');
    const { rows } = await sql<{ n: string }>`select count(*) as n from personal_data_keys where wrapped_key is null`.execute(testDatabase.database.db);
    expect(Number(rows[0].n)).toBe(2);
  });
});
