/**
 * Schema version 2 of PaymentRecorded and ChargeRecorded: money as decimal strings.
 *
 * Version 1 (what the domain writes) carries `amount` and the balance change (`changes[field =
 * 'balance'].from/to`) as JSON numbers. Billing consumers in Java, .NET or SQL then read money
 * through a binary float: 0.1 + 0.2 style errors creep into ledgers and a value like 1e-7 prints
 * in exponent form. Version 2 publishes them as plain decimal strings with 2 to 6 decimals
 * ("12.50", "-3.000125"), which every language parses exactly into its decimal type. Changing a
 * field's type breaks existing readers, hence a new version rather than an edit of version 1.
 */
import type { JsonSchema } from '../../domain-kernel/index.js';
import type { EventData, SchemaRevision } from './upcaster-registry.js';

export const DECIMAL_STRING_PATTERN = '^-?[0-9]+\\.[0-9]{2,6}$';

/** A money number as a decimal string with 2 to 6 decimals (the domain rounds money to 6). */
export function decimalString(value: unknown): unknown {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value;
  const fixed = (Object.is(value, -0) ? 0 : value).toFixed(6);
  const trimmed = fixed.replace(/(\.[0-9]{2}[0-9]*?)0+$/, '$1');
  return trimmed === '-0.00' ? '0.00' : trimmed;
}

function upcastMoney(data: EventData): EventData {
  const changes = Array.isArray(data.changes)
    ? (data.changes as Record<string, unknown>[]).map((change) =>
        change?.field === 'balance' ? { ...change, from: decimalString(change.from), to: decimalString(change.to) } : change,
      )
    : data.changes;
  return { ...data, amount: decimalString(data.amount), changes };
}

const decimal = (description: string): JsonSchema => ({ type: 'string', pattern: DECIMAL_STRING_PATTERN, description });

function moneySchema(previous: JsonSchema): JsonSchema {
  const properties = { ...(previous.properties as Record<string, JsonSchema>) };
  properties.amount = decimal('Amount, a decimal string with 2 to 6 decimals, e.g. "12.50"');
  const changes = properties.changes as JsonSchema & { items: JsonSchema & { properties: Record<string, JsonSchema> } };
  properties.changes = {
    ...changes,
    items: {
      ...changes.items,
      properties: { ...changes.items.properties, from: decimal('Balance before'), to: decimal('Balance after') },
    },
  };
  return { ...previous, properties };
}

const change =
  'amount and the balance change (changes[].from / to) are decimal strings with 2 to 6 decimals ("12.50") instead of JSON numbers, ' +
  'so consumers never read money through a binary float.';

export const MONEY_AS_DECIMAL_STRINGS: readonly SchemaRevision[] = ['PaymentRecorded', 'ChargeRecorded'].map((type) => ({
  type,
  version: 2,
  change,
  upcast: upcastMoney,
  schema: moneySchema,
}));
