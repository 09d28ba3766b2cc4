/** docs/api.md names only operations the OpenAPI document has, so the prose contract cannot drift. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const document = JSON.parse(readFileSync(join(root, 'docs/openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const prose = readFileSync(join(root, 'docs/api.md'), 'utf8');

/** `GET /customers/{id}` in the prose → `get /api/v1/customers/{id}`; query strings dropped. */
function mentioned(text: string): string[] {
  const found = [...text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^\s`?]*)[^`]*`/g)];
  return found.map(([, method, path]) => {
    const full = path.startsWith('/health') || path.startsWith('/metrics') ? path : `/api/v1${path}`;
    return `${method.toLowerCase()} ${full}`;
  });
}

describe('docs/api.md', () => {
  const operations = new Set(Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)));

  it('names at least the core operations', () => {
    expect(mentioned(prose).length).toBeGreaterThan(10);
  });

  it('names only operations the OpenAPI document has', () => {
    expect(mentioned(prose).filter((operation) => !operations.has(operation))).toEqual([]);
  });

  it('the check itself catches an unknown operation', () => {
    expect(mentioned('`POST /customers/{id}/nonsense`').filter((operation) => !operations.has(operation))).toEqual(['post /api/v1/customers/{id}/nonsense']);
  });
});
