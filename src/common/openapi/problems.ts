/**
 * The problem responses of the OpenAPI document. Every error of the API is one problem document
 * (RFC 9457, application/problem+json), so the document states them by convention in one place:
 * each operation's declared error responses get the Problem schema, and the failures every
 * operation of a kind can answer are added where its handler did not declare them.
 */
import type { OpenAPIObject, OperationObject, ParameterObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';
import type { FieldError, ProblemDocument } from '../problem.js';
import { namedSchema, oa } from './schema.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const fieldError = oa.object<FieldError>(
  {
    field: oa.string({ description: 'Full path of the field, e.g. voip.timezone or emails[1]', example: 'fullName' }),
    rule: oa.string({ description: 'The rule it broke', example: 'required' }),
    message: oa.string({ description: 'What to change, for a person', example: 'fullName is required' }),
  },
);

type ProblemFields = Pick<ProblemDocument, 'type' | 'title' | 'status' | 'detail' | 'rule' | 'errors'>;

export const PROBLEM_SCHEMA = namedSchema('Problem', {
  ...oa.object<ProblemFields>(
    {
      type: oa.string({ format: 'uri', description: 'Identifies the kind of problem', example: 'https://chronicle.dev/problems/customer.not_found' }),
      title: oa.string({ description: 'Short name of the HTTP status', example: 'Not Found' }),
      status: oa.integer({ description: 'The HTTP status', example: 404 }),
      detail: oa.string({ description: 'What went wrong, for a person', example: 'Customer 42 does not exist' }),
      rule: oa.string({ description: 'Machine-readable rule code, <area>.<rule> (see the changelog for renames)', example: 'customer.not_found' }),
      errors: oa.array(fieldError, { description: 'Input problems: one entry per field and rule' }),
    },
    { optional: ['rule', 'errors'], description: 'RFC 9457 problem details; some problems add members (e.g. currentRevision, position)' },
  ),
  additionalProperties: true,
});

/** The failure every operation of a kind can answer, and when it applies. */
interface Convention {
  status: string;
  description: string;
  appliesTo(operation: OperationObject): boolean;
}

const parametersOf = (operation: OperationObject): ParameterObject[] =>
  (operation.parameters ?? []).filter((parameter): parameter is ParameterObject => !('$ref' in parameter));
const hasBody = (operation: OperationObject) => operation.requestBody !== undefined;
const hasQuery = (operation: OperationObject) => parametersOf(operation).some((parameter) => parameter.in === 'query');
const hasPathParameter = (operation: OperationObject) => parametersOf(operation).some((parameter) => parameter.in === 'path');
const takesIfMatch = (operation: OperationObject) => parametersOf(operation).some((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'if-match');
const isSecured = (operation: OperationObject) => (operation.security ?? []).length > 0;

export const PROBLEM_CONVENTIONS: readonly Convention[] = [
  { status: '400', description: 'Malformed request: the body is not JSON, or If-Match is not a revision', appliesTo: (operation) => hasBody(operation) || takesIfMatch(operation) },
  { status: '401', description: 'No valid access token', appliesTo: isSecured },
  { status: '404', description: 'The addressed resource does not exist (or is outside your partners)', appliesTo: hasPathParameter },
  { status: '412', description: 'If-Match does not match the current revision; nothing was written', appliesTo: takesIfMatch },
  { status: '415', description: 'The body is not application/json', appliesTo: hasBody },
  { status: '422', description: 'Invalid input: `errors` names each field and rule; nothing was written', appliesTo: (operation) => hasBody(operation) || hasQuery(operation) },
];

const problemContent = { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_SCHEMA } };

/**
 * Adds the conventional problem responses to every operation and the Problem schema to each error
 * response that has no body of its own (mutates and answers the document).
 */
export function withProblemResponses(document: OpenAPIObject): OpenAPIObject {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = pathItem[method];
      if (!operation) continue;
      for (const convention of PROBLEM_CONVENTIONS) {
        if (convention.appliesTo(operation) && !operation.responses[convention.status]) {
          operation.responses[convention.status] = { description: convention.description };
        }
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response && Number(status) >= 400 && !isReference(response) && !response.content) (response as ResponseObject).content = problemContent;
      }
      operation.responses = sortedByStatus(operation.responses);
    }
  }
  return document;
}

function isReference(response: ResponseObject | ReferenceObject): response is ReferenceObject {
  return '$ref' in response;
}

function sortedByStatus<T>(responses: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}
