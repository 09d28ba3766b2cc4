import { describe, expect, it } from '@jest/globals';
import { REDACTED, type CustomerEvent, type CustomerPatch } from '../../src/customers/domain/index.js';
import { CUSTOMER_ID, DEFINITIONS, NOW, created, customerSpec, historyTo } from './fixtures.js';

const edit = (data: CustomerPatch | Record<string, unknown>) => ({ type: 'EditCustomer' as const, data: data as CustomerPatch });
const base = { customerId: CUSTOMER_ID, at: NOW };

describe('EditCustomer (PATCH): one event per concern changed', () => {
  const given = () => customerSpec.given([created({ emails: ['a@example.com'], street: 'Old Road 1', labels: ['vip'] })]);

  it('main information', () => {
    given()
      .when(edit({ fullName: 'John Q. Doe', identification: 'P123' }))
      .then([
        {
          type: 'CustomerMainInfoChanged',
          data: {
            ...base,
            changes: [
              { field: 'fullName', from: 'John Doe', to: 'John Q. Doe' },
              { field: 'identification', from: null, to: 'P123' },
            ],
          },
        },
      ]);
  });

  it('contact information', () => {
    given()
      .when(edit({ emails: ['a@example.com', 'b@example.com'], phones: ['+1 555 0100'] }))
      .then([
        {
          type: 'CustomerContactInfoChanged',
          data: {
            ...base,
            changes: [
              { field: 'emails', from: ['a@example.com'], to: ['a@example.com', 'b@example.com'] },
              { field: 'phones', from: [], to: ['+1 555 0100'] },
            ],
          },
        },
      ]);
  });

  it('address and geo', () => {
    given()
      .when(edit({ street: 'New Road 2', geo: { lat: -33.9, lng: 18.4 } }))
      .then([
        {
          type: 'CustomerAddressChanged',
          data: {
            ...base,
            changes: [
              { field: 'street', from: 'Old Road 1', to: 'New Road 2' },
              { field: 'geo', from: null, to: { lat: -33.9, lng: 18.4 } },
            ],
          },
        },
      ]);
  });

  it('VoIP settings, with dotted field names', () => {
    given()
      .when(edit({ voip: { cps: 5, concurrentCalls: 2, currency: 'EUR' } }))
      .then([
        {
          type: 'CustomerVoipSettingsChanged',
          data: {
            ...base,
            changes: [
              { field: 'voip.concurrentCalls', from: 0, to: 2 },
              { field: 'voip.cps', from: 0, to: 5 },
              { field: 'voip.currency', from: null, to: 'EUR' },
            ],
          },
        },
      ]);
  });

  it('billing settings', () => {
    given()
      .when(edit({ billing: { billingDay: 15, invoiceNote: 'Thanks' } }))
      .then([
        {
          type: 'CustomerBillingSettingsChanged',
          data: {
            ...base,
            changes: [
              { field: 'billing.billingDay', from: 1, to: 15 },
              { field: 'billing.invoiceNote', from: null, to: 'Thanks' },
            ],
          },
        },
      ]);
  });

  it('labels, with what was added and removed', () => {
    given()
      .when(edit({ labels: ['fibre'] }))
      .then([{ type: 'CustomerLabelsChanged', data: { ...base, added: ['fibre'], removed: ['vip'], changes: [{ field: 'labels', from: ['vip'], to: ['fibre'] }] } }]);
  });

  it('additional fields', () => {
    customerSpec
      .given([created({ additionalFields: { contract_id: 'C-1', plan: 'home' } }, { additionalFieldDefinitions: DEFINITIONS })])
      .when(edit({ additionalFields: { plan: 'business', floors: 4, vip: null } }), { additionalFieldDefinitions: DEFINITIONS })
      .then([
        {
          type: 'CustomerAdditionalFieldsChanged',
          data: {
            ...base,
            changes: [
              { field: 'additionalFields.plan', from: 'home', to: 'business' },
              { field: 'additionalFields.floors', from: null, to: 4 },
            ],
          },
        },
      ]);
  });

  it('several concerns in one PATCH give one event each, in a fixed order', () => {
    given()
      .when(
        edit({
          additionalFields: {},
          labels: ['vip', 'gold'],
          billing: { paymentMethod: 'debit_order' },
          voip: { recording: true },
          city: 'Cape Town',
          phones: ['0215550100'],
          fullName: 'J. Doe',
        }),
      )
      .then((events) =>
        expect(events.map((event) => event.type)).toEqual([
          'CustomerMainInfoChanged',
          'CustomerContactInfoChanged',
          'CustomerAddressChanged',
          'CustomerVoipSettingsChanged',
          'CustomerBillingSettingsChanged',
          'CustomerLabelsChanged',
        ]),
      );
  });

  it('reports only what changed: unchanged values in the PATCH are left out', () => {
    given()
      .when(edit({ fullName: 'John Doe', city: 'Durban', emails: ['a@example.com'], voip: { cps: 0, notifications: true }, billing: { billingDay: 1 } }))
      .then([{ type: 'CustomerAddressChanged', data: { ...base, changes: [{ field: 'city', from: null, to: 'Durban' }] } }]);
  });

  it('emits nothing when nothing changed (same values, normalised values, same labels in another order, empty PATCH)', () => {
    given().when(edit({})).thenNothingHappened();
    given().when(edit({ fullName: '  John Doe  ', street: 'Old Road 1', street2: '', labels: ['vip', 'vip'] })).thenNothingHappened();
    customerSpec.given([created({ labels: ['a', 'b'] })]).when(edit({ labels: ['b', 'a'] })).thenNothingHappened();
    given().when(edit({ voip: {}, billing: {}, additionalFields: {} })).thenNothingHappened();
  });

  it('clears optional fields with null', () => {
    given()
      .when(edit({ street: null }))
      .then([{ type: 'CustomerAddressChanged', data: { ...base, changes: [{ field: 'street', from: 'Old Road 1', to: null }] } }]);
  });

  it('refuses to clear a required field', () => {
    given().when(edit({ fullName: null, partnerId: null })).thenInvalid({ field: 'fullName', rule: 'required' }, { field: 'partnerId', rule: 'required' });
  });

  it('validation errors name the dotted field and rule; nothing is emitted for the valid parts', () => {
    given()
      .when(edit({ fullName: 'Fine', emails: ['bad'], voip: { cps: -1 }, billing: { billingDay: 31 } }))
      .thenInvalid({ field: 'emails[0]', rule: 'email' }, { field: 'voip.cps', rule: 'range' }, { field: 'billing.billingDay', rule: 'range' });
  });

  it('refuses status, billing type, id and unknown fields in a PATCH', () => {
    given()
      .when(edit({ status: 'active', billingType: 'prepaid_daily', id: 5, favourite: true, voip: { colour: 'red' }, billing: { discount: 5 } }))
      .thenInvalid(
        { field: 'status', rule: 'readOnly' },
        { field: 'billingType', rule: 'readOnly' },
        { field: 'id', rule: 'readOnly' },
        { field: 'favourite', rule: 'unknownField' },
        { field: 'voip.colour', rule: 'unknownField' },
        { field: 'billing.discount', rule: 'unknownField' },
      );
  });
});

