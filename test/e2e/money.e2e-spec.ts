/**
 * Money over HTTP: amounts keep the currency's minor unit, nothing is rounded without a word,
 * balances and timeline texts are exact.
 */
import request from 'supertest';
import { createCustomer, expectNothingWritten, expectProblem, fieldRules, seedReferenceData, startHarness, type Harness, type Reference } from './customers-e2e-support.js';

describe('money', () => {
  let h: Harness;
  let reference: Reference;
  beforeAll(async () => {
    h = await startHarness();
    reference = await seedReferenceData(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([0.001, 1e-7, 12.345])('refuses a payment of %p: 422 amount:precision, nothing written', async (amount) => {
    const customer = await createCustomer(h, reference);
    const response = await expectNothingWritten(h, `customer-${customer.id}`, () => h.post(`/customers/${customer.id}/payments`, { amount }));
    expectProblem(response, 422, 'request.validation_failed');
    expect(fieldRules(response)).toEqual(['amount:precision']);
  });

  it('sums exactly and the timeline shows the exact amounts', async () => {
    const customer = await createCustomer(h, reference);
    let last: request.Response | undefined;
    for (const amount of [0.1, 0.1, 0.1]) last = await h.post(`/customers/${customer.id}/payments`, { amount }).expect(201);
    last = await h.post(`/customers/${customer.id}/charges`, { amount: 50.01, description: 'Monthly fee' }).expect(201);
    const position = encodeURIComponent(last.body.position);
    const profile = await h.get(`/customers/${customer.id}?minPosition=${position}`).expect(200);
    expect(profile.body.balance).toBe(-49.71);
    const list = await h.get(`/customers?q=${encodeURIComponent(customer.login)}&minPosition=${position}`).expect(200);
    expect(list.body.items.find((item: { id: number }) => item.id === customer.id)?.balance).toBe(-49.71);
    const activity = await h.get(`/customers/${customer.id}/activity?minPosition=${position}`).expect(200);
    const texts = JSON.stringify(activity.body);
    expect(texts).toContain('Payment of 0.10 recorded (balance 0.20 → 0.30)');
    expect(texts).toContain('Charge of 50.01 recorded: Monthly fee (balance 0.30 → -49.71)');
  });

  it('refuses minimumBalance 1e21 (range) and 1.005 (precision), nothing written', async () => {
    const customer = await createCustomer(h, reference);
    const huge = await expectNothingWritten(h, `customer-${customer.id}`, () => h.patch(`/customers/${customer.id}`, { billing: { minimumBalance: 1e21 } }));
    expect(huge.status).toBe(422);
    expect(fieldRules(huge).some((rule) => rule.startsWith('billing.minimumBalance:'))).toBe(true);
    const fine = await expectNothingWritten(h, `customer-${customer.id}`, () => h.patch(`/customers/${customer.id}`, { billing: { minimumBalance: 1.005 } }));
    expectProblem(fine, 422);
    expect(fieldRules(fine)).toEqual(['billing.minimumBalance:precision']);
  });

  it('refuses an integer beyond MAX_SAFE_INTEGER instead of rounding it (422 request.unsafe_number)', async () => {
    const customer = await createCustomer(h, reference);
    const response = await expectNothingWritten(h, `customer-${customer.id}`, () =>
      request(h.testApp.app.getHttpServer())
        .patch(`/api/v1/customers/${customer.id}`)
        .set(h.headers)
        .set('content-type', 'application/json')
        .send('{"billing":{"minimumBalance":9007199254740993}}'),
    );
    expectProblem(response, 422, 'request.unsafe_number');
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'billing.minimumBalance', rule: 'request.unsafe_number' })]);
  });

  it('a JPY customer pays in whole yen', async () => {
    const customer = await createCustomer(h, reference, { voip: { currency: 'JPY' } });
    const refused = await expectNothingWritten(h, `customer-${customer.id}`, () => h.post(`/customers/${customer.id}/payments`, { amount: 10.5 }));
    expect(fieldRules(refused)).toEqual(['amount:precision']);
    await h.post(`/customers/${customer.id}/payments`, { amount: 1500 }).expect(201);
  });
});
