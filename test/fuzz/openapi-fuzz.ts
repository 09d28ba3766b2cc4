/**
 * Property-based fuzz of every operation of the OpenAPI document (fast-check). For each operation
 * the request is generated from the document itself: its path, query and header parameters and its
 * JSON body schema, each value either of the declared type or hostile (NUL, lone surrogates, deep
 * nesting, huge and unsafe numbers, prototype names, wrong types, very long text). The properties:
 * no answer is a 5xx (or no answer at all), and a refused request (4xx) leaves the event store as
 * it was (the count of events not written by the automation).
 *
 * Shared by the bounded run in the test suite (test/fuzz/openapi-fuzz.spec.ts) and the long run
 * (`npm run reliability:fuzz -- --runs N`, bench/reliability-fuzz.ts); transport and store check
 * are passed in, so both drive the same generator.
 */
import fc from 'fast-check';

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; parameters?: Record<string, Parameter> };
}
interface Operation {
  operationId?: string;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
export interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  nullable?: boolean;
}

/** A generated request: method, path with its (encoded) parameters, headers, raw JSON body. */
export interface FuzzRequest {
  operation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  authenticated: boolean;
}

/** A number written as its own JSON text (9007199254740993, 1e400: what JSON.stringify cannot write). */
class RawNumber {
  constructor(readonly text: string) {}
}
/** An object as its entries, so keys such as __proto__ are written as they are. */
class Entries {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

export function toJson(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (value instanceof Entries) return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value === undefined) return 'null';
  // JSON.stringify writes a lone surrogate as an escape (\ud800): it reaches the server as one.
  return JSON.stringify(value);
}

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const HOSTILE_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00',
  '\ud83d',
  ...PROTOTYPE_NAMES,
  'x'.repeat(10_000),
  '💥'.repeat(600),
  '%00',
  '../../etc/passwd',
  "'; drop table es_events; --",
  '<script>alert(1)</script>',
  '1e400',
  'NaN',
  '-0',
  '2026-02-30',
  '2026-13-01T25:61:00Z',
  '9999-12-31T23:59:59.999+14:00',
  '\u202e\u200b\ufeff',
];
const HOSTILE_NUMBERS = ['9007199254740993', '-9007199254740993', '1e400', '-1e400', '1e21', '1e-7', '0.001', '-0', '123456789012345678901234567890', '1.7976931348623157e308', '5e-324', '-1', '0', '2147483648', '-2147483649'];

const nested = (depth: number, leaf: unknown = 1): unknown => (depth === 0 ? leaf : [nested(depth - 1, leaf)]);
const nestedObject = (depth: number): unknown => (depth === 0 ? 1 : new Entries([['a', nestedObject(depth - 1)]]));

/** A value no schema asked for: wrong types, hostile text and numbers, deep nesting, prototype keys. */
export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...HOSTILE_TEXT),
    fc.constantFrom(...HOSTILE_NUMBERS).map((text) => new RawNumber(text)),
    fc.constantFrom<unknown>(null, true, false, [], new Entries([]), [[[]]], [null], 0, -1, 1.5),
    fc.constantFrom(31, 33, 200).map((depth) => nested(depth)),
    fc.constantFrom(31, 33).map((depth) => nestedObject(depth)),
    fc.constantFrom(...PROTOTYPE_NAMES).map((key) => new Entries([[key, new Entries([['polluted', true]])]])),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.double(),
  );
}

export class OpenApiFuzzer {
  constructor(
    private readonly document: OpenApiDocument,
    /** Values that exist (ids, names), per path / query parameter name: half of the path values come from here. */
    private readonly known: Record<string, string[]> = {},
  ) {}

  /** Every operation the fuzz drives: all of them but event streams (answers that never end). */
  operations(): Array<{ id: string; method: string; path: string; operation: Operation }> {
    const out: Array<{ id: string; method: string; path: string; operation: Operation }> = [];
    for (const [path, item] of Object.entries(this.document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const streams = Object.values(operation.responses ?? {}).some((response) => Object.keys(response.content ?? {}).includes('text/event-stream'));
        if (streams) continue;
        out.push({ id: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, operation });
      }
    }
    return out;
  }

