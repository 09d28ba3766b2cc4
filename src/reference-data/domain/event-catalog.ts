/** JSON Schemas of the reference-data events' data, schema version 1. */
import { js, type EventCatalogEntry, type JsonSchema } from '../../domain-kernel/json-schema.js';
import { ADDITIONAL_FIELD_SCOPES, ADDITIONAL_FIELD_TYPES, ADDITIONAL_FIELDS_STREAM } from './additional-field-definitions.js';
import { CUSTOMER_SETTINGS_STREAM, DEFAULT_CUSTOMER_SETTINGS } from './customer-settings.js';
import { LOCATIONS_STREAM } from './locations.js';
import { PARTNERS_STREAM } from './partners.js';

const at = js.dateTime();
const id = js.integer({ minimum: 1 });
const name = js.string({ minLength: 1, maxLength: 128 });
const value: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }] };

const definition = js.object({
  name: js.string({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
  label: js.string(),
  type: js.enum(ADDITIONAL_FIELD_TYPES),
  required: js.boolean(),
  unique: js.boolean(),
  options: js.array(js.string()),
  min: js.nullable(js.number()),
  max: js.nullable(js.number()),
  default: value,
  showInCreateForm: js.boolean(),
  showInList: js.boolean(),
  appliesTo: js.enum(ADDITIONAL_FIELD_SCOPES),
});

function entry(type: string, stream: string, description: string, schema: JsonSchema): EventCatalogEntry {
  return { type, version: 1, stream, description, schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', title: type, ...schema } };
}

function namedEntity(kind: 'Partner' | 'Location', stream: string): EventCatalogEntry[] {
  const word = kind.toLowerCase();
  return [
    entry(`${kind}Created`, stream, `A ${word} was created (sequential id).`, js.object({ id, name, at })),
    entry(`${kind}Renamed`, stream, `A ${word} was renamed.`, js.object({ id, name, changes: js.changes(['name']), at })),
    entry(`${kind}Deleted`, stream, `A ${word} was deleted.`, js.object({ id, name, at })),
  ];
}

export const REFERENCE_DATA_EVENT_CATALOG: readonly EventCatalogEntry[] = [
  ...namedEntity('Partner', PARTNERS_STREAM),
  ...namedEntity('Location', LOCATIONS_STREAM),
  entry('AdditionalFieldDefined', ADDITIONAL_FIELDS_STREAM, 'An additional customer field was defined.', js.object({ name: js.string(), definition, at })),
  entry(
    'AdditionalFieldChanged',
    ADDITIONAL_FIELDS_STREAM,
    'An additional field definition changed (never its name or type).',
    js.object({ name: js.string(), changes: js.changes(['label', 'required', 'unique', 'options', 'min', 'max', 'default', 'showInCreateForm', 'showInList', 'appliesTo']), at }),
  ),
  entry('AdditionalFieldRemoved', ADDITIONAL_FIELDS_STREAM, 'An additional field definition was removed (customers keep their past values in history).', js.object({ name: js.string(), definition, at })),
  entry(
    'CustomerSettingsChanged',
    CUSTOMER_SETTINGS_STREAM,
    'Customer settings changed: login / password patterns, lengths and charsets, account number length and prefix, PIN length; the switches of the billing-driven rules (automatic blocking, deactivation, prepaid blocking; per partner in automationByPartner).',
    js.object({ changes: js.changes(Object.keys(DEFAULT_CUSTOMER_SETTINGS)), at }),
  ),
];
