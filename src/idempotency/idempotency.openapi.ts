import type { OpenAPIObject, OperationObject, ParameterObject, ReferenceObject } from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_MAX_LENGTH } from './idempotency.interceptor.js';

export const IDEMPOTENCY_KEY_PARAMETER_NAME = 'IdempotencyKey';

const parameter: ParameterObject = {
  name: IDEMPOTENCY_KEY_HEADER,
  in: 'header',
  required: false,
  description:
    `A key of yours (1–${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, a UUID for instance) that makes a retry safe. ` +
    'By the same admin within 24 h, a repeat with the same key, path and body answers the first success again (status, body, ETag, ' +
    'Location, with `Idempotent-Replayed: true`) and writes nothing; the same key with another request is 422 `idempotency_key.reused`; ' +
    'a repeat while the first still runs is 409 `idempotency_key.in_progress` with Retry-After; a repeat after the first attempt committed ' +
    'but stopped before recording its answer is 409 `idempotency_key.committed` (its `writes` and `position`) and writes nothing. A refusal (4xx) does not bind the key. ' +
    'Routes whose answer holds a secret (tokens, revealed passwords, tickets) accept the key but do not store their answer: a repeat runs again.',
  schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH, pattern: '^[\\x20-\\x7e]+$', example: '6f1c2a3e-2b1d-4c8e-9a57-1f0e7d3c9b20' },
};

/** One reusable header parameter (components.parameters.IdempotencyKey), referenced by every POST. */
export function withIdempotencyKey(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, parameters: { ...document.components?.parameters, [IDEMPOTENCY_KEY_PARAMETER_NAME]: parameter } };
  const reference: ReferenceObject = { $ref: `#/components/parameters/${IDEMPOTENCY_KEY_PARAMETER_NAME}` };
  for (const pathItem of Object.values(document.paths)) {
    const operation: OperationObject | undefined = pathItem.post;
    if (!operation) continue;
    const parameters = operation.parameters ?? [];
    if (!parameters.some((item) => '$ref' in item && item.$ref === reference.$ref)) operation.parameters = [...parameters, reference];
    operation.responses['409'] ??= { description: 'A business rule refused the command, or a request with this Idempotency-Key is still running (idempotency_key.in_progress, Retry-After) or committed before it could answer (idempotency_key.committed)' };
    operation.responses['422'] ??= { description: 'Invalid input, or this Idempotency-Key was used for another request (idempotency_key.reused); nothing was written' };
    operation.responses['400'] ??= { description: 'Malformed request (idempotency_key.malformed: the Idempotency-Key is not 1–255 printable ASCII characters)' };
  }
  return document;
}
