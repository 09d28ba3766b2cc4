/**
 * PATCH /customers/{id}, PUT /customers/{id}/additional-fields, password reset / reveal, PIN reveal:
 * events per concern, If-Match, login changes through the reservation, and every refusal leaving
 * the stream unchanged.
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

describe('editing customers', () => {
  let h: Harness;
  let ref: Reference;
  beforeAll(async () => {
    h = await startHarness();
    ref = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  const refusedPatch = (id: number, body: object, headers?: Record<string, string>) =>
    expectNothingWritten(h, customerStream(id), () => h.patch(`/customers/${id}`, body, headers));

  describe('PATCH /customers/{id}', () => {
    let customer: Record<string, any>;
    beforeAll(async () => {
      customer = await createCustomer(h, ref, { login: uniqueLogin('edit'), emails: ['old@example.com'] });
    });

    it('changes several concerns: one event per concern, the view, revision, position, ETag', async () => {
      const response = await h
        .patch(`/customers/${customer.id}`, {
          fullName: 'Jane Q. Doe',
          emails: ['new@example.com'],
          city: 'Hamburg',
          geo: { lat: 53.55, lng: 9.99 },
          voip: { cps: 10, recording: true },
          billing: { accountType: 'postpaid', creditLimit: 250, billingDay: 15 },
          labels: ['gold'],
        })
        .expect(200);
      expect(response.body).toMatchObject({
        id: customer.id,
        fullName: 'Jane Q. Doe',
        emails: ['new@example.com'],
        city: 'Hamburg',
        geo: { lat: 53.55, lng: 9.99 },
        voip: { cps: 10, recording: true },
        billing: { accountType: 'postpaid', creditLimit: 250, billingDay: 15 },
        labels: ['gold'],
        revision: 6,
        position: expect.any(String),
      });
      expect(response.headers.etag).toBe('"6"');
      const events = await streamEvents(h.store, customerStream(customer.id));
      expect(events.slice(1).map((event) => event.type)).toEqual([
        'CustomerMainInfoChanged',
        'CustomerContactInfoChanged',
        'CustomerAddressChanged',
        'CustomerVoipSettingsChanged',
        'CustomerBillingSettingsChanged',
        'CustomerLabelsChanged',
      ]);
      expect(events[2].data.changes).toEqual([{ field: 'emails', from: ['old@example.com'], to: ['new@example.com'] }]);
      expect(events.at(-1)!.position).toBe(response.body.position);
    });

    it('null clears an optional field', async () => {
      const response = await h.patch(`/customers/${customer.id}`, { geo: null, city: null }).expect(200);
      expect(response.body).toMatchObject({ geo: null, city: null });
    });

    it('nothing changed: 200, no event, position null, same ETag', async () => {
      const before = await streamEvents(h.store, customerStream(customer.id));
      const response = await refusedPatch(customer.id, { fullName: 'Jane Q. Doe' });
      expect(response.status).toBe(200);
      expect(response.body.position).toBeNull();
      expect(response.headers.etag).toBe(`"${before.at(-1)!.revision}"`);
    });

    describe('If-Match', () => {
      it('the current revision, quoted, bare or weak: applied', async () => {
        let revision = (await streamEvents(h.store, customerStream(customer.id))).at(-1)!.revision;
        for (const header of [`"${revision}"`, `${revision + 1}`, `W/"${revision + 2}"`]) {
          const response = await h.patch(`/customers/${customer.id}`, { city: `City ${header.length}${revision}` }, { 'If-Match': header }).expect(200);
          revision = response.body.revision;
        }
        expect(revision).toBe((await streamEvents(h.store, customerStream(customer.id))).at(-1)!.revision);
      });

      it('a stale revision: 412 with the current revision, nothing written', async () => {
        const current = (await streamEvents(h.store, customerStream(customer.id))).at(-1)!.revision;
        const response = await refusedPatch(customer.id, { fullName: 'Lost update' }, { 'If-Match': `"${current - 1}"` });
        expectProblem(response, 412, 'revision.precondition_failed');
        expect(response.body).toMatchObject({ expectedRevision: current - 1, currentRevision: current });
      });

      it('a malformed If-Match: 400', async () => {
        expectProblem(await refusedPatch(customer.id, { fullName: 'X' }, { 'If-Match': '"abc"' }), 400, 'request.malformed_if_match');
      });

      it('two writers with the same If-Match: one wins, the other gets 412', async () => {
        const current = (await streamEvents(h.store, customerStream(customer.id))).at(-1)!.revision;
        const responses = await Promise.all(
          ['Writer A', 'Writer B'].map((name) => h.patch(`/customers/${customer.id}`, { contactPerson: null, fullName: name }, { 'If-Match': `"${current}"` })),
        );
        expect(responses.map((response) => response.status).sort()).toEqual([200, 412]);
        expect((await streamEvents(h.store, customerStream(customer.id))).at(-1)!.revision).toBe(current + 1);
      });

      it('concurrent writers without If-Match are retried and both applied', async () => {
        const current = (await streamEvents(h.store, customerStream(customer.id))).at(-1)!.revision;
        const responses = await Promise.all([h.patch(`/customers/${customer.id}`, { zipCode: '20095' }), h.patch(`/customers/${customer.id}`, { street: 'Harbour 5' })]);
        expect(responses.map((response) => response.status)).toEqual([200, 200]);
        const events = await streamEvents(h.store, customerStream(customer.id));
        expect(events.at(-1)!.revision).toBe(current + 2);
      });
    });

    describe('bad input: 422 naming field and rule', () => {
      it.each([
        ['wrong types', { fullName: 7, partnerId: 'two', emails: [1], voip: { cps: 1.5 }, billing: { minimumBalance: 'low' } }, ['fullName:type', 'partnerId:integer', 'emails:email', 'voip.cps:integer', 'billing.minimumBalance:type']],
        ['unknown fields', { nick: 'JD', voip: { speed: 3 }, geo: { lat: 1, lng: 2, alt: 3 } }, ['nick:unknownField', 'voip.speed:unknownField', 'geo.alt:unknownField']],
        ['invalid emails', { emails: ['ok@example.com', 'broken@'], billingEmails: ['@x.org'] }, ['emails:email', 'billingEmails:email']],
        ['coordinates', { geo: { lat: -90.5, lng: 180.1 } }, ['geo.lat:range', 'geo.lng:range']],
        ['lengths', { fullName: '', street: 's'.repeat(256), city: 'c'.repeat(101), voip: { province: 'p'.repeat(65) } }, ['fullName:minLength', 'street:maxLength', 'city:maxLength', 'voip.province:maxLength']],
        ['a login with a space', { login: 'two words' }, ['login:format']],
        ['read-only fields (their own endpoints)', { status: 'active', billingType: 'prepaid_custom', password: 'Abcdefgh1' }, ['status:readOnly', 'billingType:readOnly', 'password:readOnly']],
        ['a required field cleared', { fullName: null }, ['fullName:required']],
        ['a schedule cleared', { billing: { schedule: null } }, ['billing.schedule:required']],
        ['format and domain errors together (the decider runs on what parsed)', { voip: { cps: 'fast' }, dateOfBirth: '2999-01-01' }, ['voip.cps:integer', 'dateOfBirth:past']],
      ])('%s', async (_label, body, expected) => {
        const response = await refusedPatch(customer.id, body);
        expectProblem(response, 422, 'request.validation_failed');
        expect(fieldRules(response)).toEqual(expect.arrayContaining(expected));
      });

      it('a non-numeric id: 400; an unknown customer: 404', async () => {
        expectProblem(await h.patch('/customers/abc', { fullName: 'X' }), 400);
        expectProblem(await refusedPatch(987654, { fullName: 'X' }), 404, 'customer.not_found');
      });
    });

    describe('business rules: 409 naming the rule', () => {
      it('an unknown partner or location', async () => {
        expectProblem(await refusedPatch(customer.id, { partnerId: 999 }), 409, 'customer.partner.unknown');
        expectProblem(await refusedPatch(customer.id, { locationId: 999 }), 409, 'customer.location.unknown');
      });

      it('a known partner and location are accepted', async () => {
        const response = await h.patch(`/customers/${customer.id}`, { partnerId: ref.otherPartnerId, locationId: ref.otherLocationId }).expect(200);
        expect(response.body).toMatchObject({ partnerId: ref.otherPartnerId, locationId: ref.otherLocationId });
      });

      it('the account number is read-only (sending it unchanged is fine)', async () => {
        expectProblem(await refusedPatch(customer.id, { voip: { accountNumber: '1111111111' } }), 409, 'customer.voip.account_number_read_only');
        await h.patch(`/customers/${customer.id}`, { voip: { accountNumber: customer.voip.accountNumber } }).expect(200);
      });

      it('a credit limit on a prepaid account', async () => {
        expectProblem(await refusedPatch(customer.id, { billing: { accountType: 'prepaid', creditLimit: 10 } }), 409, 'customer.billing.credit_limit_requires_postpaid');
      });
    });
  });

  describe('login changes go through the reservation', () => {
    it('the new login is taken for others and the old one is free', async () => {
      const oldLogin = uniqueLogin('old');
      const newLogin = uniqueLogin('new');
      const customer = await createCustomer(h, ref, { login: oldLogin });
      const response = await h.patch(`/customers/${customer.id}`, { login: newLogin }).expect(200);
      expect(response.body.login).toBe(newLogin);
      const events = await streamEvents(h.store, customerStream(customer.id));
      expect(events.at(-1)).toMatchObject({ type: 'CustomerMainInfoChanged', data: { changes: [{ field: 'login', from: oldLogin, to: newLogin }] } });
      // The new one is held...
      expectProblem(await h.post('/customers', { fullName: 'Other', partnerId: ref.partnerId, locationId: ref.locationId, login: newLogin }), 409, 'customer.login.taken');
      // ...the old one is free.
      const other = await createCustomer(h, ref, { login: oldLogin });
      expect(other.login).toBe(oldLogin);
    });

    it('a login another customer holds: 409 customer.login.taken, nothing written, both keep their logins', async () => {
      const first = await createCustomer(h, ref, { login: uniqueLogin('first') });
      const second = await createCustomer(h, ref, { login: uniqueLogin('second') });
      expectProblem(await refusedPatch(second.id, { login: first.login.toUpperCase() }), 409, 'customer.login.taken');
      // The refused change did not free the second customer's login.
      expectProblem(await h.post('/customers', { fullName: 'Other', partnerId: ref.partnerId, locationId: ref.locationId, login: second.login }), 409, 'customer.login.taken');
    });

    it('a refused PATCH (422 / 409 elsewhere in the body) does not keep the new login', async () => {
      const customer = await createCustomer(h, ref, { login: uniqueLogin('keep') });
      const wanted = uniqueLogin('wanted');
      expectProblem(await refusedPatch(customer.id, { login: wanted, partnerId: 999 }), 409, 'customer.partner.unknown');
      const other = await createCustomer(h, ref, { login: wanted });
      expect(other.login).toBe(wanted);
    });

    it('a case-only change keeps the login reserved for the same customer', async () => {
      const login = uniqueLogin('case');
      const customer = await createCustomer(h, ref, { login });
      await h.patch(`/customers/${customer.id}`, { login: login.toUpperCase() }).expect(200);
      expectProblem(await h.post('/customers', { fullName: 'Other', partnerId: ref.partnerId, locationId: ref.locationId, login }), 409, 'customer.login.taken');
    });

    it('two customers racing for the same new login: exactly one gets it', async () => {
      const [a, b] = await Promise.all([createCustomer(h, ref), createCustomer(h, ref)]);
      const wanted = uniqueLogin('contested');
      const responses = await Promise.all([a, b].map((customer) => h.patch(`/customers/${customer.id}`, { login: wanted })));
      expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
    });
  });

  describe('PUT /customers/{id}/additional-fields', () => {
    let customer: Record<string, any>;
    beforeAll(async () => {
      await h.post('/additional-fields', { name: 'contract_id', label: 'Contract', type: 'string', unique: true }).expect(201);
      await h.post('/additional-fields', { name: 'plan', label: 'Plan', type: 'select', options: ['home', 'business'] }).expect(201);
      await h.post('/additional-fields', { name: 'vip', label: 'VIP', type: 'boolean' }).expect(201);
      customer = await createCustomer(h, ref);
    });

    it('sets values (merged, checked against the definitions): 200, one event with the changes', async () => {
      const response = await h.put(`/customers/${customer.id}/additional-fields`, { contract_id: 'K-1', plan: 'home' }).expect(200);
      expect(response.body.additionalFields).toEqual({ contract_id: 'K-1', plan: 'home' });
      const second = await h.put(`/customers/${customer.id}/additional-fields`, { vip: true, plan: null }).expect(200);
      expect(second.body.additionalFields).toEqual({ contract_id: 'K-1', vip: true });
      const events = await streamEvents(h.store, customerStream(customer.id));
      expect(events.at(-1)).toMatchObject({
        type: 'CustomerAdditionalFieldsChanged',
        data: { changes: expect.arrayContaining([{ field: 'additionalFields.plan', from: 'home', to: null }, { field: 'additionalFields.vip', from: null, to: true }]) },
      });
    });

    it('refuses unknown names, wrong values, a non-object body: 422', async () => {
      const stream = customerStream(customer.id);
      const unknown = await expectNothingWritten(h, stream, () => h.put(`/customers/${customer.id}/additional-fields`, { colour: 'red' }));
      expect(fieldRules(unknown)).toContain('additionalFields.colour:unknownField');
      const wrong = await expectNothingWritten(h, stream, () => h.put(`/customers/${customer.id}/additional-fields`, { plan: 'gold', vip: 'yes' }));
      expect(fieldRules(wrong)).toEqual(expect.arrayContaining(['additionalFields.plan:option', 'additionalFields.vip:type']));
      const array = await expectNothingWritten(h, stream, () => h.put(`/customers/${customer.id}/additional-fields`, ['plan']));
      expectProblem(array, 422);
    });

    it('a unique value another customer holds: 409; freed when its holder changes it', async () => {
      const other = await createCustomer(h, ref);
      expectProblem(
        await expectNothingWritten(h, customerStream(other.id), () => h.put(`/customers/${other.id}/additional-fields`, { contract_id: 'k-1' })),
        409,
        'customer.additional_field.taken',
      );
      await h.put(`/customers/${customer.id}/additional-fields`, { contract_id: 'K-2' }).expect(200);
      await h.put(`/customers/${other.id}/additional-fields`, { contract_id: 'K-1' }).expect(200);
    });

    it('additionalFields in a PATCH follow the same rules', async () => {
      const response = await h.patch(`/customers/${customer.id}`, { additionalFields: { plan: 'business' } }).expect(200);
      expect(response.body.additionalFields.plan).toBe('business');
      expectProblem(await refusedPatch(customer.id, { additionalFields: { contract_id: 'K-1' } }), 409, 'customer.additional_field.taken');
    });

    it('If-Match stale: 412; unknown customer: 404', async () => {
      expectProblem(await expectNothingWritten(h, customerStream(customer.id), () => h.put(`/customers/${customer.id}/additional-fields`, { vip: false }, { 'If-Match': '"0"' })), 412);
      expectProblem(await h.put('/customers/987654/additional-fields', { vip: false }), 404, 'customer.not_found');
    });
  });

  describe('password and PIN', () => {
    let customer: Record<string, any>;
    beforeAll(async () => {
      customer = await createCustomer(h, ref, { login: uniqueLogin('pw'), password: 'First-pass-1', voip: { pin: '246813' } });
    });

    it('reset with a given password: sealed in CustomerPasswordReset, revealed as given', async () => {
      const response = await h.post(`/customers/${customer.id}/password/reset`, { password: 'Second-pass-2', reason: 'forgot' }).expect(200);
      expect(response.body).toMatchObject({ id: customer.id, passwordGenerated: false, revision: expect.any(Number), position: expect.any(String) });
      expect(JSON.stringify(response.body)).not.toContain('Second-pass-2');
      const event = (await streamEvents(h.store, customerStream(customer.id))).at(-1)!;
      expect(event).toMatchObject({ type: 'CustomerPasswordReset', data: { reason: 'forgot', generated: false } });
      expect(JSON.stringify(event)).not.toContain('Second-pass-2');
      const reveal = await h.post(`/customers/${customer.id}/password/reveal`, {}).expect(200);
      expect(reveal.body.password).toBe('Second-pass-2');
    });

    it('reset without a password generates one from the settings', async () => {
      const response = await h.post(`/customers/${customer.id}/password/reset`, {}).expect(200);
      expect(response.body.passwordGenerated).toBe(true);
      const reveal = await h.post(`/customers/${customer.id}/password/reveal`, {}).expect(200);
      expect(reveal.body.password).not.toBe('Second-pass-2');
      expect(reveal.body.password).toHaveLength(12);
    });

    it('refuses a password breaking the policy (422) or of the wrong type; nothing written', async () => {
      const stream = customerStream(customer.id);
      const weak = await expectNothingWritten(h, stream, () => h.post(`/customers/${customer.id}/password/reset`, { password: 'short' }));
      expect(fieldRules(weak)).toEqual(expect.arrayContaining(['password:minLength', 'password:digit']));
      const same = await expectNothingWritten(h, stream, () => h.post(`/customers/${customer.id}/password/reset`, { password: customer.login }));
      expectProblem(same, 422);
      const typed = await expectNothingWritten(h, stream, () => h.post(`/customers/${customer.id}/password/reset`, { password: 12345678 }));
      expect(fieldRules(typed)).toContain('password:type');
      const extra = await expectNothingWritten(h, stream, () => h.post(`/customers/${customer.id}/password/reveal`, { why: 'x' }));
      expect(fieldRules(extra)).toContain('why:unknownField');
    });

    it('reveal / reset of an unknown customer: 404, stale If-Match: 412', async () => {
      expectProblem(await h.post('/customers/987654/password/reveal', {}), 404, 'customer.not_found');
      expectProblem(await h.post('/customers/987654/password/reset', {}), 404, 'customer.not_found');
      expectProblem(await expectNothingWritten(h, customerStream(customer.id), () => h.post(`/customers/${customer.id}/password/reveal`, {}, { 'If-Match': '"0"' })), 412);
    });

    it('the PIN: revealed (audited), changed by PATCH with the value redacted in changes, sealed in the event and absent from GET /events', async () => {
      const first = await h.post(`/customers/${customer.id}/pin/reveal`, { reason: 'support' }).expect(200);
      expect(first.body).toMatchObject({ customerId: customer.id, pin: '246813' });
      expect((await streamEvents(h.store, customerStream(customer.id))).at(-1)).toMatchObject({ type: 'CustomerPinRevealed', data: { reason: 'support' } });
      await h.patch(`/customers/${customer.id}`, { voip: { pin: '135792' } }).expect(200);
      const changed = (await streamEvents(h.store, customerStream(customer.id))).at(-1)!;
      expect(changed.data.changes).toEqual([{ field: 'voip.pin', from: '[redacted]', to: '[redacted]' }]);
      expect(changed.data.pinCiphertext).toMatch(/^v2\./);
      expect(changed.data).not.toHaveProperty('pin');
      expect((await h.post(`/customers/${customer.id}/pin/reveal`, {}).expect(200)).body.pin).toBe('135792');
      const audit = await h.get(`/customers/${customer.id}/events`).expect(200);
      expect(JSON.stringify(audit.body)).not.toContain('135792');
      expect(JSON.stringify(audit.body)).not.toContain('246813');
    });

    it('the same PIN again changes nothing; with other VoIP changes only those are recorded', async () => {
      const stream = customerStream(customer.id);
      const same = await expectNothingWritten(h, stream, () => h.patch(`/customers/${customer.id}`, { voip: { pin: '135792' } }));
      expect(same.status).toBe(200);
      await h.patch(`/customers/${customer.id}`, { voip: { pin: '135792', cps: 7 } }).expect(200);
      const changed = (await streamEvents(h.store, stream)).at(-1)!;
      expect(changed).toMatchObject({ type: 'CustomerVoipSettingsChanged', data: { changes: [{ field: 'voip.cps', from: 0, to: 7 }] } });
      expect(changed.data).not.toHaveProperty('pinCiphertext');
    });

    it('refuses a PIN of the wrong length for the settings, not digits, or null: 422, nothing written', async () => {
      const stream = customerStream(customer.id);
      const short = await expectNothingWritten(h, stream, () => h.patch(`/customers/${customer.id}`, { voip: { pin: '1357' } }));
      expectProblem(short, 422);
      expect(fieldRules(short)).toEqual(['voip.pin:length']);
      const letters = await expectNothingWritten(h, stream, () => h.patch(`/customers/${customer.id}`, { voip: { pin: '12ab56' } }));
      expect(fieldRules(letters)).toContain('voip.pin:format');
      const cleared = await expectNothingWritten(h, stream, () => h.patch(`/customers/${customer.id}`, { voip: { pin: null } }));
      expectProblem(cleared, 422);
      expect(fieldRules(cleared)).toEqual(['voip.pin:type']);
      expect((await h.post(`/customers/${customer.id}/pin/reveal`, {}).expect(200)).body.pin).toBe('135792');
    });

    it('a PIN change of an unknown customer: 404', async () => {
      expectProblem(await h.patch('/customers/987654', { voip: { pin: '135792' } }), 404, 'customer.not_found');
    });
  });
});