describe('EditCustomer: rules', () => {
  it('refuses a change of the VoIP account number (read-only)', () => {
    customerSpec.given(historyTo('active')).when(edit({ voip: { accountNumber: '4000000002' } })).thenRefused('customer.voip.account_number_read_only');
  });

  it('accepts the unchanged account number in a PATCH', () => {
    customerSpec.given(historyTo('active')).when(edit({ voip: { accountNumber: '4000000001' } })).thenNothingHappened();
  });

  it('refuses a credit limit on a prepaid account', () => {
    customerSpec.given(historyTo('active')).when(edit({ billing: { creditLimit: 100 } })).thenRefused('customer.billing.credit_limit_requires_postpaid');
  });

  it('refuses a credit limit when the same PATCH makes the account prepaid', () => {
    customerSpec
      .given([created({ billing: { accountType: 'postpaid', creditLimit: 100 } })])
      .when(edit({ billing: { accountType: 'prepaid', creditLimit: 50 } }))
      .thenRefused('customer.billing.credit_limit_requires_postpaid');
  });

  it('accepts a credit limit when the same PATCH makes the account postpaid', () => {
    customerSpec
      .given(historyTo('active'))
      .when(edit({ billing: { accountType: 'postpaid', creditLimit: 250 } }))
      .then([
        {
          type: 'CustomerBillingSettingsChanged',
          data: {
            ...base,
            changes: [
              { field: 'billing.accountType', from: 'prepaid', to: 'postpaid' },
              { field: 'billing.creditLimit', from: null, to: 250 },
            ],
          },
        },
      ]);
  });

  it('clears the credit limit when a postpaid account becomes prepaid, and says so', () => {
    customerSpec
      .given([created({ billing: { accountType: 'postpaid', creditLimit: 100 } })])
      .when(edit({ billing: { accountType: 'prepaid' } }))
      .then([
        {
          type: 'CustomerBillingSettingsChanged',
          data: {
            ...base,
            changes: [
              { field: 'billing.accountType', from: 'postpaid', to: 'prepaid' },
              { field: 'billing.creditLimit', from: 100, to: null },
            ],
          },
        },
      ]);
  });

  it('refuses an unknown partner or location, and needs no known ids when they do not change', () => {
    customerSpec.given(historyTo('active')).when(edit({ partnerId: 7 })).thenRefused('customer.partner.unknown');
    customerSpec.given(historyTo('active')).when(edit({ locationId: 70 })).thenRefused('customer.location.unknown');
    customerSpec
      .given(historyTo('active'))
      .when(edit({ partnerId: 2, locationId: 11 }))
      .then([
        {
          type: 'CustomerMainInfoChanged',
          data: {
            ...base,
            changes: [
              { field: 'partnerId', from: 1, to: 2 },
              { field: 'locationId', from: 10, to: 11 },
            ],
          },
        },
      ]);
    customerSpec.given(historyTo('active')).when(edit({ partnerId: 1, fullName: 'Z' }), { knownPartnerIds: undefined, knownLocationIds: undefined }).then((events) => expect(events).toHaveLength(1));
  });

  it('switching person → company clears the person fields and accepts company fields in the same PATCH', () => {
    customerSpec
      .given([created({ dateOfBirth: '1980-05-05', identification: 'ID-1' })])
      .when(edit({ category: 'company', vatId: 'VAT-1' }))
      .then([
        {
          type: 'CustomerMainInfoChanged',
          data: {
            ...base,
            changes: [
              { field: 'category', from: 'person', to: 'company' },
              { field: 'dateOfBirth', from: '1980-05-05', to: null },
              { field: 'identification', from: 'ID-1', to: null },
              { field: 'vatId', from: null, to: 'VAT-1' },
            ],
          },
        },
      ]);
  });

  it('refuses company fields on a person (and the reverse)', () => {
    customerSpec.given(historyTo('new')).when(edit({ companyId: 'C-1' })).thenInvalid({ field: 'companyId', rule: 'notApplicable' });
    customerSpec.given([created({ category: 'company' })]).when(edit({ dateOfBirth: '1990-01-01' })).thenInvalid({ field: 'dateOfBirth', rule: 'notApplicable' });
  });

  it('changes the PIN sealed: the patch says only that it changes, the event carries the ciphertext from the context', () => {
    customerSpec
      .given(historyTo('active'))
      .when(edit({ voip: { pinChanged: true } }), { pinCiphertext: 'v1:sealed-654321' })
      .then([{ type: 'CustomerVoipSettingsChanged', data: { ...base, changes: [{ field: 'voip.pin', from: REDACTED, to: REDACTED }], pinCiphertext: 'v1:sealed-654321' } }]);
    const state = customerSpec.given(historyTo('active')).when(edit({ voip: { pinChanged: true } }), { pinCiphertext: 'v1:sealed-654321' }).stateAfter();
    expect(state.exists && state.voip.pinCiphertext).toBe('v1:sealed-654321');
  });

  it('reports the PIN change first, with the other VoIP changes in the same event', () => {
    customerSpec
      .given(historyTo('active'))
      .when(edit({ voip: { cps: 4, pinChanged: true } }), { pinCiphertext: 'v1:sealed' })
      .then([
        {
          type: 'CustomerVoipSettingsChanged',
          data: { ...base, changes: [{ field: 'voip.pin', from: REDACTED, to: REDACTED }, { field: 'voip.cps', from: 0, to: 4 }], pinCiphertext: 'v1:sealed' },
        },
      ]);
  });

  it('records no ciphertext when the PIN does not change (context.pinCiphertext alone changes nothing)', () => {
    customerSpec.given(historyTo('active')).when(edit({ voip: { cps: 2 } }), { pinCiphertext: 'v1:sealed' }).then([
      { type: 'CustomerVoipSettingsChanged', data: { ...base, changes: [{ field: 'voip.cps', from: 0, to: 2 }] } },
    ]);
    customerSpec.given(historyTo('active')).when(edit({ voip: {} }), { pinCiphertext: 'v1:sealed' }).thenNothingHappened();
  });

  it('refuses pinChanged other than true; a plain PIN or a missing ciphertext is a programming error', () => {
    customerSpec.given(historyTo('active')).when(edit({ voip: { pinChanged: 'yes' } })).thenInvalid({ field: 'voip.pinChanged', rule: 'type' });
    expect(() => customerSpec.given(historyTo('active')).when(edit({ voip: { pin: '654321' } })).events()).toThrow(/plain PIN/);
    expect(() => customerSpec.given(historyTo('active')).when(edit({ voip: { pinChanged: true } }), { pinCiphertext: undefined }).events()).toThrow(/pinCiphertext/);
  });

  it('can change the login (uniqueness is reserved by the application layer)', () => {
    customerSpec
      .given(historyTo('active'))
      .when(edit({ login: 'john.doe' }))
      .then([{ type: 'CustomerMainInfoChanged', data: { ...base, changes: [{ field: 'login', from: 'jdoe', to: 'john.doe' }] } }]);
  });
});

