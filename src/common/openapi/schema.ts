/**
 * Builders for the OpenAPI (3.0) schemas of response bodies, and the registry of named schemas the
 * document lists under components.schemas. `object<T>()` takes one schema per key of T, so a field
 * added to or removed from the TypeScript type and not to its schema is a compile error.
 */
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';

export type Schema = SchemaObject | ReferenceObject;

type Properties<T> = { [K in keyof T]-?: Schema };

export interface ObjectOptions<T> {
  /** Keys that may be absent (every other key is always present, possibly null). */
  optional?: readonly (keyof T & string)[];
  description?: string;
}

export const oa = {
  string: (extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra }),
  dateTime: (description?: string): SchemaObject => ({ type: 'string', format: 'date-time', ...(description ? { description } : {}) }),
  date: (): SchemaObject => ({ type: 'string', format: 'date', example: '2026-01-31' }),
  integer: (extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', ...extra }),
  number: (extra: SchemaObject = {}): SchemaObject => ({ type: 'number', ...extra }),
  boolean: (description?: string): SchemaObject => ({ type: 'boolean', ...(description ? { description } : {}) }),
  enum: (values: readonly string[], description?: string): SchemaObject => ({ type: 'string', enum: [...values], ...(description ? { description } : {}) }),
  /** Any JSON value. */
  any: (description?: string): SchemaObject => (description ? { description } : {}),
  array: (items: Schema, extra: SchemaObject = {}): SchemaObject => ({ type: 'array', items, ...extra }),
  /** An object of name → value. */
  map: (values: Schema, description?: string): SchemaObject => ({ type: 'object', additionalProperties: values, ...(description ? { description } : {}) }),
  /** The value or null (a $ref is wrapped, as OpenAPI 3.0 ignores siblings of $ref). */
  nullable: (schema: Schema): SchemaObject => ('$ref' in schema ? { allOf: [schema], nullable: true } : { ...schema, nullable: true }),
  object<T>(properties: Properties<T>, options: ObjectOptions<T> = {}): SchemaObject {
    const optional = new Set<string>(options.optional ?? []);
    return {
      type: 'object',
      ...(options.description ? { description: options.description } : {}),
      properties: properties as Record<string, Schema>,
      required: Object.keys(properties).filter((key) => !optional.has(key)),
    };
  },
  /** The fields of each schema together (e.g. a resource plus revision and position). */
  allOf: (...schemas: Schema[]): SchemaObject => ({ allOf: schemas }),
};

const components = new Map<string, Schema>();

/**
 * Registers a named schema (components.schemas.<name>) and answers its $ref. Registering the same
 * name twice with a different schema is a programming error.
 */
export function namedSchema(name: string, schema: Schema): ReferenceObject {
  const existing = components.get(name);
  if (existing && JSON.stringify(existing) !== JSON.stringify(schema)) throw new Error(`OpenAPI schema ${name} is defined twice, differently`);
  components.set(name, schema);
  return { $ref: `#/components/schemas/${name}` };
}

/** Every named schema, by name (sorted, so the document is stable). */
export function namedSchemas(): Record<string, Schema> {
  return Object.fromEntries([...components.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** A write's answer: the resource, then the stream revision after the write and the global position of its last event. */
export function written(resource: Schema, what = 'the resource'): SchemaObject {
  return oa.allOf(
    resource,
    oa.object<{ revision: number; position: string | null }>({
      revision: oa.integer({ description: `Stream revision of ${what} after the write (also the ETag)`, minimum: 0 }),
      position: oa.nullable(oa.string({ description: 'Global position of the last event written (null when nothing changed): pass it as ?minPosition= to read your write' })),
    }),
  );
}

/** The one list shape: a page of items, the cursor of the next page (null on the last), the total when asked. */
export function page(items: Schema, options: { description?: string } = {}): SchemaObject {
  return oa.object<{ items: unknown; nextCursor: string | null; total?: number }>(
    {
      items: oa.array(items),
      nextCursor: oa.nullable(oa.string({ description: 'Pass as ?cursor= for the next page; null on the last page' })),
      total: oa.integer({ description: 'How many items match in all (where the list counts them, e.g. ?total=true)', minimum: 0 }),
    },
    { optional: ['total'], description: options.description },
  );
}
