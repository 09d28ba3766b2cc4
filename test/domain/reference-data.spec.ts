import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_CUSTOMER_SETTINGS,
  activeIds,
  additionalFieldDefinitionsDecider,
  customerSettingsDecider,
  definitionList,
  locationsDecider,
  partnersDecider,
  type AdditionalFieldDefinition,
  type NamedEntityContext,
  type PartnerEvent,
} from '../../src/reference-data/domain/index.js';
import { fold } from '../../src/customers/domain/index.js';
import { specFor } from './given-when-then.js';

const NOW = '2025-03-01T10:00:00.000Z';
const partners = specFor(partnersDecider, (): NamedEntityContext => ({ now: NOW }));
const locations = specFor(locationsDecider, (): NamedEntityContext => ({ now: NOW }));
const fields = specFor(additionalFieldDefinitionsDecider, () => ({ now: NOW }));
const settings = specFor(customerSettingsDecider, () => ({ now: NOW }));

const partnerCreated = (id: number, name: string): PartnerEvent => ({ type: 'PartnerCreated', data: { id, name, at: NOW } });

describe('partners', () => {
  it('creates partners with sequential ids', () => {
    partners.given([]).when({ type: 'CreatePartner', data: { name: ' Main ' } }).then([partnerCreated(1, 'Main')]);
    partners.given([partnerCreated(1, 'Main')]).when({ type: 'CreatePartner', data: { name: 'Reseller B' } }).then([partnerCreated(2, 'Reseller B')]);
  });

  it('requires a name and refuses a name already taken (case-insensitive)', () => {
    partners.given([]).when({ type: 'CreatePartner', data: { name: '' } }).thenInvalid({ field: 'name', rule: 'required' });
    partners.given([]).when({ type: 'CreatePartner', data: { name: 'x'.repeat(129) } }).thenInvalid({ field: 'name', rule: 'maxLength' });
    partners.given([partnerCreated(1, 'Main')]).when({ type: 'CreatePartner', data: { name: 'MAIN' } }).thenRefused('partner.name_taken');
  });

  it('renames, with before and after; nothing when the name is the same', () => {
    partners
      .given([partnerCreated(1, 'Main')])
      .when({ type: 'RenamePartner', data: { id: 1, name: 'Head office' } })
      .then([{ type: 'PartnerRenamed', data: { id: 1, name: 'Head office', changes: [{ field: 'name', from: 'Main', to: 'Head office' }], at: NOW } }]);
    partners.given([partnerCreated(1, 'Main')]).when({ type: 'RenamePartner', data: { id: 1, name: 'Main' } }).thenNothingHappened();
    partners.given([partnerCreated(1, 'Main'), partnerCreated(2, 'B')]).when({ type: 'RenamePartner', data: { id: 2, name: 'main' } }).thenRefused('partner.name_taken');
    partners.given([]).when({ type: 'RenamePartner', data: { id: 1, name: 'X' } }).thenRefused('partner.not_found');
  });

  it('deletes an unused partner; refuses one still used by customers, an unknown one and a second delete', () => {
    partners.given([partnerCreated(1, 'Main')]).when({ type: 'DeletePartner', data: { id: 1 } }).then([{ type: 'PartnerDeleted', data: { id: 1, name: 'Main', at: NOW } }]);
    partners.given([partnerCreated(1, 'Main')]).when({ type: 'DeletePartner', data: { id: 1 } }, { customersReferencing: 3 }).thenRefused('partner.in_use', /3 customer/);
    partners.given([]).when({ type: 'DeletePartner', data: { id: 9 } }).thenRefused('partner.not_found');
    const deleted: PartnerEvent = { type: 'PartnerDeleted', data: { id: 1, name: 'Main', at: NOW } };
    partners.given([partnerCreated(1, 'Main'), deleted]).when({ type: 'DeletePartner', data: { id: 1 } }).thenRefused('partner.not_found');
  });

  it('never reuses an id and frees the name of a deleted partner; activeIds feeds the customer context', () => {
    const history: PartnerEvent[] = [partnerCreated(1, 'Main'), partnerCreated(2, 'B'), { type: 'PartnerDeleted', data: { id: 2, name: 'B', at: NOW } }];
    partners.given(history).when({ type: 'CreatePartner', data: { name: 'B' } }).then([partnerCreated(3, 'B')]);
    expect(activeIds(fold(partnersDecider, history))).toEqual([1]);
  });
});