describe('additional fields on edit and SetAdditionalFields', () => {
  const history = () => [created({ additionalFields: { contract_id: 'C-1' } }, { additionalFieldDefinitions: DEFINITIONS })];
  const ctx = { additionalFieldDefinitions: DEFINITIONS };

  it('merges values; null clears', () => {
    const state = customerSpec
      .given(history())
      .when({ type: 'SetAdditionalFields', data: { values: { vip: true, services: ['tv'] } } }, ctx)
      .stateAfter();
    expect(state.exists && state.additionalFields).toEqual({ contract_id: 'C-1', discount: 0, vip: true, services: ['tv'] });
    customerSpec
      .given(history())
      .when({ type: 'SetAdditionalFields', data: { values: { discount: null } } }, ctx)
      .then([{ type: 'CustomerAdditionalFieldsChanged', data: { ...base, changes: [{ field: 'additionalFields.discount', from: 0, to: null }] } }]);
  });

  it('emits nothing when the values are the same', () => {
    customerSpec.given(history()).when({ type: 'SetAdditionalFields', data: { values: { contract_id: 'C-1', discount: 0 } } }, ctx).thenNothingHappened();
  });

  it('refuses clearing a required field, unknown fields, wrong types and bounds', () => {
    customerSpec
      .given(history())
      .when({ type: 'SetAdditionalFields', data: { values: { contract_id: null, colour: 'red', floors: 51, installed_at: 'soon', plan: 'x' } } }, ctx)
      .thenInvalid(
        { field: 'additionalFields.contract_id', rule: 'required' },
        { field: 'additionalFields.colour', rule: 'unknownField' },
        { field: 'additionalFields.floors', rule: 'range' },
        { field: 'additionalFields.installed_at', rule: 'dateTime' },
        { field: 'additionalFields.plan', rule: 'option' },
      );
  });

  it('refuses a value for a field limited to the other category', () => {
    customerSpec.given(history()).when(edit({ additionalFields: { company_size: 5 } }), ctx).thenInvalid({ field: 'additionalFields.company_size', rule: 'notApplicable' });
  });

  it('does not demand on edit a required field added after the customer was created', () => {
    customerSpec.given([created()]).when(edit({ additionalFields: { vip: true } }), ctx).then((events) => expect(events[0].type).toBe('CustomerAdditionalFieldsChanged'));
  });
});

describe('evolve', () => {
  it('folds a PATCH back into the state', () => {
    const state = customerSpec
      .given([created()])
      .when(edit({ fullName: 'New', emails: ['n@example.com'], geo: { lat: 1, lng: 2 }, voip: { cps: 3 }, billing: { taxes: ['VAT'] }, labels: ['x'] }))
      .stateAfter();
    expect(state).toMatchObject({
      fullName: 'New',
      emails: ['n@example.com'],
      geo: { lat: 1, lng: 2 },
      voip: { cps: 3, pinCiphertext: 'v1:pin-cipher' },
      billing: { taxes: ['VAT'] },
      labels: ['x'],
      // created (0) + one event per concern: main, contact, address, voip, billing, labels
      revision: 6,
      updatedAt: NOW,
    });
  });

  it('ignores event types it does not know', () => {
    const history: CustomerEvent[] = [created(), { type: 'SomethingFromTheFuture', data: {} } as unknown as CustomerEvent];
    customerSpec.given(history).when(edit({ fullName: 'Y' })).then((events) => expect(events).toHaveLength(1));
  });
});
