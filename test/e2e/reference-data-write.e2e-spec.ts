/**
 * Reference data writes through HTTP: partners, locations, additional field definitions and the
 * customer settings. Every refusal is checked to leave the event store unchanged.
 */
import {
  createCustomer,
  expectNothingWritten,
  expectProblem,
  fieldRules,
  seedReferenceData,
  startHarness,
  streamEvents,
  type Harness,
} from './customers-e2e-support.js';

describe('reference data writes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  describe.each([
    ['partners', 'partner', 'Partner'],
    ['locations', 'location', 'Location'],
  ] as const)('/%s', (path, word, eventPrefix) => {
    const stream = path;
    let id: number;

    it('creates one: 201, the entity with revision, position and ETag, one event with the actor', async () => {
      const response = await h.post(`/${path}`, { name: `North ${word}` }).expect(201);
      expect(response.body).toMatchObject({ name: `North ${word}`, deleted: false, revision: expect.any(Number), position: expect.any(String) });
      expect(response.headers.etag).toBe(`"${response.body.revision}"`);
      id = response.body.id;
      const events = await streamEvents(h.store, stream);
      expect(events.at(-1)).toMatchObject({ type: `${eventPrefix}Created`, data: { id, name: `North ${word}` } });
      expect(events.at(-1)!.metadata.actor).toMatchObject({ id: expect.any(String), role: expect.any(String) });
    });

    it('refuses a second one with the same name (any case): 409 name_taken', async () => {
      const response = await expectNothingWritten(h, stream, () => h.post(`/${path}`, { name: `NORTH ${word}` }));
      expectProblem(response, 409, `${word}.name_taken`);
    });

    it.each([
      ['no name', {}, 'name'],
      ['a number as name', { name: 42 }, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a name of 129 characters', { name: 'x'.repeat(129) }, 'name'],
      ['an unknown field', { name: 'Ok', colour: 'red' }, 'colour'],
    ])('refuses %s: 422 naming the field', async (_label, body, field) => {
      const response = await expectNothingWritten(h, stream, () => h.post(`/${path}`, body));
      expectProblem(response, 422, 'request.validation_failed');
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it('renames, honouring If-Match (bare, quoted, weak); a stale one is a 412', async () => {
      const current = (await streamEvents(h.store, stream)).at(-1)!.revision;
      const stale = await expectNothingWritten(h, stream, () => h.patch(`/${path}/${id}`, { name: 'Stale' }, { 'If-Match': `"${current + 5}"` }));
      expectProblem(stale, 412, 'revision.precondition_failed');
      expect(stale.body.currentRevision).toBe(current);
      const malformed = await expectNothingWritten(h, stream, () => h.patch(`/${path}/${id}`, { name: 'Bad' }, { 'If-Match': 'yesterday' }));
      expectProblem(malformed, 400, 'request.malformed_if_match');
      const renamed = await h.patch(`/${path}/${id}`, { name: `South ${word}` }, { 'If-Match': `W/"${current}"` }).expect(200);
      expect(renamed.body).toMatchObject({ id, name: `South ${word}`, revision: current + 1 });
      const again = await h.patch(`/${path}/${id}`, { name: `East ${word}` }, { 'If-Match': String(current + 1) }).expect(200);
      expect(again.headers.etag).toBe(`"${current + 2}"`);
      expect((await streamEvents(h.store, stream)).at(-1)).toMatchObject({ type: `${eventPrefix}Renamed`, data: { changes: [{ field: 'name', from: `South ${word}`, to: `East ${word}` }] } });
    });

    it('renaming to the same name writes nothing', async () => {
      const response = await expectNothingWritten(h, stream, () => h.patch(`/${path}/${id}`, { name: `East ${word}` }));
      expect(response.status).toBe(200);
      expect(response.body.position).toBeNull();
    });

    it('answers 404 for an unknown id and 400 for a non-numeric one', async () => {
      expectProblem(await expectNothingWritten(h, stream, () => h.patch(`/${path}/999`, { name: 'Nobody' })), 404, `${word}.not_found`);
      expectProblem(await expectNothingWritten(h, stream, () => h.del(`/${path}/999`)), 404, `${word}.not_found`);
      expectProblem(await expectNothingWritten(h, stream, () => h.patch(`/${path}/abc`, { name: 'Nobody' })), 400);
    });

    it('refuses to delete one customers use (409 in_use), deletes it once they are gone', async () => {
      const reference = await seedReferenceData(h, ` for ${word} delete`);
      const usedId = word === 'partner' ? reference.partnerId : reference.locationId;
      const customer = await createCustomer(h, reference);
      expectProblem(await expectNothingWritten(h, stream, () => h.del(`/${path}/${usedId}`)), 409, `${word}.in_use`);
      // Moving the customer elsewhere frees it.
      const move = word === 'partner' ? { partnerId: reference.otherPartnerId } : { locationId: reference.otherLocationId };
      await h.patch(`/customers/${customer.id}`, move).expect(200);
      const deleted = await h.del(`/${path}/${usedId}`).expect(200);
      expect(deleted.body).toMatchObject({ id: usedId, deleted: true });
      expect((await streamEvents(h.store, stream)).at(-1)).toMatchObject({ type: `${eventPrefix}Deleted`, data: { id: usedId } });
      // Deleted: gone for customers too, and a second delete is a 404.
      expectProblem(await expectNothingWritten(h, stream, () => h.del(`/${path}/${usedId}`)), 404, `${word}.not_found`);
      const refused = await h.patch(`/customers/${customer.id}`, word === 'partner' ? { partnerId: usedId } : { locationId: usedId });
      expectProblem(refused, 409, `customer.${word}.unknown`);
    });

    it('a customer that was deleted no longer holds its partner / location', async () => {
      const reference = await seedReferenceData(h, ` for ${word} delete 2`);
      const usedId = word === 'partner' ? reference.partnerId : reference.locationId;
      const customer = await createCustomer(h, reference);
      await h.post(`/customers/${customer.id}/status`, { status: 'inactive' }).expect(200);
      await h.del(`/customers/${customer.id}`).expect(200);
      await h.del(`/${path}/${usedId}`).expect(200);
    });
  });

  describe('partners and admins limited to some partners', () => {
    it('refuses a new partner from an admin limited to some partners: 403 partner.create.requires_all_partners, nothing written', async () => {
      const reference = await seedReferenceData(h, ' for limited admins');
      await h.post('/roles', { name: 'partner-ops', permissions: ['customers.read', 'reference_data'] }).expect(201);
      const password = 'correct-horse-battery';
      await h.post('/admins', { email: 'ops@isp.example', name: 'Ops', role: 'partner-ops', partnerIds: [reference.partnerId], password }).expect(201);
      const limited = { Authorization: `Bearer ${(await h.testApp.login('ops@isp.example', password)).accessToken}` };

      const refused = await expectNothingWritten(h, 'partners', () => h.post('/partners', { name: 'Invisible partner' }, limited));
      expectProblem(refused, 403, 'partner.create.requires_all_partners');
      // Their own partner is still theirs to rename, and an admin over all partners still creates partners.
      await h.patch(`/partners/${reference.partnerId}`, { name: 'Renamed by ops' }, limited).expect(200);
      await h.post('/partners', { name: 'Visible partner' }).expect(201);
    });
  });

  describe('/additional-fields', () => {
    const stream = 'additional-field-definitions';

    it('defines a field: 201 with the full definition (defaults applied), revision and position', async () => {
      const response = await h.post('/additional-fields', { name: 'contract_id', label: 'Contract ID', type: 'string', max: 12 }).expect(201);
      expect(response.body).toMatchObject({
        name: 'contract_id',
        label: 'Contract ID',
        type: 'string',
        required: false,
        unique: false,
        max: 12,
        appliesTo: 'all',
        revision: 0,
        position: expect.any(String),
      });
      expect(response.headers.etag).toBe('"0"');
      expect((await streamEvents(h.store, stream))[0]).toMatchObject({ type: 'AdditionalFieldDefined', data: { name: 'contract_id' } });
    });

    it('defines a select field with options and a default', async () => {
      const response = await h.post('/additional-fields', { name: 'plan', label: 'Plan', type: 'select', options: ['home', 'business'], default: 'home' }).expect(201);
      expect(response.body).toMatchObject({ options: ['home', 'business'], default: 'home' });
    });

    it('refuses a name already defined: 409 additional_field.already_defined', async () => {
      const response = await expectNothingWritten(h, stream, () => h.post('/additional-fields', { name: 'contract_id', label: 'Again', type: 'integer' }));
      expectProblem(response, 409, 'additional_field.already_defined');
    });

    it.each([
      ['a name that is not snake_case', { name: 'Contract-ID', label: 'x', type: 'string' }, 'name:format'],
      ['an unknown type', { name: 'colour', label: 'x', type: 'colour' }, 'type:enum'],
      ['a select without options', { name: 'tier', label: 'x', type: 'select' }, 'options:required'],
      ['options on a string field', { name: 'nick', label: 'x', type: 'string', options: ['a'] }, 'options:notApplicable'],
      ['a default of the wrong type', { name: 'floors', label: 'x', type: 'integer', default: 'ten' }, 'default:integer'],
      ['min above max', { name: 'size', label: 'x', type: 'integer', min: 5, max: 1 }, 'max:range'],
      ['required as a string', { name: 'vip', label: 'x', type: 'boolean', required: 'yes' }, 'required:type'],
      ['an unknown field', { name: 'vip', label: 'x', type: 'boolean', hidden: true }, 'hidden:unknownField'],
      ['a label of 129 characters', { name: 'vip', label: 'x'.repeat(129), type: 'boolean' }, 'label:maxLength'],
    ])('refuses %s: 422', async (_label, body, fieldRule) => {
      const response = await expectNothingWritten(h, stream, () => h.post('/additional-fields', body));
      expectProblem(response, 422, 'request.validation_failed');
      expect(fieldRules(response)).toContain(fieldRule);
    });

    it('changes a definition (label, required) with If-Match; a stale If-Match is a 412', async () => {
      const head = (await streamEvents(h.store, stream)).at(-1)!.revision;
      expectProblem(await expectNothingWritten(h, stream, () => h.patch('/additional-fields/contract_id', { label: 'X' }, { 'If-Match': `"${head + 5}"` })), 412);
      const response = await h.patch('/additional-fields/contract_id', { label: 'Contract number', showInList: true }, { 'If-Match': `"${head}"` }).expect(200);
      expect(response.body).toMatchObject({ name: 'contract_id', label: 'Contract number', showInList: true, revision: head + 1 });
      expect((await streamEvents(h.store, stream)).at(-1)).toMatchObject({ type: 'AdditionalFieldChanged', data: { name: 'contract_id' } });
    });

    it('refuses a type change (409 type_immutable), an unknown field (404), bad values (422)', async () => {
      expectProblem(await expectNothingWritten(h, stream, () => h.patch('/additional-fields/contract_id', { type: 'integer' })), 409, 'additional_field.type_immutable');
      expectProblem(await expectNothingWritten(h, stream, () => h.patch('/additional-fields/nope', { label: 'x' })), 404, 'additional_field.not_found');
      const bad = await expectNothingWritten(h, stream, () => h.patch('/additional-fields/contract_id', { required: 1, name: 'renamed' }));
      expectProblem(bad, 422);
      expect(fieldRules(bad)).toEqual(expect.arrayContaining(['required:type', 'name:unknownField']));
    });

    it('removes a definition; removing it again is a 404', async () => {
      const response = await h.del('/additional-fields/plan').expect(200);
      expect(response.body).toMatchObject({ name: 'plan', removed: true });
      expect((await streamEvents(h.store, stream)).at(-1)).toMatchObject({ type: 'AdditionalFieldRemoved', data: { name: 'plan' } });
      expectProblem(await expectNothingWritten(h, stream, () => h.del('/additional-fields/plan')), 404, 'additional_field.not_found');
    });
  });

  describe('/settings/customers', () => {
    const stream = 'settings-customers';
    const full = {
      loginPattern: 'cust{rand_number:4}',
      loginLength: 6,
      loginCharset: 'abcdefghjk23456789',
      passwordPattern: '{rand_string}',
      passwordLength: 14,
      passwordCharset: 'abcdefghjkmnpqrstuvwxyz23456789',
      accountNumberLength: 8,
      accountNumberPrefix: '77',
      pinLength: 4,
    };

    it('PUT replaces every setting: 200 with the settings, revision and position', async () => {
      const response = await h.put('/settings/customers', full).expect(200);
      expect(response.body).toMatchObject({ ...full, changedAt: expect.any(String), revision: 0, position: expect.any(String) });
      expect(response.headers.etag).toBe('"0"');
      expect((await streamEvents(h.store, stream))[0]).toMatchObject({ type: 'CustomerSettingsChanged' });
    });

    it('new customers get credentials from the settings', async () => {
      const reference = await seedReferenceData(h, ' settings');
      const customer = await createCustomer(h, reference);
      expect(customer.login).toMatch(/^cust\d{4}$/);
      expect(customer.voip.accountNumber).toMatch(/^77\d{6}$/);
      const pin = await h.post(`/customers/${customer.id}/pin/reveal`, {}).expect(200);
      expect(pin.body.pin).toMatch(/^\d{4}$/);
      const password = await h.post(`/customers/${customer.id}/password/reveal`, {}).expect(200);
      expect(password.body.password).toMatch(/^[a-z2-9]{14}$/);
    });

    it('PUT refuses a partial body: 422 naming each missing setting', async () => {
      const { pinLength: _omitted, ...partial } = full;
      const response = await expectNothingWritten(h, stream, () => h.put('/settings/customers', partial));
      expectProblem(response, 422);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain('pinLength');
    });

    it('PATCH changes a subset; the same values again write nothing', async () => {
      const response = await h.patch('/settings/customers', { pinLength: 6 }).expect(200);
      expect(response.body).toMatchObject({ ...full, pinLength: 6, revision: 1 });
      const same = await expectNothingWritten(h, stream, () => h.patch('/settings/customers', { pinLength: 6 }));
      expect(same.status).toBe(200);
      expect(same.body.position).toBeNull();
    });

    it.each([
      ['an unknown pattern token', { loginPattern: '{nope}' }, 'loginPattern:pattern'],
      ['a login pattern without a variable part', { loginPattern: 'fixed' }, 'loginPattern:variablePart'],
      ['a password pattern without randomness', { passwordPattern: '{id}{year}' }, 'passwordPattern:randomPart'],
      ['a password length under 8', { passwordLength: 4 }, 'passwordLength:range'],
      ['a PIN length as text', { pinLength: '6' }, 'pinLength:integer'],
      ['a non-digit prefix', { accountNumberPrefix: '7a' }, 'accountNumberPrefix:format'],
      ['a prefix as long as the number', { accountNumberPrefix: '12345678' }, 'accountNumberPrefix:maxLength'],
      ['a charset of one character', { loginCharset: 'aaaa' }, 'loginCharset:minLength'],
      ['a login charset with characters a login may not hold', { loginCharset: 'abc#%' }, 'loginCharset:format'],
      ['an unknown setting', { colour: 'blue' }, 'colour:unknownField'],
    ])('PATCH refuses %s: 422', async (_label, body, fieldRule) => {
      const response = await expectNothingWritten(h, stream, () => h.patch('/settings/customers', body));
      expectProblem(response, 422);
      expect(fieldRules(response)).toContain(fieldRule);
    });

    it('PATCH with a stale If-Match is a 412', async () => {
      const response = await expectNothingWritten(h, stream, () => h.patch('/settings/customers', { pinLength: 8 }, { 'If-Match': '"0"' }));
      expectProblem(response, 412, 'revision.precondition_failed');
    });
  });
});