  /** The arbitrary of one operation's requests. */
  requests(entry: { id: string; method: string; path: string; operation: Operation }): fc.Arbitrary<FuzzRequest> {
    const parameters = (entry.operation.parameters ?? []).map((parameter) => this.parameter(parameter)).filter((parameter): parameter is Parameter => !!parameter);
    const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
    const query = parameters.filter((parameter) => parameter.in === 'query');
    const headers = parameters.filter((parameter) => parameter.in === 'header');
    const bodySchema = entry.operation.requestBody?.content?.['application/json']?.schema;
    return fc
      .record({
        path: fc.tuple(...pathParameters.map((parameter) => this.pathValue(parameter)), fc.constant(null)),
        query: fc.tuple(...query.map((parameter) => fc.option(this.queryValue(parameter), { freq: 2 })), fc.constant(null)),
        headers: fc.tuple(...headers.map((parameter) => fc.option(this.headerValue(parameter), { freq: 2 })), fc.constant(null)),
        body: bodySchema ? fc.oneof({ weight: 6, arbitrary: this.value(bodySchema, 0).map(toJson) }, { weight: 1, arbitrary: hostileValue().map(toJson) }, { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '"x"', '{"a":1,"a":2}') }) : fc.constant(undefined),
        authenticated: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      })
      .map(({ path, query: queryValues, headers: headerValues, body, authenticated }) => {
        let url = entry.path;
        pathParameters.forEach((parameter, index) => (url = url.replace(`{${parameter.name}}`, path[index] as string)));
        const search = query.flatMap((parameter, index) => {
          const value = queryValues[index] as string[] | null;
          return value === null ? [] : value.map((item) => `${encodeURIComponent(parameter.name)}=${item}`);
        });
        const requestHeaders: Record<string, string> = {};
        headers.forEach((parameter, index) => {
          const value = headerValues[index] as string | null;
          if (value !== null) requestHeaders[parameter.name] = value;
        });
        return { operation: entry.id, method: entry.method, path: search.length ? `${url}?${search.join('&')}` : url, headers: requestHeaders, body, authenticated };
      });
  }

  private parameter(parameter: Parameter | { $ref: string }): Parameter | undefined {
    if ('$ref' in parameter) return this.document.components?.parameters?.[parameter.$ref.split('/').pop()!];
    return parameter;
  }

  private resolve(schema: Schema): Schema {
    let current = schema;
    for (let hops = 0; current.$ref && hops < 10; hops++) current = this.document.components?.schemas?.[current.$ref.split('/').pop()!] ?? {};
    return current;
  }

  /** A path segment, already encoded: a known value, a typed one, or a hostile one. */
  private pathValue(parameter: Parameter): fc.Arbitrary<string> {
    const known = this.known[parameter.name] ?? [];
    const hostile = fc.constantFrom('0', '-1', '1.5', '1e3', '99999999999999999999', '9007199254740993', '__proto__', 'constructor', 'prototype', 'toString', '%00', 'a%00b', '%ED%A0%80', '%FF', '%2F', '%20', 'x'.repeat(300), '..', 'null', 'undefined', '%F0%9F%92%A5');
    const typed = this.textOf(this.resolve(parameter.schema ?? {})).map((value) => encodeURIComponent(value));
    return known.length
      ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known.map((value) => encodeURIComponent(value))) }, { weight: 3, arbitrary: hostile }, { weight: 1, arbitrary: typed })
      : fc.oneof({ weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: typed });
  }

  /** One or more encoded values of a query parameter (repeated parameters as arrays). */
  private queryValue(parameter: Parameter): fc.Arbitrary<string[]> {
    const known = (this.known[parameter.name] ?? []).map((value) => encodeURIComponent(value));
    const hostile = fc.constantFrom('', '%00', 'a%00', '%ED%A0%80', '%FF', '__proto__', 'constructor', '99999999999999999999', '-1', '1e400', 'NaN', 'true', '%5B%5D', 'x'.repeat(5000), '2026-02-30', 'not-a-cursor', encodeURIComponent('{"a":1}'));
    const typed = this.textOf(this.resolve(parameter.schema ?? {})).map((value) => encodeURIComponent(value));
    const one = known.length ? fc.oneof(typed, hostile, fc.constantFrom(...known)) : fc.oneof(typed, hostile);
    return fc.oneof({ weight: 5, arbitrary: one.map((value) => [value]) }, { weight: 1, arbitrary: fc.array(one, { minLength: 2, maxLength: 3 }) });
  }

  /** A header value Node can send (latin-1, no control characters). */
  private headerValue(parameter: Parameter): fc.Arbitrary<string> {
    const name = parameter.name.toLowerCase();
    if (name === 'if-match') return fc.oneof(fc.nat({ max: 50 }).map((n) => `"${n}"`), fc.constantFrom('*', 'W/"1"', '"-1"', '"99999999999999999999"', '"1.5"', 'abc', '""', '"1", "2"', '"__proto__"'));
    if (name === 'idempotency-key') return fc.oneof(fc.uuid(), fc.constantFrom('x', 'k'.repeat(255), 'k'.repeat(256), ' ', '__proto__'), fc.string({ maxLength: 20 }).filter((value) => /^[\x20-\x7e]*$/.test(value)));
    return fc.oneof(fc.constantFrom('0', '-1', '99999999999999999999', '__proto__', 'not-a-position', ''), fc.string({ maxLength: 30 }).filter((value) => /^[\x20-\x7e]*$/.test(value)));
  }

  /** Text of a parameter's declared type. */
  private textOf(schema: Schema): fc.Arbitrary<string> {
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (schema.enum?.length) return fc.constantFrom(...schema.enum.map(String));
    if (type === 'integer') return fc.integer({ min: schema.minimum ?? -5, max: schema.maximum ?? 1000 }).map(String);
    if (type === 'number') return fc.double({ noNaN: true, noDefaultInfinity: true }).map(String);
    if (type === 'boolean') return fc.constantFrom('true', 'false', '1', '0', 'yes');
    if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
    if (type === 'array' && schema.items) return this.textOf(this.resolve(schema.items));
    return fc.string({ maxLength: 30 });
  }

  /** A JSON value for a schema: mostly of its type (so deeper code runs), sometimes hostile. */
  value(schemaOrRef: Schema, depth: number): fc.Arbitrary<unknown> {
    const schema = this.resolve(schemaOrRef);
    const typed = this.typed(schema, depth);
    return depth > 4 ? typed : fc.oneof({ weight: 5, arbitrary: typed }, { weight: 1, arbitrary: hostileValue() });
  }

  private typed(schema: Schema, depth: number): fc.Arbitrary<unknown> {
    const variants = schema.oneOf ?? schema.anyOf;
    if (variants?.length) return fc.oneof(...variants.map((variant) => this.value(variant, depth + 1)));
    if (schema.allOf?.length) {
      const merged: Schema = { type: 'object', properties: {}, required: [] };
      for (const part of schema.allOf.map((item) => this.resolve(item))) {
        Object.assign(merged.properties!, part.properties ?? {});
        merged.required!.push(...(part.required ?? []));
      }
      return this.typed(merged, depth);
    }
    if (schema.enum?.length) return fc.constantFrom(...schema.enum);
    const type = Array.isArray(schema.type) ? (schema.type.find((item) => item !== 'null') ?? 'null') : schema.type;
    switch (type) {
      case 'string':
        if (schema.format === 'date') return fc.date({ noInvalidDate: true, min: new Date('1900-01-01'), max: new Date('2100-01-01') }).map((date) => date.toISOString().slice(0, 10));
        if (schema.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date('1900-01-01'), max: new Date('2100-01-01') }).map((date) => date.toISOString());
        if (schema.format === 'email') return fc.emailAddress();
        return fc.string({ maxLength: Math.min(schema.maxLength ?? 40, 60) });
      case 'integer':
        return fc.oneof(fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 }), fc.integer());
      case 'number':
        return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.integer({ min: -1000, max: 1000 }));
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return depth > 3 ? fc.constant([]) : fc.array(this.value(schema.items ?? {}, depth + 1), { maxLength: 3 });
      case 'object':
      case undefined: {
        const properties = Object.entries(schema.properties ?? {});
        if (properties.length === 0 || depth > 3) {
          return fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...PROTOTYPE_NAMES)), depth > 3 ? fc.constant(1) : hostileValue()), { maxLength: 3 }).map((entries) => new Entries(entries));
        }
        const required = new Set(schema.required ?? []);
        const entries = properties.map(([name, property]) =>
          fc.option(this.value(property, depth + 1).map((value) => [name, value] as [string, unknown]), { freq: required.has(name) ? 8 : 2, nil: undefined }),
        );
        const extra = fc.option(fc.tuple(fc.constantFrom('unexpected', ...PROTOTYPE_NAMES), hostileValue()), { freq: 6, nil: undefined });
        return fc.tuple(fc.tuple(...entries), extra).map(([chosen, added]) => new Entries([...chosen.filter((item): item is [string, unknown] => item !== undefined), ...(added ? [added] : [])]));
      }
      default:
        return hostileValue();
    }
  }
}

