import { describe, expect, it } from '@jest/globals';
import {
  CUSTOMER_EVENT_CATALOG,
  CUSTOMER_EVENT_TYPES,
  EVENT_CATALOG,
  EVENT_SCHEMA_VERSIONS,
  REFERENCE_DATA_EVENT_CATALOG,
  catalogEntry,
  type CustomerEventType,
} from '../../src/customers/domain/index.js';
import { schemaErrors } from './json-schema-check.js';
import { created, customerSpec, historyTo } from './fixtures.js';

/** Every property name a schema declares, at any depth, with its dotted path. */
function propertyPaths(schema: unknown, path = ''): string[] {
  if (schema === null || typeof schema !== 'object') return [];
  const node = schema as Record<string, unknown>;
  const own = node.properties && typeof node.properties === 'object' ? Object.keys(node.properties).map((key) => (path ? `${path}.${key}` : key)) : [];
  const nested = Object.entries(node).flatMap(([key, value]) => {
    if (key === 'properties' && value && typeof value === 'object') {
      return Object.entries(value as Record<string, unknown>).flatMap(([name, child]) => propertyPaths(child, path ? `${path}.${name}` : name));
    }
    if (Array.isArray(value)) return value.flatMap((item) => propertyPaths(item, path));
    if (value && typeof value === 'object') return propertyPaths(value, path);
    return [];
  });
  return [...new Set([...own, ...nested])];
}

// Compile-time: the list and the union name the same types, both ways.
const listed: (typeof CUSTOMER_EVENT_TYPES)[number] = null as unknown as CustomerEventType;
void listed;

describe('event catalogue', () => {
  it('lists every customer event type once, at schema version 1, on stream customer-<id>', () => {
    expect(CUSTOMER_EVENT_CATALOG.map((entry) => entry.type)).toEqual([...CUSTOMER_EVENT_TYPES]);
    for (const entry of CUSTOMER_EVENT_CATALOG) {
      expect(entry).toMatchObject({ version: 1, stream: 'customer-<id>' });
      expect(entry.description.length).toBeGreaterThan(10);
      expect(entry.schema).toMatchObject({ type: 'object', title: entry.type });
      expect((entry.schema.required as string[]).slice(0, 2)).toEqual(['customerId', 'at']);
    }
  });

  it('lists the reference-data events', () => {
    expect(REFERENCE_DATA_EVENT_CATALOG.map((entry) => entry.type)).toEqual([
      'PartnerCreated',
      'PartnerRenamed',
      'PartnerDeleted',
      'LocationCreated',
      'LocationRenamed',
      'LocationDeleted',
      'AdditionalFieldDefined',
      'AdditionalFieldChanged',
      'AdditionalFieldRemoved',
      'CustomerSettingsChanged',
    ]);
    expect(new Set(REFERENCE_DATA_EVENT_CATALOG.map((entry) => entry.stream))).toEqual(new Set(['partners', 'locations', 'additional-field-definitions', 'settings-customers']));
  });

  it('has unique types, is plain JSON and gives the schema version per type', () => {
    const types = EVENT_CATALOG.map((entry) => entry.type);
    expect(new Set(types).size).toBe(types.length);
    expect(JSON.parse(JSON.stringify(EVENT_CATALOG))).toEqual(EVENT_CATALOG);
    expect(EVENT_SCHEMA_VERSIONS.CustomerBlocked).toBe(1);
    expect(catalogEntry('CapBonusGranted')?.type).toBe('CapBonusGranted');
    expect(catalogEntry('Nope')).toBeUndefined();
  });

  it('no event type carries a plain PIN or password: secrets only as *Ciphertext', () => {
    const secretLike = /(^|\.)(pin|password|secret)[^.]*$/i;
    const offenders = EVENT_CATALOG.flatMap((entry) =>
      propertyPaths(entry.schema)
        .filter((path) => secretLike.test(path) && !/Ciphertext$/.test(path) && !/(^|\.)pinned$/.test(path))
        .map((path) => `${entry.type}: ${path}`),
    );
    expect(offenders).toEqual([]);
    expect(propertyPaths(catalogEntry('CustomerCreated')!.schema)).toEqual(expect.arrayContaining(['passwordCiphertext', 'voip.pinCiphertext']));
    expect(propertyPaths(catalogEntry('CustomerVoipSettingsChanged')!.schema)).toContain('pinCiphertext');
    expect((catalogEntry('CustomerCreated')!.schema.properties as Record<string, { required: string[] }>).voip.required).toContain('pinCiphertext');
  });

  it('accepts a PIN change as the decider records it: voip.pin redacted in changes, the ciphertext beside', () => {
    const [event] = customerSpec.given(historyTo('active')).when({ type: 'EditCustomer', data: { voip: { pinChanged: true, cps: 2 } } }, { pinCiphertext: 'v1:sealed' }).events();
    const schema = catalogEntry('CustomerVoipSettingsChanged')!.schema;
    expect(schemaErrors(schema, JSON.parse(JSON.stringify(event.data)))).toEqual([]);
    expect(schemaErrors(schema, { customerId: 1, at: '2025-01-01T00:00:00.000Z', changes: [{ field: 'voip.pin', from: '[redacted]', to: '[redacted]' }], pinCiphertext: '' })).toEqual([
      '$.pinCiphertext: too short',
    ]);
  });

  it('no reference-data stream starts with the customer stream prefix', () => {
    for (const entry of REFERENCE_DATA_EVENT_CATALOG) expect(entry.stream.startsWith('customer-')).toBe(false);
  });

  it('its schemas accept real events and reject broken ones', () => {
    const schema = catalogEntry('CustomerCreated')!.schema;
    const event = created();
    expect(schemaErrors(schema, JSON.parse(JSON.stringify(event.data)))).toEqual([]);
    expect(schemaErrors(schema, { ...event.data, status: 'gone', partnerId: '1' }).length).toBeGreaterThanOrEqual(2);
    const blocked = catalogEntry('CustomerBlocked')!.schema;
    expect(schemaErrors(blocked, { customerId: 1, at: '2025-01-01T00:00:00.000Z', from: 'new', to: 'blocked', reason: null, changes: [] })).toContain('$.changes: fewer than 1 items');
    expect(schemaErrors(blocked, { customerId: 1, at: '2025-01-01T00:00:00.000Z', from: 'new', to: 'blocked', reason: null, changes: [{ field: 'colour', from: 1, to: 2 }] }).length).toBe(1);
    const voip = catalogEntry('CustomerVoipSettingsChanged')!.schema;
    expect(schemaErrors(voip, { customerId: 1, at: '2025-01-01T00:00:00.000Z', changes: [{ field: 'voip.cps', from: 0, to: 1 }] })).toEqual([]);
    const fields = catalogEntry('CustomerAdditionalFieldsChanged')!.schema;
    expect(schemaErrors(fields, { customerId: 1, at: '2025-01-01T00:00:00.000Z', changes: [{ field: 'additionalFields.x', from: null, to: 1 }] })).toEqual([]);
  });
});
