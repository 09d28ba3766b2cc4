import { schemaErrors } from '../domain/json-schema-check.js';
import { CUSTOMER_EVENT_CATALOG } from '../../src/customers/domain/index.js';
import { PUBLISHED_CATALOG, buildPublishedCatalog, buildRegistry } from '../../src/feed/catalog/published-catalog.js';
import { DECIMAL_STRING_PATTERN, MONEY_AS_DECIMAL_STRINGS, decimalString } from '../../src/feed/upcasting/money-as-decimal-strings.js';
import { UpcastError, UpcasterRegistry, type SchemaRevision } from '../../src/feed/upcasting/upcaster-registry.js';

const paymentV1 = {
  customerId: 7,
  at: '2025-03-01T10:00:00.000Z',
  paymentId: 'p-1',
  amount: 12.5,
  method: 'cash',
  reference: null,
  note: null,
  changes: [{ field: 'balance', from: -10, to: 2.5 }],
};

describe('PaymentRecorded / ChargeRecorded v1 → v2: money as decimal strings', () => {
  const registry = buildRegistry();

  it('upgrades a stored v1 payment: amount and balance change become decimal strings', () => {
    const input = structuredClone(paymentV1);
    const { schemaVersion, data } = registry.upcast('PaymentRecorded', 1, input);
    expect(schemaVersion).toBe(2);
    expect(data).toEqual({ ...paymentV1, amount: '12.50', changes: [{ field: 'balance', from: '-10.00', to: '2.50' }] });
    expect(input).toEqual(paymentV1); // the stored event is not touched
  });

  it('upgrades a charge the same way and leaves other changes alone', () => {
    const charge = {
      customerId: 7,
      at: '2025-03-01T10:00:00.000Z',
      chargeId: 'c-1',
      amount: 0.1 + 0.2,
      description: 'Router rent',
      reference: null,
      changes: [{ field: 'balance', from: 1.000125, to: 0.700125 }, { field: 'note', from: 1, to: 2 }],
    };
    const { schemaVersion, data } = registry.upcast('ChargeRecorded', 1, charge);
    expect(schemaVersion).toBe(2);
    expect(data.amount).toBe('0.30');
    expect(data.changes).toEqual([{ field: 'balance', from: '1.000125', to: '0.700125' }, { field: 'note', from: 1, to: 2 }]);
  });

  it.each([
    [0, '0.00'],
    [-0, '0.00'],
    [5, '5.00'],
    [12.5, '12.50'],
    [-3.000125, '-3.000125'],
    [0.000001, '0.000001'],
    [1e-7, '0.00'],
    [1_000_000_000, '1000000000.00'],
    [19.99, '19.99'],
  ])('decimalString(%p) = %p', (value, expected) => {
    expect(decimalString(value)).toBe(expected);
    expect(expected).toMatch(new RegExp(DECIMAL_STRING_PATTERN));
  });

  it('the upgraded data satisfies the published v2 schema, and v1 data does not', () => {
    for (const type of ['PaymentRecorded', 'ChargeRecorded']) {
      const entry = PUBLISHED_CATALOG.events.find((event) => event.type === type)!;
      expect(entry.version).toBe(2);
      expect(entry.history.map((step) => step.version)).toEqual([1, 2]);
    }
    const schema = PUBLISHED_CATALOG.events.find((event) => event.type === 'PaymentRecorded')!.schema;
    expect(schemaErrors(schema, registry.upcast('PaymentRecorded', 1, paymentV1).data)).toEqual([]);
    expect(schemaErrors(schema, paymentV1)).not.toEqual([]);
  });

  it('data already at v2 (or newer, from a later release) and unknown types pass through unchanged', () => {
    const v2 = registry.upcast('PaymentRecorded', 1, paymentV1).data;
    expect(registry.upcast('PaymentRecorded', 2, v2)).toEqual({ schemaVersion: 2, data: v2 });
    expect(registry.upcast('PaymentRecorded', 3, { future: true })).toEqual({ schemaVersion: 3, data: { future: true } });
    expect(registry.upcast('SomethingElse', 1, { a: 1 })).toEqual({ schemaVersion: 1, data: { a: 1 } });
    expect(registry.upcast('CustomerBlocked', 1, { a: 1 })).toEqual({ schemaVersion: 1, data: { a: 1 } });
  });
});

describe('UpcasterRegistry', () => {
  const rename: SchemaRevision = {
    type: 'Thing',
    version: 2,
    change: 'name → title',
    upcast: ({ name, ...rest }) => ({ ...rest, title: name }),
    schema: (previous) => ({ ...previous, v: 2 }),
  };
  const wrap: SchemaRevision = {
    type: 'Thing',
    version: 3,
    change: 'title in an object',
    upcast: ({ title, ...rest }) => ({ ...rest, label: { text: title } }),
    schema: (previous) => ({ ...previous, v: 3 }),
  };

  it('chains upcasters one version at a time', () => {
    const registry = new UpcasterRegistry({ Thing: 1 }, [wrap, rename]);
    expect(registry.currentVersion('Thing')).toBe(3);
    expect(registry.upcast('Thing', 1, { name: 'x', n: 1 })).toEqual({ schemaVersion: 3, data: { n: 1, label: { text: 'x' } } });
    expect(registry.upcast('Thing', 2, { title: 'y' })).toEqual({ schemaVersion: 3, data: { label: { text: 'y' } } });
    expect(registry.currentSchema('Thing', { v: 1 })).toEqual({ v: 3 });
    expect(registry.history('Thing').map((step) => step.version)).toEqual([1, 2, 3]);
  });

  it('refuses a version bump without its upcaster (stored old events could not be served)', () => {
    expect(() => new UpcasterRegistry({ Thing: 2 }, [])).toThrow(UpcastError);
    expect(() => new UpcasterRegistry({ Thing: 1 }, [wrap])).toThrow(/from schema version 1 to 2/);
    expect(() => new UpcasterRegistry({}, [{ ...rename, version: 1 }])).toThrow(RangeError);
    expect(() => new UpcasterRegistry({}, [rename, rename])).toThrow(/two revisions/);
  });

  it('once the domain writes a version natively, its own schema wins and older events still upgrade', () => {
    const registry = new UpcasterRegistry({ Thing: 2 }, [rename]);
    expect(registry.currentVersion('Thing')).toBe(2);
    expect(registry.currentSchema('Thing', { own: true })).toEqual({ own: true });
    expect(registry.upcast('Thing', 1, { name: 'z' })).toEqual({ schemaVersion: 2, data: { title: 'z' } });
  });

  it('the published catalogue is built from the same registry the feed reads through', () => {
    const catalog = buildPublishedCatalog(CUSTOMER_EVENT_CATALOG, buildRegistry(CUSTOMER_EVENT_CATALOG, MONEY_AS_DECIMAL_STRINGS));
    expect(catalog.events.filter((entry) => entry.version === 2).map((entry) => entry.type).sort()).toEqual(['ChargeRecorded', 'PaymentRecorded']);
  });
});