/** What one answer broke, if anything. */
export interface FuzzFinding {
  request: FuzzRequest;
  status: number;
  problem: string;
  answer: string;
}

/**
 * The events a refused request must not add, counted in es_events. Left out: the automation's own events,
 * and AdminLoggedIn, which the harness itself writes when it logs in again after a fuzzed 401.
 */
export const COUNTED_EVENTS_SQL =
  "SELECT count(*) AS n FROM es_events WHERE coalesce(metadata->'actor'->>'id', '') <> 'system' AND event_type <> 'AdminLoggedIn'";

export interface FuzzTransport {
  send(request: FuzzRequest): Promise<{ status: number; text: string }>;
  /** Events in the store not written by the automation (scheduled changes fall due on their own). */
  eventCount(): Promise<number>;
}

export interface FuzzSummary {
  requests: number;
  byStatus: Record<string, number>;
  findings: FuzzFinding[];
  operations: number;
}

/** Runs `runs` generated requests per operation (seeded: the same seed gives the same requests). */
export async function fuzzOperations(fuzzer: OpenApiFuzzer, transport: FuzzTransport, options: { runs: number; seed: number; only?: (id: string) => boolean; onProgress?: (done: number) => void }): Promise<FuzzSummary> {
  const summary: FuzzSummary = { requests: 0, byStatus: {}, findings: [], operations: 0 };
  const operations = fuzzer.operations().filter((entry) => options.only?.(entry.id) ?? true);
  for (const [index, entry] of operations.entries()) {
    summary.operations++;
    const requests = fc.sample(fuzzer.requests(entry), { numRuns: options.runs, seed: options.seed + index });
    for (const request of requests) {
      const before = await transport.eventCount();
      const answer = await transport.send(request);
      summary.requests++;
      const key = String(answer.status);
      summary.byStatus[key] = (summary.byStatus[key] ?? 0) + 1;
      if (answer.status >= 500 || answer.status === 0) {
        summary.findings.push({ request, status: answer.status, problem: answer.status === 0 ? 'no answer' : '5xx', answer: answer.text.slice(0, 300) });
      } else if (answer.status >= 400) {
        const after = await transport.eventCount();
        if (after !== before) summary.findings.push({ request, status: answer.status, problem: `refused but the event store changed (${before} → ${after} events)`, answer: answer.text.slice(0, 300) });
      }
      options.onProgress?.(summary.requests);
    }
  }
  return summary;
}

/** A finding as one line a person can replay. */
export function describeFinding(finding: FuzzFinding): string {
  const body = finding.request.body === undefined ? '' : ` body=${finding.request.body.length > 200 ? `${finding.request.body.slice(0, 200)}…(${finding.request.body.length} chars)` : finding.request.body}`;
  return `${finding.problem} ${finding.status}: ${finding.request.method} ${finding.request.path.slice(0, 200)} headers=${JSON.stringify(finding.request.headers)}${body} auth=${finding.request.authenticated} → ${finding.answer}`;
}
