/**
 * The typed API client: openapi-fetch over the generated `paths` of the OpenAPI document
 * (schema.d.ts, `npm run console:types`). Every request carries the session's bearer token; a
 * failed answer becomes an ApiError holding the problem+json document.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { session } from '../auth/session';

export type { paths };

export interface FieldProblem {
  field: string;
  rule: string;
  message: string;
}

/** An RFC 9457 problem document as the API answers it (`rule` names the refused rule). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  rule?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
  }
  get status(): number {
    return this.problem.status;
  }
  /** The message of the first error about `field` (or a nested field of it: `voip.currency`). */
  fieldMessage(field: string): string | undefined {
    return this.problem.errors?.find((error) => error.field === field || error.field.startsWith(`${field}.`))?.message;
  }
}

const authorization: Middleware = {
  async onRequest({ request }) {
    const token = await session.validAccessToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401) session.expired();
    return response;
  },
};

/**
 * Read your own writes: every write answers the `position` of its last event; every later read sends it
 * as `Min-Position`, so a read model answers only once it shows that write (endpoints that are not read
 * models ignore the header). Without it a refetch right after a save could show the old values.
 */
let lastWritten: string | null = null;
// Write answers seen by the middleware; ok() / okWithEtag() read `position` from the body openapi-fetch
// has already parsed, so a write answer is parsed once.
const writeAnswers = new WeakSet<Response>();
const readYourWrites: Middleware = {
  async onRequest({ request }) {
    if (request.method === 'GET' && lastWritten) request.headers.set('Min-Position', lastWritten);
    return request;
  },
  async onResponse({ request, response }) {
    if (request.method !== 'GET' && response.ok) writeAnswers.add(response);
    return response;
  },
};

function rememberPosition(response: Response, body: unknown): void {
  if (!writeAnswers.has(response)) return;
  const position = body && typeof body === 'object' ? (body as { position?: unknown }).position : undefined;
  if (typeof position === 'string') lastWritten = position;
}

// List filters are comma separated (status=new,active), as the document describes them.
export const api = createClient<paths>({ baseUrl: '', querySerializer: { array: { style: 'form', explode: false } } });
api.use(authorization, readYourWrites);

/**
 * The success body of an openapi-fetch answer, or an ApiError. Operations whose response schema the
 * document does not declare yet are typed loosely until it does.
 */
export type Success<T> = [T] extends [never] ? Loose : [T] extends [undefined] ? Loose : T;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<Success<NonNullable<T>>> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(error, response);
  rememberPosition(response, data);
  return data as Success<NonNullable<T>>;
}

/** Like ok() but also returns the answer's ETag (the customer's revision), for If-Match on the next edit. */
export async function okWithEtag<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ body: Success<NonNullable<T>>; etag: string | null }> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(error, response);
  rememberPosition(response, data);
  return { body: data as Success<NonNullable<T>>, etag: response.headers.get('ETag') };
}

function toApiError(error: unknown, response: Response): ApiError {
  if (error && typeof error === 'object' && 'status' in error) return new ApiError(error as Problem);
  return new ApiError({ status: response.status, title: response.statusText || 'Request failed', detail: typeof error === 'string' && error ? error : undefined });
}

/** A short human sentence for any failure (network errors included). */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const { problem } = error;
    const rule = problem.rule && problem.rule !== 'validation' ? ` (${problem.rule})` : '';
    return `${problem.detail ?? problem.title ?? `HTTP ${problem.status}`}${rule}`;
  }
  if (error instanceof TypeError) return 'The server could not be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
type Responses<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]> extends { responses: infer R } ? R : never;

/** The JSON body of an operation's 200 / 201 answer, from the generated document. */
export type ResponseOf<P extends keyof paths, M extends Method = 'get'> = Success<
  JsonOf<Responses<P, M>[200 & keyof Responses<P, M>]> | JsonOf<Responses<P, M>[201 & keyof Responses<P, M>]>
>;

/** The JSON request body of an operation, from the generated document. */
export type BodyOf<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
