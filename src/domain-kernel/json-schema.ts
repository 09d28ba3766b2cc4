/**
 * A few builders for the JSON Schemas (draft 2020-12) of the event catalogue. Objects list their
 * properties and required keys; additional properties are allowed so that adding an optional field
 * stays a compatible change within a schema version.
 */

export type JsonSchema = { [key: string]: unknown };

export interface EventCatalogEntry {
  /** Event type, as written in the store. */
  type: string;
  /** Schema version of `data` (bumped on incompatible change; upcasters then live in the domain). */
  version: number;
  /** The stream (category) the event is appended to, e.g. 'customer-<id>'. */
  stream: string;
  description: string;
  /** JSON Schema of the event's `data`. */
  schema: JsonSchema;
}

export const js = {
  string: (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra }),
  dateTime: (): JsonSchema => ({ type: 'string', format: 'date-time' }),
  date: (): JsonSchema => ({ type: 'string', format: 'date' }),
  integer: (extra: JsonSchema = {}): JsonSchema => ({ type: 'integer', ...extra }),
  number: (extra: JsonSchema = {}): JsonSchema => ({ type: 'number', ...extra }),
  boolean: (): JsonSchema => ({ type: 'boolean' }),
  enum: (values: readonly string[]): JsonSchema => ({ type: 'string', enum: [...values] }),
  nullable: (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] }),
  array: (items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({ type: 'array', items, ...extra }),
  any: (): JsonSchema => ({}),
  /** All keys required unless `optional` names them. */
  object: (properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema => ({
    type: 'object',
    properties,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
  }),
  map: (values: JsonSchema): JsonSchema => ({ type: 'object', additionalProperties: values }),
  /** `changes: [{field, from, to}]`; `fields` lists the field names this event may report. */
  changes: (fields?: readonly string[]): JsonSchema => ({
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      properties: {
        field: fields ? { type: 'string', anyOf: fields.map((field) => (field.endsWith('*') ? { pattern: `^${escape(field.slice(0, -1))}` } : { const: field })) } : { type: 'string' },
        from: {},
        to: {},
      },
      required: ['field', 'from', 'to'],
    },
  }),
};

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
