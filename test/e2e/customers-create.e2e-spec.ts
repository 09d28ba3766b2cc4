/**
 * POST /customers through HTTP: the profile, generated and given credentials, the sealed password,
 * uniqueness of login / account number without races, and every refusal leaving no event.
 */
import {
  createCustomer,
  customerStream,
  expectNothingWritten,
  expectProblem,
  fieldRules,
  seedReferenceData,
  startHarness,
  streamEvents,
  uniqueLogin,
  type Harness,
  type Reference,
} from './customers-e2e-support.js';

describe('POST /customers', () => {
  let h: Harness;
  let ref: Reference;
  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Refused creates must not append anything anywhere (no customer stream is started). */
  const refusedCreate = (body: object) => expectNothingWritten(h, 'customer-none', () => h.post('/customers', body));
  const valid = () => ({ fullName: 'Jane Doe', partnerId: ref.partnerId, locationId: ref.locationId });

  describe('creates', () => {
    it('a customer with the whole profile: 201, Location, ETag "0", the view with revision and position, status new', async () => {
      const login = uniqueLogin('jdoe');
      const body = {
        ...valid(),
        login,
        password: 'Secret-pass-42',
        category: 'person',
        billingType: 'prepaid_custom',
        emails: ['jane@example.com', 'JANE@example.com'],
        billingEmails: ['billing@example.com'],
        phones: ['+49 30 1234567'],
        street: ' Main Street 1 ',
        zipCode: '10115',
        city: 'Berlin',
        geo: { lat: 52.52, lng: 13.405 },
        dateOfBirth: '1990-05-17',
        identification: 'P1234567',
        labels: ['vip', 'fiber'],
        voip: { accountNumber: '5000000001', pin: '432109', cps: 5, concurrentCalls: 2, currency: 'eur', timezone: 'Europe/Berlin', country: 'de', lowCreditNotificationEmail: 'alerts@example.com' },
        billing: { accountType: 'postpaid', creditLimit: 100, billingDay: 5, taxes: ['VAT'], invoiceNote: 'Thanks', paymentMethod: 'bank_transfer' },
      };
      const response = await h.post('/customers', body).expect(201);
      const customer = response.body;
      expect(response.headers.location).toBe(`/api/v1/customers/${customer.id}`);
      expect(response.headers.etag).toBe('"0"');
      expect(customer).toMatchObject({
        id: expect.any(Number),
        login,
        status: 'new',
        billingType: 'prepaid_custom',
        category: 'person',
        fullName: 'Jane Doe',
        emails: ['jane@example.com'],
        phones: ['+49 30 1234567'],
        street: 'Main Street 1',
        geo: { lat: 52.52, lng: 13.405 },
        dateOfBirth: '1990-05-17',
        labels: ['vip', 'fiber'],
        revision: 0,
        position: expect.any(String),
        voip: { accountNumber: '5000000001', cps: 5, concurrentCalls: 2, currency: 'EUR', timezone: 'Europe/Berlin', country: 'DE' },
        billing: { accountType: 'postpaid', creditLimit: 100, billingDay: 5, taxes: ['VAT'], paymentMethod: 'bank_transfer' },
      });
      // Secrets are not in the answer.
      expect(JSON.stringify(customer)).not.toContain('Secret-pass-42');
      expect(customer.voip.pin).toBeUndefined();
      expect(customer.password).toBeUndefined();

      const [created] = await streamEvents(h.store, customerStream(customer.id));
      expect(created.type).toBe('CustomerCreated');
      expect(created.position).toBe(customer.position);
      expect(created.metadata).toMatchObject({ actor: { id: expect.any(String), name: expect.any(String), role: expect.any(String) }, correlationId: expect.any(String) });
      // The password and the PIN travel only sealed.
      expect(JSON.stringify(created.data)).not.toContain('Secret-pass-42');
      expect(created.data.passwordCiphertext).toMatch(/^v2\./);
      expect(JSON.stringify(created)).not.toContain('432109');
      expect(created.data.voip).not.toHaveProperty('pin');
      expect((created.data.voip as Record<string, unknown>).pinCiphertext).toMatch(/^v2\./);
      const pin = await h.post(`/customers/${customer.id}/pin/reveal`, {}).expect(200);
      expect(pin.body.pin).toBe('432109');
    });

    it('sequential ids, a generated login / password / account number / PIN when omitted (default settings)', async () => {
      const first = await createCustomer(h, ref);
      const second = await createCustomer(h, ref);
      expect(second.id).toBe(first.id + 1);
      expect(second.login).toBe(String(second.id)); // default login pattern {id}
      expect(second.voip.accountNumber).toMatch(/^[1-9]\d{9}$/);
      const pin = await h.post(`/customers/${second.id}/pin/reveal`, { reason: 'check' }).expect(200);
      expect(pin.body.pin).toMatch(/^\d{6}$/);
      const password = await h.post(`/customers/${second.id}/password/reveal`, { reason: 'check' }).expect(200);
      expect(password.body.password).toHaveLength(12);
      expect(password.body.password).toMatch(/\d/);
      expect(password.body.password).toMatch(/[A-Za-z]/);
    });

    it('a company with its own fields; defaults for what is omitted', async () => {
      const customer = await createCustomer(h, ref, { category: 'company', companyId: 'HRB 1', vatId: 'DE123', contactPerson: 'Max' });
      expect(customer).toMatchObject({ category: 'company', companyId: 'HRB 1', billingType: 'recurring', billing: { accountType: 'prepaid', creditLimit: null } });
    });

    it('the audited reveal records who revealed, and answers the password given on create', async () => {
      const customer = await createCustomer(h, ref, { login: uniqueLogin('rev'), password: 'Another-pass-7' });
      const reveal = await h.post(`/customers/${customer.id}/password/reveal`, { reason: 'customer called' }, { 'X-Correlation-Id': 'corr-reveal-1' }).expect(200);
      expect(reveal.body).toMatchObject({ customerId: customer.id, password: 'Another-pass-7', revision: 1, position: expect.any(String) });
      expect(reveal.headers['cache-control']).toBe('no-store');
      const events = await streamEvents(h.store, customerStream(customer.id));
      expect(events.at(-1)).toMatchObject({ type: 'CustomerPasswordRevealed', data: { reason: 'customer called' }, metadata: { correlationId: 'corr-reveal-1' } });
      expect(JSON.stringify(events.at(-1))).not.toContain('Another-pass-7');
    });
  });

  describe('refuses bad input with 422 naming field and rule, writing nothing', () => {
    it.each([
      ['a missing fullName', { fullName: undefined }, ['fullName:required']],
      ['wrong types', { fullName: 5, partnerId: '1', locationId: 1.5, labels: 'vip', emails: 'a@b.co' }, ['fullName:type', 'partnerId:integer', 'locationId:integer', 'labels:type', 'emails:type']],
      ['nested wrong types', { voip: { cps: 'fast', recording: 'yes' }, billing: { billingDay: '5', creditLimit: 'lots' } }, ['voip.cps:integer', 'voip.recording:type', 'billing.billingDay:integer', 'billing.creditLimit:type']],
      ['unknown fields, top-level and nested', { nickname: 'JD', status: 'active', voip: { speed: 1 }, billing: { discount: 5 } }, ['nickname:unknownField', 'status:unknownField', 'voip.speed:unknownField', 'billing.discount:unknownField']],
      ['invalid emails', { emails: ['jane@example.com', 'not-an-email'], billingEmails: ['x@'], voip: { lowCreditNotificationEmail: 'nope' } }, ['emails:email', 'billingEmails:email', 'voip.lowCreditNotificationEmail:email']],
      ['coordinates out of range', { geo: { lat: 91, lng: -181 } }, ['geo.lat:range', 'geo.lng:range']],
      ['coordinates of the wrong type', { geo: { lat: '52.5', lng: 13 } }, ['geo.lat:type']],
      ['a geo without lng', { geo: { lat: 52.5 } }, ['geo.lng:required']],
      ['too long values', { fullName: 'x'.repeat(256), zipCode: '1'.repeat(17), billing: { invoiceNote: 'n'.repeat(111) }, labels: ['l'.repeat(65)] }, ['fullName:maxLength', 'zipCode:maxLength', 'billing.invoiceNote:maxLength', 'labels:maxLength']],
      ['out-of-range numbers', { voip: { cps: -1, validDays: 40000 }, billing: { billingDay: 29 } }, ['voip.cps:range', 'voip.validDays:range', 'billing.billingDay:range']],
      ['bad codes and dates', { dateOfBirth: '17.05.1990', voip: { currency: 'EURO', country: 'DEU', timezone: 'Mars/Olympus', expiryDate: 'tomorrow' } }, ['dateOfBirth:format', 'voip.currency:format', 'voip.country:format', 'voip.timezone:timezone', 'voip.expiryDate:dateTime']],
      ['bad phones', { phones: ['call me'] }, ['phones:format']],
      ['a login with spaces', { login: 'jane doe' }, ['login:format']],
      ['an account number with letters and a short PIN', { voip: { accountNumber: 'A123', pin: '12' } }, ['voip.accountNumber:format', 'voip.pin:format']],
      ['unknown enum values', { category: 'alien', billingType: 'free', billing: { accountType: 'credit', paymentMethod: 'gold' } }, ['category:enum', 'billingType:enum', 'billing.accountType:enum', 'billing.paymentMethod:enum']],
    ])('%s', async (_label, body, expected) => {
      const response = await refusedCreate({ ...valid(), ...body });
      expectProblem(response, 422, 'request.validation_failed');
      expect(fieldRules(response)).toEqual(expect.arrayContaining(expected));
    });

    it('one message per field and rule, naming the full path: "required" when absent, the type before the range', async () => {
      const response = await refusedCreate({ ...valid(), fullName: undefined, partnerId: '1', voip: { timezone: 'Mars/Olympus' } });
      expectProblem(response, 422, 'request.validation_failed');
      expect(response.body.errors).toEqual([
        { field: 'fullName', rule: 'required', message: 'fullName is required' },
        { field: 'partnerId', rule: 'integer', message: 'partnerId must be an integer' },
        { field: 'voip.timezone', rule: 'timezone', message: expect.stringMatching(/^voip\.timezone /) },
      ]);
    });

    it.each([
      ['too short', 'abc1', 'password:minLength'],
      ['without a digit', 'onlyletters', 'password:digit'],
      ['without a letter', '1234567890', 'password:letter'],
    ])('a password %s (policy)', async (_label, password, fieldRule) => {
      const response = await refusedCreate({ ...valid(), password });
      expectProblem(response, 422);
      expect(fieldRules(response)).toContain(fieldRule);
    });

    it('a PIN not of the length the customer settings give (6 by default)', async () => {
      for (const pin of ['4321', '12345678']) {
        const response = await refusedCreate({ ...valid(), voip: { pin } });
        expectProblem(response, 422);
        expect(fieldRules(response)).toEqual(['voip.pin:length']);
      }
    });

    it('format, credential and domain errors in one answer: the domain rules run on the fields that parsed', async () => {
      // fullName: format (DTO); password: policy; voip.pin: settings; dateOfBirth on a company: the decider.
      const response = await refusedCreate({ ...valid(), fullName: 7, password: 'short', category: 'company', dateOfBirth: '1990-01-01', voip: { pin: '12' } });
      expectProblem(response, 422, 'request.validation_failed');
      expect(fieldRules(response)).toEqual(expect.arrayContaining(['fullName:type', 'password:minLength', 'voip.pin:format', 'dateOfBirth:notApplicable']));
      const fields = response.body.errors.map((error: { field: string; rule: string }) => `${error.field}:${error.rule}`);
      expect(new Set(fields).size).toBe(fields.length);
      expect(fields.filter((field: string) => field.startsWith('fullName:'))).toEqual(['fullName:type']);
      // Without a format error the password policy and the decider answer together too.
      const domainOnly = await refusedCreate({ ...valid(), password: 'onlyletters', category: 'company', dateOfBirth: '1990-01-01' });
      expect(fieldRules(domainOnly)).toEqual(expect.arrayContaining(['password:digit', 'dateOfBirth:notApplicable']));
    });

    it('a password equal to the login', async () => {
      const response = await refusedCreate({ ...valid(), login: 'same1234', password: 'SAME1234' });
      expectProblem(response, 422);
      expect(fieldRules(response)).toContain('password:notLogin');
    });

    it('person-only fields on a company and the reverse (the decider: notApplicable)', async () => {
      const response = await refusedCreate({ ...valid(), category: 'company', dateOfBirth: '1990-01-01' });
      expectProblem(response, 422);
      expect(fieldRules(response)).toContain('dateOfBirth:notApplicable');
    });

    it('a date of birth in the future, an impossible date', async () => {
      const future = await refusedCreate({ ...valid(), dateOfBirth: '2999-01-01' });
      expect(fieldRules(future)).toContain('dateOfBirth:past');
      const impossible = await refusedCreate({ ...valid(), dateOfBirth: '2001-02-30' });
      expect(fieldRules(impossible)).toContain('dateOfBirth:date');
    });

    it('a body that is not JSON: 400', async () => {
      const response = await expectNothingWritten(h, 'customer-none', () =>
        h.post('/customers').set('Content-Type', 'application/json').send('{"fullName": '),
      );
      expectProblem(response, 400);
    });
  });

  describe('refuses business rules with 409 naming the rule, writing nothing', () => {
    it('an unknown partner', async () => {
      expectProblem(await refusedCreate({ ...valid(), partnerId: 999 }), 409, 'customer.partner.unknown');
    });

    it('an unknown location', async () => {
      expectProblem(await refusedCreate({ ...valid(), locationId: 999 }), 409, 'customer.location.unknown');
    });

    it('a credit limit on a prepaid account', async () => {
      expectProblem(await refusedCreate({ ...valid(), billing: { accountType: 'prepaid', creditLimit: 50 } }), 409, 'customer.billing.credit_limit_requires_postpaid');
    });

    it('a login another customer has (compared case-insensitively)', async () => {
      const login = uniqueLogin('Taken');
      await createCustomer(h, ref, { login });
      expectProblem(await refusedCreate({ ...valid(), login }), 409, 'customer.login.taken');
      expectProblem(await refusedCreate({ ...valid(), login: login.toUpperCase() }), 409, 'customer.login.taken');
    });

    it('an account number another customer has', async () => {
      await createCustomer(h, ref, { voip: { accountNumber: '6000000001' } });
      expectProblem(await refusedCreate({ ...valid(), voip: { accountNumber: '6000000001' } }), 409, 'customer.account_number.taken');
    });

    it('a refused create does not keep the login it asked for', async () => {
      const login = uniqueLogin('free');
      expectProblem(await refusedCreate({ ...valid(), login, partnerId: 999 }), 409, 'customer.partner.unknown');
      expectProblem(await refusedCreate({ ...valid(), login, geo: { lat: 100, lng: 0 } }), 422);
      const customer = await createCustomer(h, ref, { login });
      expect(customer.login).toBe(login);
    });
  });

  describe('uniqueness under concurrency', () => {
    it('two creates with the same login at the same moment: exactly one wins, the other is a 409', async () => {
      const login = uniqueLogin('race');
      const countBefore = await h.eventCount();
      const responses = await Promise.all([0, 1].map(() => h.post('/customers', { ...valid(), login })));
      expect(responses.map((response) => response.status).sort()).toEqual([201, 409]);
      const loser = responses.find((response) => response.status === 409)!;
      expectProblem(loser, 409, 'customer.login.taken');
      // One event in the whole store, and it is the winner's creation.
      expect(await h.eventCount()).toBe(countBefore + 1);
      const winner = responses.find((response) => response.status === 201)!;
      expect(await streamEvents(h.store, customerStream(winner.body.id))).toEqual([expect.objectContaining({ type: 'CustomerCreated', data: expect.objectContaining({ login }) })]);
    });

    it('ten creates with the same login and account number in parallel: one customer', async () => {
      const login = uniqueLogin('crowd');
      const responses = await Promise.all(Array.from({ length: 10 }, () => h.post('/customers', { ...valid(), login, voip: { accountNumber: '7000000001' } })));
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(9);
      for (const response of responses.filter((each) => each.status === 409)) {
        expect(['customer.login.taken', 'customer.account_number.taken']).toContain(response.body.rule);
      }
    });

    it('parallel creates without a login all get distinct generated logins and account numbers', async () => {
      const responses = await Promise.all(Array.from({ length: 8 }, () => h.post('/customers', valid())));
      expect(responses.every((response) => response.status === 201)).toBe(true);
      expect(new Set(responses.map((response) => response.body.login)).size).toBe(8);
      expect(new Set(responses.map((response) => response.body.voip.accountNumber)).size).toBe(8);
      expect(new Set(responses.map((response) => response.body.id)).size).toBe(8);
    });

    it('a generated login that is taken moves on to the next id', async () => {
      const probe = await createCustomer(h, ref);
      // Someone takes the login the next customer would get ({id} pattern).
      const squatter = await createCustomer(h, ref, { login: String(probe.id + 2) });
      expect(squatter.id).toBe(probe.id + 1);
      const next = await createCustomer(h, ref);
      expect(next.id).toBe(probe.id + 3);
      expect(next.login).toBe(String(next.id));
    });
  });

  describe('additional fields on create', () => {
    beforeAll(async () => {
      await h.post('/additional-fields', { name: 'contract_id', label: 'Contract', type: 'string', required: true, unique: true, max: 10 }).expect(201);
      await h.post('/additional-fields', { name: 'floors', label: 'Floors', type: 'integer', min: 1, max: 50, default: 1 }).expect(201);
    });

    it('checks values against the definitions and applies defaults', async () => {
      const customer = await createCustomer(h, ref, { additionalFields: { contract_id: 'C-1' } });
      expect(customer.additionalFields).toEqual({ contract_id: 'C-1', floors: 1 });
    });

    it('refuses a missing required field, a wrong type, an unknown name: 422', async () => {
      const missing = await refusedCreate(valid());
      expect(fieldRules(missing)).toContain('additionalFields.contract_id:required');
      const wrong = await refusedCreate({ ...valid(), additionalFields: { contract_id: 'C-2', floors: 'three', colour: 'red' } });
      expect(fieldRules(wrong)).toEqual(expect.arrayContaining(['additionalFields.floors:integer', 'additionalFields.colour:unknownField']));
      const long = await refusedCreate({ ...valid(), additionalFields: { contract_id: 'C-12345678901' } });
      expect(fieldRules(long)).toContain('additionalFields.contract_id:maxLength');
    });

    it('a unique field value another customer has: 409', async () => {
      expectProblem(await refusedCreate({ ...valid(), additionalFields: { contract_id: 'c-1' } }), 409, 'customer.additional_field.taken');
    });
  });

  describe('generated logins fit the login limit (64)', () => {
    it.each([
      ['a random token of 64 after a literal', { loginPattern: 'c{rand_string:64}' }],
      ['random tokens at loginLength adding up past 64', { loginPattern: '{rand_string}{rand_number}{rand_string}', loginLength: 32 }],
      ['{id} (up to 16 digits) and a long random token', { loginPattern: '{id}.{rand_number:48}' }],
    ])('the customer settings refuse %s: 422 loginPattern:generatedLength', async (_label, body) => {
      const response = await expectNothingWritten(h, 'settings-customers', () => h.patch('/settings/customers', body));
      expectProblem(response, 422);
      expect(fieldRules(response)).toContain('loginPattern:generatedLength');
    });
  });
});
