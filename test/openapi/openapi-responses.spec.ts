import type { OpenAPIObject, OperationObject, ParameterObject, ResponseObject } from '@nestjs/swagger';
import { openApiDocument } from '../../src/cli/openapi-document.js';
import { PROBLEM_MEDIA_TYPE } from '../../src/common/openapi/problems.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  name: string;
  operation: OperationObject;
}

function operationsOf(document: OpenAPIObject): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ name: `${method.toUpperCase()} ${path}`, operation: item[method]! })),
  );
}

const responsesOf = (operation: OperationObject) => Object.entries(operation.responses) as [string, ResponseObject][];
const parametersOf = (operation: OperationObject) => (operation.parameters ?? []) as ParameterObject[];

/** Each operation of the document a client is generated from: its success body and its problems. */
describe('OpenAPI document: responses', () => {
  let document: OpenAPIObject;
  let operations: Operation[];

  beforeAll(async () => {
    document = await openApiDocument();
    operations = operationsOf(document);
  });

  it('lists the operational doors too (/health, /metrics)', () => {
    const names = operations.map((operation) => operation.name);
    expect(names).toEqual(expect.arrayContaining(['GET /health', 'GET /metrics']));
    expect(operations.length).toBeGreaterThan(75);
  });

  it('declares a success response with a body schema for every operation (204: no body)', () => {
    const lacking = operations
      .filter(({ operation }) => {
        const success = responsesOf(operation).filter(([status]) => status.startsWith('2'));
        return success.length === 0 || success.some(([status, response]) => status !== '204' && !Object.values(response.content ?? {}).some((media) => media.schema));
      })
      .map(({ name }) => name);
    expect(lacking).toEqual([]);
  });

  it('gives every error response a body schema, the Problem document wherever the app answers one', () => {
    const lacking = operations.flatMap(({ name, operation }) =>
      responsesOf(operation)
        .filter(([status]) => Number(status) >= 400)
        .filter(([status, response]) => !(name === 'GET /health' && status === '503') && !response.content?.[PROBLEM_MEDIA_TYPE]?.schema)
        .map(([status]) => `${name} ${status}`),
    );
    expect(lacking).toEqual([]);
  });

  it('declares the problems each kind of operation can answer', () => {
    const missing = operations.flatMap(({ name, operation }) => {
      const statuses = new Set(Object.keys(operation.responses));
      const parameters = parametersOf(operation);
      const expected = [
        ...((operation.security ?? []).length > 0 ? ['401'] : []),
        ...(operation.requestBody ? ['400', '415', '422'] : []),
        ...(parameters.some((parameter) => parameter.in === 'query') ? ['422'] : []),
        ...(parameters.some((parameter) => parameter.in === 'path') ? ['404'] : []),
        ...(parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'If-Match') ? ['400', '412'] : []),
      ];
      return [...new Set(expected)].filter((status) => !statuses.has(status)).map((status) => `${name} ${status}`);
    });
    expect(missing).toEqual([]);
  });

  it('secures every operation but the public ones (health, metrics, login, refresh, logout)', () => {
    const unsecured = operations
      .filter(({ name }) => !/^(GET \/health|GET \/metrics|POST \/api\/v1\/auth\/(login|refresh|logout))$/.test(name))
      .filter(({ operation }) => (operation.security ?? []).length === 0)
      .map(({ name }) => name);
    expect(unsecured).toEqual([]);
  });

  it('resolves every $ref to a schema of the document', () => {
    const text = JSON.stringify(document);
    const references = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    expect(references.length).toBeGreaterThan(0);
    expect(references.filter((name) => !document.components?.schemas?.[name])).toEqual([]);
  });
});
