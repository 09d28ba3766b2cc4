import { describe, expect, it } from '@jest/globals';
import { CUSTOMER_RULES, type CustomerEvent } from '../../src/customers/domain/index.js';
import { CUSTOMER_ID, DEFINITIONS, NOW, baseContext, created, customerSpec, minimalInput } from './fixtures.js';

const create = (data: Record<string, unknown>) => ({ type: 'CreateCustomer' as const, data: { ...minimalInput, ...data } as typeof minimalInput });

describe('CreateCustomer', () => {
  it('creates a New customer with defaults, credentials from the context and no plain password', () => {
    const [event] = customerSpec.given([]).when(create({})).then((events) => expect(events).toHaveLength(1));
    expect(event).toEqual({
      type: 'CustomerCreated',
      data: {
        customerId: CUSTOMER_ID,
        at: NOW,
        login: 'jdoe',
        passwordCiphertext: 'v1:cipher',
        status: 'new',
        billingType: 'recurring',
        category: 'person',
        fullName: 'John Doe',
        emails: [],
        billingEmails: [],
        phones: [],
        partnerId: 1,
        locationId: 10,
        street: null,
        street2: null,
        zipCode: null,
        city: null,
        geo: null,
        dateOfBirth: null,
        identification: null,
        companyId: null,
        vatId: null,
        contactPerson: null,
        dateAdded: '2025-03-01',
        labels: [],
        additionalFields: {},
        voip: {
          accountNumber: '4000000001',
          pinCiphertext: 'v1:pin-cipher',
          resellerId: null,
          expiryDate: null,
          validDays: null,
          firstUsedAt: null,
          concurrentCalls: 0,
          cps: 0,
          localCalls: false,
          localCallChargePerMinute: 0,
          recording: false,
          ipManagement: false,
          notifications: true,
          paymentGatewayPermission: false,
          currency: null,
          timezone: null,
          country: null,
          province: null,
          lowCreditNotificationEmail: null,
        },
        billing: {
          accountType: 'prepaid',
          creditLimit: null,
          rateGroup: null,
          schedule: 'monthly',
          billingDay: 1,
          paymentDueDays: 15,
          blockingPeriodDays: null,
          gracePeriodDays: 10,
          minimumBalance: 0,
          taxes: [],
          taxNumber: null,
          invoiceNote: null,
          reference: null,
          paymentMethod: null,
        },
      },
    });
    expect(JSON.stringify(event)).not.toMatch(/password"/);
  });

  it('normalises values: trims, drops duplicates, upper-cases codes, derives the expiry from valid days', () => {
    const [event] = customerSpec
      .given([])
      .when(
        create({
          fullName: '  Jane Roe ',
          emails: ['jane@example.com', 'JANE@example.com', 'ops@example.org'],
          phones: ['+27 82 555-1234', '+27 82 555-1234'],
          street: '',
          labels: ['vip', 'vip', 'fibre'],
          voip: { currency: 'zar', country: 'za', timezone: 'Africa/Johannesburg', validDays: 30 },
        }),
      )
      .events();
    const data = (event as Extract<CustomerEvent, { type: 'CustomerCreated' }>).data;
    expect(data.fullName).toBe('Jane Roe');
    expect(data.emails).toEqual(['jane@example.com', 'ops@example.org']);
    expect(data.phones).toEqual(['+27 82 555-1234']);
    expect(data.street).toBeNull();
    expect(data.labels).toEqual(['vip', 'fibre']);
    expect(data.voip).toMatchObject({ currency: 'ZAR', country: 'ZA', timezone: 'Africa/Johannesburg', validDays: 30, expiryDate: '2025-03-31T10:00:00.000Z' });
  });

  it('creates a company with its own fields, and postpaid gets a credit limit of 0 by default', () => {
    const [event] = customerSpec
      .given([])
      .when(create({ category: 'company', companyId: 'REG-1', vatId: 'VAT-9', contactPerson: 'Ann', billing: { accountType: 'postpaid' } }))
      .events();
    expect((event as Extract<CustomerEvent, { type: 'CustomerCreated' }>).data).toMatchObject({
      category: 'company',
      companyId: 'REG-1',
      vatId: 'VAT-9',
      contactPerson: 'Ann',
      billing: { accountType: 'postpaid', creditLimit: 0 },
    });
  });

  it('accepts a credit limit on postpaid', () => {
    customerSpec
      .given([])
      .when(create({ billing: { accountType: 'postpaid', creditLimit: 500 } }))
      .then((events) => expect(events[0].data).toMatchObject({ billing: { creditLimit: 500 } }));
  });

  it('refuses a credit limit on prepaid', () => {
    customerSpec.given([]).when(create({ billing: { creditLimit: 100 } })).thenRefused(CUSTOMER_RULES.creditLimitRequiresPostpaid);
    customerSpec.given([]).when(create({ billing: { accountType: 'prepaid', creditLimit: 0 } })).thenRefused('customer.billing.credit_limit_requires_postpaid');
  });

  it('refuses an unknown partner or location', () => {
    customerSpec.given([]).when(create({ partnerId: 99 })).thenRefused('customer.partner.unknown', /99/);
    customerSpec.given([]).when(create({ locationId: 99 })).thenRefused('customer.location.unknown', /99/);
  });

  it('refuses to create on a stream that already holds a customer', () => {
    customerSpec.given([created()]).when(create({})).thenRefused('customer.already_exists');
  });

  it('requires the full name, partner and location', () => {
    customerSpec
      .given([])
      .when({ type: 'CreateCustomer', data: {} as typeof minimalInput })
      .thenInvalid({ field: 'fullName', rule: 'required' }, { field: 'partnerId', rule: 'required' }, { field: 'locationId', rule: 'required' });
  });

  it('names each invalid field and the rule it broke, all at once', () => {
    const errors = customerSpec
      .given([])
      .when(
        create({
          category: 'robot',
          billingType: 'weekly',
          emails: ['ok@example.com', 'not-an-email'],
          billingEmails: ['x@'],
          phones: ['+1 555 0100', '555-CALL-NOW', '++123'],
          geo: { lat: 91, lng: -181 },
          dateOfBirth: '2025-02-30',
          dateAdded: 'yesterday',
          labels: [''],
          voip: {
            concurrentCalls: -1,
            cps: 1.5,
            localCallChargePerMinute: -0.01,
            currency: 'EURO',
            country: 'ZAF',
            timezone: 'Mars/Olympus',
            lowCreditNotificationEmail: 'nope',
            expiryDate: '2025-13-01',
            localCalls: 'yes',
          },
          billing: { billingDay: 29, schedule: 'weekly', invoiceNote: 'x'.repeat(111), paymentMethod: 'gold', blockingPeriodDays: 100, gracePeriodDays: 0 },
        } as never),
      )
      .thenInvalid(
        { field: 'category', rule: 'enum' },
        { field: 'billingType', rule: 'enum' },
        { field: 'emails[1]', rule: 'email' },
        { field: 'billingEmails[0]', rule: 'email' },
        { field: 'phones[1]', rule: 'phone' },
        { field: 'phones[2]', rule: 'phone' },
        { field: 'geo.lat', rule: 'range' },
        { field: 'geo.lng', rule: 'range' },
        { field: 'dateOfBirth', rule: 'date' },
        { field: 'dateAdded', rule: 'date' },
        { field: 'labels[0]', rule: 'required' },
        { field: 'voip.concurrentCalls', rule: 'range' },
        { field: 'voip.cps', rule: 'integer' },
        { field: 'voip.localCallChargePerMinute', rule: 'range' },
        { field: 'voip.currency', rule: 'currency' },
        { field: 'voip.country', rule: 'country' },
        { field: 'voip.timezone', rule: 'timezone' },
        { field: 'voip.lowCreditNotificationEmail', rule: 'email' },
        { field: 'voip.expiryDate', rule: 'dateTime' },
        { field: 'voip.localCalls', rule: 'type' },
        { field: 'billing.billingDay', rule: 'range' },
        { field: 'billing.schedule', rule: 'enum' },
        { field: 'billing.invoiceNote', rule: 'maxLength' },
        { field: 'billing.paymentMethod', rule: 'enum' },
        { field: 'billing.blockingPeriodDays', rule: 'range' },
        { field: 'billing.gracePeriodDays', rule: 'range' },
      );
    expect(errors.find((error) => error.field === 'billing.invoiceNote')?.message).toMatch(/110/);
  });

  it('accepts the edges: billing day 1 and 28, 0 concurrent calls (unlimited), geo on the poles and date line', () => {
    for (const billingDay of [1, 28]) {
      customerSpec
        .given([])
        .when(create({ billing: { billingDay }, voip: { concurrentCalls: 0 }, geo: { lat: -90, lng: 180 } }))
        .then((events) => expect(events).toHaveLength(1));
    }
  });

  it('refuses person fields on a company and company fields on a person', () => {
    customerSpec.given([]).when(create({ category: 'company', dateOfBirth: '1980-01-01' })).thenInvalid({ field: 'dateOfBirth', rule: 'notApplicable' });
    customerSpec.given([]).when(create({ category: 'person', vatId: 'VAT-1' })).thenInvalid({ field: 'vatId', rule: 'notApplicable' });
  });

  it('refuses a date of birth in the future', () => {
    customerSpec.given([]).when(create({ dateOfBirth: '2030-01-01' })).thenInvalid({ field: 'dateOfBirth', rule: 'past' });
  });

  it('validates the login and account number it is given in the context', () => {
    customerSpec
      .given([])
      .when(create({}), { creation: { customerId: 5, login: 'bad login!', passwordCiphertext: 'c', accountNumber: '12ab', pinCiphertext: 'c' } })
      .thenInvalid({ field: 'login', rule: 'format' }, { field: 'voip.accountNumber', rule: 'format' });
  });

  it('takes the PIN only sealed: records the ciphertext, never a plain PIN', () => {
    const [event] = customerSpec.given([]).when(create({}), { creation: { ...baseContext().creation!, pinCiphertext: 'v1:sealed-pin' } }).events();
    expect(event.type === 'CustomerCreated' && event.data.voip.pinCiphertext).toBe('v1:sealed-pin');
    expect(event.data).not.toHaveProperty('voip.pin');
    const state = customerSpec.given([]).when(create({}), { creation: { ...baseContext().creation!, pinCiphertext: 'v1:sealed-pin' } }).stateAfter();
    expect(state.exists && state.voip.pinCiphertext).toBe('v1:sealed-pin');
    expect(state.exists && state.voip).not.toHaveProperty('pin');
  });

  it('throws a programming error for a plain PIN in the input or a missing PIN ciphertext', () => {
    expect(() => customerSpec.given([]).when(create({ voip: { pin: '123456' } as never })).events()).toThrow(/plain PIN/);
    expect(() => customerSpec.given([]).when(create({}), { creation: { ...baseContext().creation!, pinCiphertext: '' } }).events()).toThrow(/pinCiphertext/);
  });

  it('refuses fields it does not know, and a status on create', () => {
    customerSpec
      .given([])
      .when(create({ colour: 'blue', status: 'active', voip: { warp: 9 } }))
      .thenInvalid({ field: 'colour', rule: 'unknownField' }, { field: 'status', rule: 'readOnly' }, { field: 'voip.warp', rule: 'unknownField' });
  });

  it('throws a programming error when the application layer forgot the creation context or the known ids', () => {
    expect(() => customerSpec.given([]).when(create({}), { creation: undefined }).events()).toThrow(/context.creation/);
    expect(() => customerSpec.given([]).when(create({}), { knownPartnerIds: undefined }).events()).toThrow(/knownPartnerIds/);
    expect(() => customerSpec.given([]).when(create({}), { now: 'not a time' }).events()).toThrow(/context.now/);
  });

  describe('additional fields on create', () => {
    const withDefinitions = { additionalFieldDefinitions: DEFINITIONS };

    it('stores valid values, applies defaults and requires the required ones', () => {
      customerSpec
        .given([])
        .when(
          create({
            additionalFields: {
              contract_id: ' C-1 ',
              floors: 3,
              vip: true,
              contract_date: '2025-01-31',
              installed_at: '2025-01-31T08:00:00+02:00',
              plan: 'home',
              services: ['voip', 'internet', 'voip'],
              nickname: 'JD',
            },
          }),
          withDefinitions,
        )
        .then((events) =>
          expect(events[0].data).toMatchObject({
            additionalFields: {
              contract_id: 'C-1',
              floors: 3,
              discount: 0,
              vip: true,
              contract_date: '2025-01-31',
              installed_at: '2025-01-31T06:00:00.000Z',
              plan: 'home',
              services: ['voip', 'internet'],
              nickname: 'JD',
            },
          }),
        );
    });

    it('requires a required field that applies to the category (person: contract_id; company: also company_size)', () => {
      customerSpec.given([]).when(create({}), withDefinitions).thenInvalid({ field: 'additionalFields.contract_id', rule: 'required' });
      const errors = customerSpec.given([]).when(create({ category: 'company', additionalFields: { contract_id: 'C' } }), withDefinitions).thenInvalid({
        field: 'additionalFields.company_size',
        rule: 'required',
      });
      expect(errors).toHaveLength(1);
    });

    it('refuses unknown fields, wrong types, options out of the list, out-of-range values and other-category fields', () => {
      customerSpec
        .given([])
        .when(
          create({
            additionalFields: {
              contract_id: 'TOO-LONG-CONTRACT',
              floors: 2.5,
              discount: 150,
              vip: 'yes',
              contract_date: '31/01/2025',
              installed_at: '2025-01-31T08:00:00',
              plan: 'enterprise',
              services: ['internet', 'radio'],
              company_size: 10,
              shoe_size: 44,
            },
          }),
          withDefinitions,
        )
        .thenInvalid(
          { field: 'additionalFields.contract_id', rule: 'maxLength' },
          { field: 'additionalFields.floors', rule: 'integer' },
          { field: 'additionalFields.discount', rule: 'range' },
          { field: 'additionalFields.vip', rule: 'type' },
          { field: 'additionalFields.contract_date', rule: 'date' },
          { field: 'additionalFields.installed_at', rule: 'dateTime' },
          { field: 'additionalFields.plan', rule: 'option' },
          { field: 'additionalFields.services', rule: 'option' },
          { field: 'additionalFields.company_size', rule: 'notApplicable' },
          { field: 'additionalFields.shoe_size', rule: 'unknownField' },
        );
    });

    it('refuses any value when no definitions are given', () => {
      customerSpec.given([]).when(create({ additionalFields: { anything: 1 } })).thenInvalid({ field: 'additionalFields.anything', rule: 'unknownField' });
    });
  });

  it('uses the context time for dateAdded and keeps an explicit one', () => {
    customerSpec.given([]).when(create({ dateAdded: '2024-12-24' })).then((events) => expect(events[0].data).toMatchObject({ dateAdded: '2024-12-24' }));
    customerSpec
      .given([])
      .when(create({}), { ...baseContext(), now: '2026-07-04T23:59:59.000Z' })
      .then((events) => expect(events[0].data).toMatchObject({ dateAdded: '2026-07-04' }));
  });
});
