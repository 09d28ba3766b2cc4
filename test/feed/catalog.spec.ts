import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AUDIT_EVENT_CATALOG } from '../../src/audit/anchors/anchor.event-catalog.js';
import { EVENT_CATALOG } from '../../src/customers/domain/index.js';
import { FEED_REGISTRY, PUBLISHED_CATALOG } from '../../src/feed/catalog/published-catalog.js';
import { renderCatalogMarkdown } from '../../src/feed/catalog/catalog-markdown.js';
import { isSecretKey, toPublicEvent } from '../../src/feed/public-event.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';

describe('the published event catalogue', () => {
  it('docs/event-catalog.md is generated from it and up to date (run `npm run catalog:write` after a change)', () => {
    const document = readFileSync(resolve(process.cwd(), 'docs/event-catalog.md'), 'utf8');
    expect(document).toBe(renderCatalogMarkdown(PUBLISHED_CATALOG));
  });

  it('lists every event type of the domain, and the anchors of the hash chains, once, with a version and a JSON Schema', () => {
    expect(PUBLISHED_CATALOG.events.map((entry) => entry.type)).toEqual([...EVENT_CATALOG, ...AUDIT_EVENT_CATALOG].map((entry) => entry.type));
    for (const entry of PUBLISHED_CATALOG.events) {
      expect(entry.version).toBeGreaterThanOrEqual(1);
      expect(entry.schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: entry.type, type: 'object' });
      expect(entry.history[entry.history.length - 1].version).toBe(entry.version);
    }
  });

  it('publishes no secret field in any schema, and says which ones it leaves out', () => {
    const secretProperties: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (key === 'properties' && value && typeof value === 'object') {
          for (const name of Object.keys(value)) if (isSecretKey(name)) secretProperties.push(`${path}.${name}`);
        }
        if (key === 'required' && Array.isArray(value)) for (const name of value) if (isSecretKey(String(name))) secretProperties.push(`${path} requires ${name}`);
        walk(value, `${path}.${key}`);
      }
    };
    for (const entry of PUBLISHED_CATALOG.events) walk(entry.schema, entry.type);
    expect(secretProperties).toEqual([]);
    const omitted = Object.fromEntries(PUBLISHED_CATALOG.events.filter((entry) => entry.omitted.length).map((entry) => [entry.type, entry.omitted]));
    // The portal password and the VoIP PIN, however the domain stores them.
    expect(Object.keys(omitted).sort()).toEqual(['CustomerCreated', 'CustomerPasswordReset', 'CustomerVoipSettingsChanged']);
    expect(omitted.CustomerCreated).toEqual(['passwordCiphertext', expect.stringMatching(/^voip\.pin/)]);
    expect(omitted.CustomerPasswordReset).toEqual(['passwordCiphertext']);
    expect(omitted.CustomerVoipSettingsChanged).toEqual([expect.stringMatching(/^pin/)]);
    for (const paths of Object.values(omitted)) for (const path of paths) expect(isSecretKey(path.split('.').pop()!)).toBe(true);
  });
});

describe('the public envelope', () => {
  const stored: RecordedEvent = {
    id: '0b4e7f3e-7d3e-4c8e-9a55-1d1f0d0c9a01',
    type: 'CustomerCreated',
    schemaVersion: 1,
    streamId: 'customer-7',
    revision: 0,
    position: '00000000000000000042:0000000000000000007',
    recordedAt: new Date('2025-03-01T10:00:00.123Z'),
    data: {
      customerId: 7,
      login: 'jdoe',
      passwordCiphertext: 'v1:secret',
      voip: { accountNumber: '4000000007', pin: '1234', cps: 1 },
      additionalFields: { pin: 'admin-defined field, kept' },
    },
    metadata: {
      actor: { id: 'a-1', name: 'Alice', role: 'manager' },
      correlationId: 'corr-1',
      causationId: 'cause-1',
      occurredAt: '2025-03-01T10:00:00.000Z',
      ip: '203.0.113.9',
      userAgent: 'Mozilla/5.0',
      token: 'never',
    },
  };

  it('carries id, type, version, stream, revision, position and time; data without secrets; metadata without ip, user agent or anything else', () => {
    expect(toPublicEvent(stored, FEED_REGISTRY)).toEqual({
      id: stored.id,
      type: 'CustomerCreated',
      schemaVersion: 1,
      streamId: 'customer-7',
      revision: 0,
      position: stored.position,
      recordedAt: '2025-03-01T10:00:00.123Z',
      data: { customerId: 7, login: 'jdoe', voip: { accountNumber: '4000000007', cps: 1 }, additionalFields: { pin: 'admin-defined field, kept' } },
      metadata: { actor: { id: 'a-1', name: 'Alice', role: 'manager' }, correlationId: 'corr-1', causationId: 'cause-1', occurredAt: '2025-03-01T10:00:00.000Z' },
    });
  });

  it('upgrades old schema versions on the way out', () => {
    const payment = toPublicEvent(
      { ...stored, type: 'PaymentRecorded', data: { customerId: 7, amount: 3, changes: [{ field: 'balance', from: 0, to: 3 }] } },
      FEED_REGISTRY,
    );
    expect(payment).toMatchObject({ schemaVersion: 2, data: { amount: '3.00', changes: [{ field: 'balance', from: '0.00', to: '3.00' }] } });
  });
});