describe('locations (same decider, own events and rule codes)', () => {
  it('creates, renames and deletes', () => {
    locations.given([]).when({ type: 'CreateLocation', data: { name: 'Cape Town' } }).then([{ type: 'LocationCreated', data: { id: 1, name: 'Cape Town', at: NOW } }]);
    const history = [{ type: 'LocationCreated' as const, data: { id: 1, name: 'Cape Town', at: NOW } }];
    locations
      .given(history)
      .when({ type: 'RenameLocation', data: { id: 1, name: 'CPT' } })
      .then([{ type: 'LocationRenamed', data: { id: 1, name: 'CPT', changes: [{ field: 'name', from: 'Cape Town', to: 'CPT' }], at: NOW } }]);
    locations.given(history).when({ type: 'DeleteLocation', data: { id: 1 } }).then([{ type: 'LocationDeleted', data: { id: 1, name: 'Cape Town', at: NOW } }]);
    locations.given([]).when({ type: 'RenameLocation', data: { id: 1, name: 'X' } }).thenRefused('location.not_found');
    locations.given(history).when({ type: 'CreateLocation', data: { name: 'cape town' } }).thenRefused('location.name_taken');
    locations.given(history).when({ type: 'DeleteLocation', data: { id: 1 } }, { customersReferencing: 1 }).thenRefused('location.in_use');
  });
});

describe('additional field definitions', () => {
  const defined = (definition: Partial<AdditionalFieldDefinition> & Pick<AdditionalFieldDefinition, 'name' | 'type'>) => {
    const [event] = fields.given([]).when({ type: 'DefineAdditionalField', data: { label: definition.name, ...definition } }).events();
    return event;
  };

  it('defines a field with defaults for everything optional', () => {
    fields
      .given([])
      .when({ type: 'DefineAdditionalField', data: { name: 'contract_id', label: 'Contract', type: 'string' } })
      .then([
        {
          type: 'AdditionalFieldDefined',
          data: {
            name: 'contract_id',
            at: NOW,
            definition: {
              name: 'contract_id',
              label: 'Contract',
              type: 'string',
              required: false,
              unique: false,
              options: [],
              min: null,
              max: null,
              default: null,
              showInCreateForm: true,
              showInList: false,
              appliesTo: 'all',
            },
          },
        },
      ]);
  });

  it('validates the definition itself', () => {
    fields
      .given([])
      .when({ type: 'DefineAdditionalField', data: { name: 'Bad Name', label: '', type: 'colour' as never, appliesTo: 'aliens' as never } })
      .thenInvalid({ field: 'name', rule: 'format' }, { field: 'label', rule: 'required' }, { field: 'type', rule: 'enum' }, { field: 'appliesTo', rule: 'enum' });
    fields.given([]).when({ type: 'DefineAdditionalField', data: { name: 'plan', label: 'Plan', type: 'select' } }).thenInvalid({ field: 'options', rule: 'required' });
    fields
      .given([])
      .when({ type: 'DefineAdditionalField', data: { name: 'plan', label: 'Plan', type: 'select', options: ['a', 'a'] } })
      .thenInvalid({ field: 'options[1]', rule: 'duplicate' });
    fields
      .given([])
      .when({ type: 'DefineAdditionalField', data: { name: 'vip', label: 'VIP', type: 'boolean', options: ['x'], min: 1 } })
      .thenInvalid({ field: 'options', rule: 'notApplicable' }, { field: 'min', rule: 'notApplicable' });
    fields.given([]).when({ type: 'DefineAdditionalField', data: { name: 'floors', label: 'Floors', type: 'integer', min: 10, max: 1 } }).thenInvalid({ field: 'max', rule: 'range' });
    fields.given([]).when({ type: 'DefineAdditionalField', data: { name: 'code', label: 'Code', type: 'string', min: 1.5 } }).thenInvalid({ field: 'min', rule: 'integer' });
  });

  it('checks the default against the definition', () => {
    fields
      .given([])
      .when({ type: 'DefineAdditionalField', data: { name: 'plan', label: 'Plan', type: 'select', options: ['home'], default: 'office' } })
      .thenInvalid({ field: 'default', rule: 'option' });
    fields.given([]).when({ type: 'DefineAdditionalField', data: { name: 'floors', label: 'Floors', type: 'integer', max: 5, default: 9 } }).thenInvalid({ field: 'default', rule: 'range' });
    fields
      .given([])
      .when({ type: 'DefineAdditionalField', data: { name: 'services', label: 'Services', type: 'multiselect', options: ['tv', 'voip'], default: ['tv'] } })
      .then((events) => expect(events[0].data).toMatchObject({ definition: { default: ['tv'] } }));
  });

  it('refuses a second definition with the same name', () => {
    fields.given([defined({ name: 'vip', type: 'boolean' })]).when({ type: 'DefineAdditionalField', data: { name: 'vip', label: 'VIP', type: 'boolean' } }).thenRefused('additional_field.already_defined');
  });

  it('changes a definition with before/after; nothing when unchanged; type and name are fixed', () => {
    const history = [defined({ name: 'floors', type: 'integer' })];
    fields
      .given(history)
      .when({ type: 'ChangeAdditionalField', data: { name: 'floors', required: true, max: 60, label: 'floors' } })
      .then([
        {
          type: 'AdditionalFieldChanged',
          data: {
            name: 'floors',
            at: NOW,
            changes: [
              { field: 'required', from: false, to: true },
              { field: 'max', from: null, to: 60 },
            ],
          },
        },
      ]);
    fields.given(history).when({ type: 'ChangeAdditionalField', data: { name: 'floors', label: 'floors' } }).thenNothingHappened();
    fields.given(history).when({ type: 'ChangeAdditionalField', data: { name: 'floors', type: 'string' } as never }).thenRefused('additional_field.type_immutable');
    fields.given(history).when({ type: 'ChangeAdditionalField', data: { name: 'floors', min: 5, max: 2 } }).thenInvalid({ field: 'max', rule: 'range' });
    fields.given(history).when({ type: 'ChangeAdditionalField', data: { name: 'nope', label: 'x' } }).thenRefused('additional_field.not_found');
  });

  it('removes a definition; definitionList feeds the customer context', () => {
    const history = [defined({ name: 'floors', type: 'integer' }), defined({ name: 'vip', type: 'boolean' })];
    const state = fields.given(history).when({ type: 'RemoveAdditionalField', data: { name: 'floors' } }).stateAfter();
    expect(definitionList(state).map((definition) => definition.name)).toEqual(['vip']);
    fields.given([]).when({ type: 'RemoveAdditionalField', data: { name: 'floors' } }).thenRefused('additional_field.not_found');
    const changed = fields.given(history).when({ type: 'ChangeAdditionalField', data: { name: 'vip', showInList: true } }).stateAfter();
    expect(changed.definitions.vip.showInList).toBe(true);
  });
});

