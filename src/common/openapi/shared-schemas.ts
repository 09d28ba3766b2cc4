/** OpenAPI schemas several areas answer with: who acted, and an additional field's value. */
import type { Actor } from '../../event-store/event-store.port.js';
import { namedSchema, oa } from './schema.js';

export const ACTOR_SCHEMA = namedSchema('Actor', oa.object<Actor>({ id: oa.string(), name: oa.string(), role: oa.string() }, { description: 'Who did it' }));

export const ADDITIONAL_FIELD_VALUE_SCHEMA = namedSchema('AdditionalFieldValue', {
  oneOf: [oa.string(), oa.number(), oa.boolean(), oa.array(oa.string())],
  description: "string, number, boolean or (multiselect) a list of strings, as the definition's type says",
});
