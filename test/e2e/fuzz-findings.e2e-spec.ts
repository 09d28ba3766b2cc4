/**
 * What the OpenAPI fuzz (test/fuzz) found, each as a fixed case: these answered 5xx before.
 */
import { expectProblem, startHarness, type Harness } from './customers-e2e-support.js';

describe('fuzz findings', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['?minPosition=__proto__', '/customers?minPosition=__proto__', {}],
    ['?minPosition=NaN on a sub-resource', '/customers/1/notes?minPosition=NaN', {}],
    ['Min-Position: 2026-02-30', '/customers/stats', { 'Min-Position': '2026-02-30' }],
    ['Min-Position: __proto__ on reference data', '/partners', { 'Min-Position': '__proto__' }],
  ])('a read with %s is 400 read_your_writes.invalid_position, not a 504 after 5 s', async (_label, path, headers) => {
    const response = await h.get(path).set(headers);
    expectProblem(response, 400, 'read_your_writes.invalid_position');
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'minPosition', rule: 'position' })]);
  });

  it('a position of the store that no event was recorded at is 400 once the wait ends', async () => {
    const ahead = `${'9'.repeat(20)}:${'9'.repeat(19)}`;
    const response = await h.get(`/customers?minPosition=${ahead}`);
    expectProblem(response, 400, 'read_your_writes.invalid_position');
    expect(response.body.detail).toContain('No event has been recorded');
  });

  it('a revision cursor beyond the safe integers (1.7976931348623153e+308 passes @IsInt) is 422', async () => {
    expectProblem(await h.get('/customers/1/events?cursor=1.7976931348623153e%2B308'), 422, 'request.validation_failed');
  });

  it('DELETE /projections/{unknown}/rebuild is 404 projection.not_found', async () => {
    expectProblem(await h.del('/projections/no_such_projection/rebuild'), 404, 'projection.not_found');
  });
});
