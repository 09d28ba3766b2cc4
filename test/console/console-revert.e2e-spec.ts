/**
 * Revert in the profile timeline (headless Chromium against the real app): offered on the entries
 * the server says can be reverted (`revertible`), not on a payment; reverting an edit shows the
 * compensating entry on the timeline.
 */
import { jest } from '@jest/globals';
import { hasNone, hasText, startConsoleHarness, type ConsoleHarness } from './console-support.js';

jest.setTimeout(120_000);

let harness: ConsoleHarness;

beforeAll(async () => {
  harness = await startConsoleHarness();
});

afterAll(async () => {
  await harness?.close();
});

async function ok(answer: Promise<{ status: number; body: any }>, status: number): Promise<any> {
  const { status: got, body } = await answer;
  if (got !== status) throw new Error(`expected ${status}, got ${got}: ${JSON.stringify(body)}`);
  return body;
}

test('Revert is offered on an edit, not on a payment; reverting the edit shows the revert on the timeline', async () => {
  const partnerId = (await ok(harness.api('POST', '/partners', { name: 'Revert Partner' }), 201)).id;
  const locationId = (await ok(harness.api('POST', '/locations', { name: 'Revert Town' }), 201)).id;
  const customer = await ok(harness.api('POST', '/customers', { fullName: 'Rita Reverter', partnerId, locationId, emails: ['rita@example.com'], city: 'Durban' }), 201);
  const edit = await ok(harness.api('PATCH', `/customers/${customer.id}`, { city: 'Pretoria' }), 200);
  const payment = await ok(harness.api('POST', `/customers/${customer.id}/payments`, { amount: 40, method: 'cash' }), 201);

  const { page } = await harness.newPage();
  await harness.login(page);
  await page.goto(`/customers/${customer.id}`);
  await page.getByRole('heading', { name: 'Rita Reverter', level: 1 }).waitFor();
  const timeline = page.locator('section.timeline');
  const entry = (revision: number) => timeline.locator(`ol.entries > li[data-revision="${revision}"]`);
  await entry(payment.revision).waitFor();
  await entry(edit.revision).waitFor();

  const revertEdit = entry(edit.revision).getByRole('button', { name: `Revert revision ${edit.revision}:` });
  await revertEdit.waitFor();
  await hasNone(entry(payment.revision).getByRole('button', { name: /^Revert/ }));
  await hasNone(entry(0).getByRole('button', { name: /^Revert/ }));

  await revertEdit.click();
  await hasText(timeline.getByRole('status').filter({ hasText: 'reverted' }), `Revision ${edit.revision} reverted`);
  await hasText(timeline.locator('ol.entries > li').first(), `reverts revision ${edit.revision}`);
  const state = await ok(harness.api('GET', `/customers/${customer.id}/state`), 200);
  expect(state.city).toBe('Durban');
});
