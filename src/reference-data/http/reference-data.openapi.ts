/** OpenAPI schemas of the reference data answers: partners, locations, additional fields, customer settings. */
import { namedSchema, oa, page, written } from '../../common/openapi/schema.js';
import { ADDITIONAL_FIELD_VALUE_SCHEMA } from '../../common/openapi/shared-schemas.js';
import type { CustomerSettingsView, ReferenceEntityView } from '../application/reference-data.commands.js';
import { CUSTOMER_ACTIONS, ADDITIONAL_FIELD_SCOPES, ADDITIONAL_FIELD_TYPES, ERASURE_REQUIREMENTS, type AdditionalFieldDefinition } from '../domain/index.js';
import type { NamedEntityItem } from '../queries/reference-data.queries.js';

const namedEntity = (kind: string) =>
  oa.object<ReferenceEntityView>({
    id: oa.integer({ minimum: 1 }),
    name: oa.string(),
    deleted: oa.boolean(),
    createdAt: oa.dateTime(),
  }, { description: `The ${kind} as written` });

const namedEntityItem = (kind: string) =>
  oa.object<NamedEntityItem>({
    id: oa.integer({ minimum: 1 }),
    name: oa.string(),
    deleted: oa.boolean(),
    createdAt: oa.dateTime(),
    updatedAt: oa.dateTime(),
    customers: oa.integer({ description: `Customers (not deleted) of this ${kind} you may see`, minimum: 0 }),
  });

export const PARTNER_SCHEMA = namedSchema('Partner', namedEntityItem('partner'));
export const PARTNER_LIST_SCHEMA = namedSchema('PartnerList', page(PARTNER_SCHEMA, { description: 'Every partner you may see, in one page' }));
export const PARTNER_WRITTEN_SCHEMA = namedSchema('PartnerWritten', written(namedEntity('partner'), 'the partners stream'));
export const LOCATION_SCHEMA = namedSchema('Location', namedEntityItem('location'));
export const LOCATION_LIST_SCHEMA = namedSchema('LocationList', page(LOCATION_SCHEMA, { description: 'Every location, in one page' }));
export const LOCATION_WRITTEN_SCHEMA = namedSchema('LocationWritten', written(namedEntity('location'), 'the locations stream'));

export const ADDITIONAL_FIELD_SCHEMA = namedSchema(
  'AdditionalField',
  oa.object<AdditionalFieldDefinition>({
    name: oa.string({ description: 'Key in a customer\'s additionalFields; immutable', pattern: '^[a-z][a-z0-9_]*$', example: 'contract_id' }),
    label: oa.string({ example: 'Contract' }),
    type: oa.enum(ADDITIONAL_FIELD_TYPES, 'Immutable once defined'),
    required: oa.boolean(),
    unique: oa.boolean('No two customers share a value'),
    options: oa.array(oa.string(), { description: 'select / multiselect: the allowed values' }),
    min: oa.nullable(oa.number({ description: 'string: shortest length; integer / decimal: smallest value' })),
    max: oa.nullable(oa.number({ description: 'string: longest length; integer / decimal: largest value' })),
    default: oa.nullable(ADDITIONAL_FIELD_VALUE_SCHEMA),
    showInCreateForm: oa.boolean(),
    showInList: oa.boolean('Listed in GET /customers items'),
    appliesTo: oa.enum(ADDITIONAL_FIELD_SCOPES),
  }),
);

export const ADDITIONAL_FIELD_LIST_SCHEMA = namedSchema('AdditionalFieldList', page(ADDITIONAL_FIELD_SCHEMA, { description: 'In definition order, in one page' }));
export const ADDITIONAL_FIELD_WRITTEN_SCHEMA = namedSchema('AdditionalFieldWritten', written(ADDITIONAL_FIELD_SCHEMA, 'the definitions stream'));
export const ADDITIONAL_FIELD_REMOVED_SCHEMA = namedSchema(
  'AdditionalFieldRemoved',
  written(oa.allOf(ADDITIONAL_FIELD_SCHEMA, oa.object<{ removed: true }>({ removed: { type: 'boolean', enum: [true] } })), 'the definitions stream'),
);

export const CUSTOMER_SETTINGS_SCHEMA = namedSchema(
  'CustomerSettings',
  oa.object<CustomerSettingsView>({
    loginPattern: oa.string({ description: 'Pattern of generated logins' }),
    loginLength: oa.integer({ minimum: 1 }),
    loginCharset: oa.string(),
    passwordPattern: oa.string({ description: 'Pattern of generated portal passwords' }),
    passwordLength: oa.integer({ minimum: 1 }),
    passwordCharset: oa.string(),
    accountNumberLength: oa.integer({ minimum: 1 }),
    accountNumberPrefix: oa.string(),
    pinLength: oa.integer({ minimum: 1, description: 'Digits of a VoIP PIN' }),
    erasureRequires: oa.enum(ERASURE_REQUIREMENTS, 'What POST /customers/{id}/erase requires besides a zero balance: nothing more, an Inactive customer, or a deleted one'),
    automaticBlocking: oa.boolean(
      'Recurring customers: Blocked when the balance stays below the minimum balance (minus the credit limit for postpaid) past payment due + blocking period days; Active again once paid. Default false',
    ),
    automaticDeactivation: oa.boolean('An automatically blocked customer still unpaid after its grace period days becomes Inactive. Default false'),
    prepaidAutomaticBlocking: oa.boolean('Prepaid customers: Blocked when the balance falls below the minimum balance; Active again on a top-up that restores it. Default false'),
    automationByPartner: oa.map(
      oa.object<{ automaticBlocking?: boolean; automaticDeactivation?: boolean; prepaidAutomaticBlocking?: boolean }>(
        { automaticBlocking: oa.boolean(), automaticDeactivation: oa.boolean(), prepaidAutomaticBlocking: oa.boolean() },
        { optional: ['automaticBlocking', 'automaticDeactivation', 'prepaidAutomaticBlocking'] },
      ),
      'Per partner id: the switches that differ from the general ones',
    ),
    reasonRequiredFor: oa.array(oa.enum(CUSTOMER_ACTIONS), { description: 'Customer actions that must carry a `reason` (else 422 reason.required)' }),
    changedAt: oa.nullable(oa.dateTime('When the settings last changed; null while the defaults apply')),
  }),
);

export const CUSTOMER_SETTINGS_WRITTEN_SCHEMA = namedSchema('CustomerSettingsWritten', written(CUSTOMER_SETTINGS_SCHEMA, 'the settings stream'));
