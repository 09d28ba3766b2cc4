import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { openApiDocument } from '../../src/cli/openapi-document.js';

/**
 * A client generated from the document must compile against it: openapi-typescript turns the
 * document into types, and a small openapi-fetch client using them is type-checked. The
 * `@ts-expect-error` lines prove the answers are typed precisely (not `any`, not `unknown`).
 */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

type Problem = components['schemas']['Problem'];

export async function firstSession(baseUrl: string): Promise<string[]> {
  const client = createClient<paths>({ baseUrl });
  const seen: string[] = [];

  const login = await client.POST('/api/v1/auth/login', { body: { email: 'admin@chronicle.local', password: 'secret-1' } });
  if (!login.data) throw new Error(login.error?.detail ?? 'login failed');
  const token: string = login.data.accessToken;
  const expiresIn: number = login.data.expiresIn;
  // @ts-expect-error a token pair has no such field
  login.data.sessionId;
  const headers = { Authorization: 'Bearer ' + token };

  const created = await client.POST('/api/v1/customers', {
    headers,
    body: { fullName: 'Jane Doe', partnerId: 1, locationId: 1, emails: ['jane@example.com'] },
  });
  if (created.error) {
    const problem: Problem = created.error;
    const fields: string[] = (problem.errors ?? []).map((error) => error.field + ' ' + error.rule);
    seen.push(problem.rule ?? problem.title, ...fields);
    return seen;
  }
  const id: number = created.data.id;
  const position: string | null = created.data.position;
  const status: 'new' | 'active' | 'blocked' | 'inactive' = created.data.status;
  // @ts-expect-error the status is one of four values
  const wrong: 'gone' = created.data.status;
  seen.push(String(wrong), String(expiresIn));

  const page = await client.GET('/api/v1/customers', { headers, params: { query: { q: 'Jane', minPosition: position ?? undefined } } });
  for (const item of page.data?.items ?? []) seen.push(item.login + ' ' + item.balance.toFixed(2));
  const next: string | null | undefined = page.data?.nextCursor;

  const profile = await client.GET('/api/v1/customers/{id}', { headers, params: { path: { id } } });
  const alerts: string[] = (profile.data?.alerts ?? []).map((note) => note.text);
  const pin: boolean | undefined = profile.data?.voip.recording;

  const comment = await client.POST('/api/v1/customers/{id}/comments', { headers, params: { path: { id } }, body: { text: 'Called' } });
  const revision: number | undefined = comment.data?.revision;
  const commentId: string | undefined = comment.data?.id;
  // @ts-expect-error a comment answer is the comment, not the whole customer
  comment.data?.comments;
  seen.push(String(commentId));

  const feed = await client.GET('/api/v1/events', { headers, params: { query: { limit: '10' } } });
  for (const event of feed.data?.items ?? []) seen.push(event.type + '@' + event.position + ' ' + event.streamId);

  const stats = await client.GET('/api/v1/customers/stats', { headers });
  const total: number | undefined = stats.data?.total;

  const roles = await client.GET('/api/v1/roles', { headers });
  const permissions: string[] = (roles.data?.permissions ?? []).map((permission) => permission.name);

  seen.push(status, String(next), ...alerts, String(pin), String(revision), String(total), ...permissions);
  return seen;
}
`;

describe('OpenAPI document: a generated client', () => {
  let directory: string;

  beforeAll(() => {
    // Inside node_modules so that the client resolves openapi-fetch as a user's project would.
    const cache = resolve('node_modules/.cache');
    mkdirSync(cache, { recursive: true });
    directory = mkdtempSync(join(cache, 'openapi-client-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('type-checks against the types openapi-typescript generates from the document', async () => {
    // Request fields with a default are optional to send: without defaultNonNullable: false the
    // generator would make every defaulted request field required (the documented way to generate).
    const types = astToString(await openapiTS((await openApiDocument()) as never, { defaultNonNullable: false }));
    expect(types).toContain('"/api/v1/customers/{id}"');
    writeFileSync(join(directory, 'schema.d.ts'), types);
    writeFileSync(join(directory, 'client.ts'), CLIENT);
    writeFileSync(join(directory, 'package.json'), JSON.stringify({ type: 'module' }));

    const program = ts.createProgram([join(directory, 'client.ts')], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : undefined;
      return `${where ? `line ${where.line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
