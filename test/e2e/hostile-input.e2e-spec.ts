/**
 * Hostile input: every request below once answered 500 (or wrote an event it should not have). Each
 * now gets a 4xx problem naming the field and the rule, and the event store stays unchanged.
 */
import request from 'supertest';
import {
  createCustomer,
  expectNothingWritten,
  expectProblem,
  seedReferenceData,
  startHarness,
  type Harness,
  type Reference,
} from './customers-e2e-support.js';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const nestedObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('hostile input', () => {
  let h: Harness;
  let reference: Reference;
  let customerId: number;
  beforeAll(async () => {
    h = await startHarness();
    reference = await seedReferenceData(h);
    customerId = (await createCustomer(h, reference)).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const server = () => h.testApp.app.getHttpServer();
  const raw = (method: 'post' | 'patch' | 'put', path: string, body: string, auth = true) => {
    const test = request(server())[method](path).set('content-type', 'application/json');
    if (auth) test.set(h.headers);
    return test.send(body);
  };

  describe('deeply nested JSON inside the body limit', () => {
    it.each([
      ['an array nested 100,000 deep on an authenticated write', '/api/v1/customers', nested(100_000), true],
      ['an object nested 20,000 deep', '/api/v1/customers', nestedObject(20_000), true],
      ['an array nested 100,000 deep on the unauthenticated login', '/api/v1/auth/login', nested(100_000), false],
      ['a field nested 40 deep', '/api/v1/customers', `{"fullName":${nested(40)}}`, true],
    ])('refuses %s: 400 request.nesting_too_deep, fast, nothing written', async (_label, path, body, auth) => {
      const started = Date.now();
      const response = await expectNothingWritten(h, 'customer-999999', () => raw('post', path, body, auth));
      expectProblem(response, 400, 'request.nesting_too_deep');
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('still accepts ordinary nesting (contacts inside a customer body)', async () => {
      await h.post('/customers', { fullName: 'Nested Ok', partnerId: reference.partnerId, locationId: reference.locationId, geo: { lat: 1, lng: 2 } }).expect(201);
    });
  });

  describe('NUL and lone surrogates', () => {
    it.each([
      ['NUL in a text field', { fullName: 'Jane\u0000Doe' }, 'fullName'],
      ['a lone high surrogate', { fullName: 'Jane \ud800' }, 'fullName'],
      ['a lone low surrogate in a list', { fullName: 'Jane', emails: ['a\udc00@example.com'] }, 'emails[0]'],
      ['NUL in a key', { fullName: 'Jane', ['x\u0000']: 1 }, 'x\\u0000'],
    ])('refuses %s in a body: 422 request.invalid_text naming the field', async (_label, extra, field) => {
      const body = { partnerId: reference.partnerId, locationId: reference.locationId, ...extra };
      const response = await expectNothingWritten(h, `customer-${customerId}`, () => h.post('/customers', body));
      expectProblem(response, 422, 'request.invalid_text');
      expect(response.body.errors).toEqual([expect.objectContaining({ field, rule: 'request.invalid_text' })]);
    });

    it('refuses NUL inside an escaped JSON string on PATCH too', async () => {
      const response = await expectNothingWritten(h, `customer-${customerId}`, () =>
        raw('patch', `/api/v1/customers/${customerId}`, '{"city":"a\\u0000b"}'),
      );
      expectProblem(response, 422, 'request.invalid_text');
    });

    it('does not take an escaped backslash followed by u0000 for a NUL', async () => {
      const response = await raw('patch', `/api/v1/customers/${customerId}`, '{"city":"C:\\\\u0000"}');
      expect(response.status).toBe(200);
    });

    it.each([
      ['q=%00', '/api/v1/customers?q=%00', 'q'],
      ['q with a lone surrogate', '/api/v1/customers?q=%ED%A0%80', 'q'],
      ['NUL in a repeated key', '/api/v1/customers?q=a&q=%00', 'q'],
      ['NUL in the admins search', '/api/v1/admins?q=%00', 'q'],
    ])('refuses %s in a query: 4xx naming the parameter', async (_label, path, field) => {
      const response = await request(server()).get(path).set(h.headers);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body.rule).toBe('request.invalid_text');
      expect(response.body.errors[0].field).toMatch(new RegExp(`^${field}\\b`));
    });

    it('refuses NUL in a path segment: 4xx', async () => {
      const response = await expectNothingWritten(h, 'additional-field-definitions', () => h.del('/additional-fields/a%00b'));
      expect([400, 404, 422]).toContain(response.status);
    });
  });

  describe('path ids beyond the integer range', () => {
    it.each(['partners', 'locations'])('PATCH and DELETE /%s/99999999999 answer 404, nothing written', async (path) => {
      const renamed = await expectNothingWritten(h, path, () => h.patch(`/${path}/99999999999`, { name: 'Huge' }));
      expectProblem(renamed, 404);
      const deleted = await expectNothingWritten(h, path, () => h.del(`/${path}/99999999999`));
      expectProblem(deleted, 404);
    });

    it.each([
      ['GET', '/customers/99999999999/events'],
      ['GET', '/customers/99999999999/state'],
      ['PATCH', '/customers/99999999999'],
      ['POST', '/customers/99999999999/comments'],
      ['POST', '/customers/99999999999/status'],
    ])('%s %s answers 404 customer.not_found', async (method, path) => {
      const response =
        method === 'GET' ? await h.get(path) : method === 'PATCH' ? await h.patch(path, { city: 'x' }) : await h.post(path, { text: 'x', status: 'active' });
      expectProblem(response, 404, 'customer.not_found');
    });

    it('a non-numeric id is 400 request.malformed_id', async () => {
      expectProblem(await h.patch('/partners/abc', { name: 'x' }), 400, 'request.malformed_id');
    });
  });

  describe('built-in object property names as keys', () => {
    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('GET /roles/%s is 404 role.not_found', async (name) => {
      expectProblem(await h.get(`/roles/${name}`), 404, 'role.not_found');
    });

    it.each(['constructor', '__proto__', 'toString', 'valueOf'])('PATCH /roles/%s is 404 and appends no RoleChanged', async (name) => {
      const response = await expectNothingWritten(h, 'admin-roles', () => h.patch(`/roles/${name}`, { label: 'Object' }));
      expectProblem(response, 404, 'role.not_found');
    });

    it.each(['constructor', '__proto__', 'toString'])('DELETE /roles/%s is 404, nothing written', async (name) => {
      expectProblem(await expectNothingWritten(h, 'admin-roles', () => h.del(`/roles/${name}`)), 404, 'role.not_found');
    });

    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('PATCH and DELETE /additional-fields/%s are 404, nothing written', async (name) => {
      const stream = 'additional-field-definitions';
      expectProblem(await expectNothingWritten(h, stream, () => h.patch(`/additional-fields/${name}`, { label: 'x' })), 404, 'additional_field.not_found');
      expectProblem(await expectNothingWritten(h, stream, () => h.del(`/additional-fields/${name}`)), 404, 'additional_field.not_found');
    });

    it('a role named like an object property cannot be defined twice nor given to an admin', async () => {
      const response = await expectNothingWritten(h, 'admin-roles', () =>
        h.post('/admins', { email: 'proto@example.com', name: 'Proto', role: 'toString', password: 'long-enough-password' }),
      );
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const constructorRole = await expectNothingWritten(h, 'admin-roles', () =>
        h.post('/admins', { email: 'proto2@example.com', name: 'Proto', role: 'constructor', password: 'long-enough-password' }),
      );
      expect(constructorRole.status).toBeGreaterThanOrEqual(400);
      expect(constructorRole.status).toBeLessThan(500);
    });

    it('a custom role named "constructor" is an ordinary role (defined once, then found)', async () => {
      const defined = await h.post('/roles', { name: 'constructor', permissions: ['customers.read'] });
      expect(defined.status).toBe(201);
      expect((await h.get('/roles/constructor').expect(200)).body).toMatchObject({ name: 'constructor', permissions: ['customers.read'] });
      expectProblem(await h.post('/roles', { name: 'constructor', permissions: ['customers.read'] }), 409, 'role.name_taken');
      await h.del('/roles/constructor').expect(200);
    });

    it('additional field values keyed by object property names are unknown fields', async () => {
      const response = await expectNothingWritten(h, `customer-${customerId}`, () =>
        h.put(`/customers/${customerId}/additional-fields`, JSON.parse('{"__proto__": {"x": 1}, "constructor": 1}')),
      );
      expectProblem(response, 422);
    });
  });
});