describe('customer settings', () => {
  it('starts from the defaults: login {id}, account number 10 digits, PIN 6', () => {
    expect(customerSettingsDecider.initialState.settings).toMatchObject({ loginPattern: '{id}', accountNumberLength: 10, accountNumberPrefix: '', pinLength: 6 });
    expect(DEFAULT_CUSTOMER_SETTINGS.passwordLength).toBeGreaterThanOrEqual(8);
  });

  it('changes settings with before/after; nothing when unchanged', () => {
    settings
      .given([])
      .when({ type: 'ChangeCustomerSettings', data: { loginPattern: 'c{year}{rand_number:4}', accountNumberPrefix: '7', pinLength: 6 } })
      .then([
        {
          type: 'CustomerSettingsChanged',
          data: {
            at: NOW,
            changes: [
              { field: 'loginPattern', from: '{id}', to: 'c{year}{rand_number:4}' },
              { field: 'accountNumberPrefix', from: '', to: '7' },
            ],
          },
        },
      ]);
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { pinLength: 6 } }).thenNothingHappened();
    const state = settings.given([]).when({ type: 'ChangeCustomerSettings', data: { pinLength: 8 } }).stateAfter();
    expect(state).toMatchObject({ settings: { pinLength: 8 }, changedAt: NOW });
  });

  it('validates patterns, lengths and charsets', () => {
    settings
      .given([])
      .when({
        type: 'ChangeCustomerSettings',
        data: { loginPattern: '{email}', passwordLength: 6, accountNumberLength: 30, pinLength: 2, passwordCharset: 'a', accountNumberPrefix: 'A1' },
      })
      .thenInvalid(
        { field: 'loginPattern', rule: 'pattern' },
        { field: 'passwordLength', rule: 'range' },
        { field: 'accountNumberLength', rule: 'range' },
        { field: 'pinLength', rule: 'range' },
        { field: 'passwordCharset', rule: 'minLength' },
        { field: 'accountNumberPrefix', rule: 'format' },
      );
  });

  it('refuses patterns that would give every customer the same login or a predictable password', () => {
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { loginPattern: 'customer' } }).thenInvalid({ field: 'loginPattern', rule: 'variablePart' });
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { passwordPattern: 'pw{year}' } }).thenInvalid({ field: 'passwordPattern', rule: 'randomPart' });
  });

  it('refuses a password pattern and charset that can never satisfy the policy (letter and digit)', () => {
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { passwordCharset: 'abcdef' } }).thenInvalid({ field: 'passwordCharset', rule: 'policy' });
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { passwordPattern: 'x{rand_number}', passwordCharset: 'ab' } }).then((events) => expect(events).toHaveLength(1));
  });

  it('refuses a prefix as long as the account number and unknown settings', () => {
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { accountNumberLength: 4, accountNumberPrefix: '1234' } }).thenInvalid({ field: 'accountNumberPrefix', rule: 'maxLength' });
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { theme: 'dark' } as never }).thenInvalid({ field: 'theme', rule: 'unknownField' });
  });
});
