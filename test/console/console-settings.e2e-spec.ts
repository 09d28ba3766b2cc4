/**
 * Customer settings in the console (headless Chromium against the real app): a billing rule switch
 * and the actions needing a reason are editable, kept after a reload and answered by the API; the
 * screen passes axe at laptop and phone widths.
 */
import { jest } from '@jest/globals';
import { LAPTOP, PHONE, eventually, seriousAxeViolations, startConsoleHarness, type ConsoleHarness } from './console-support.js';

jest.setTimeout(120_000);

let harness: ConsoleHarness;

beforeAll(async () => {
  harness = await startConsoleHarness();
});

afterAll(async () => {
  await harness?.close();
});

test('switching automatic blocking on and requiring a reason for EditCustomer is saved, kept after a reload and passes axe', async () => {
  const { page } = await harness.newPage(LAPTOP);
  await harness.login(page);
  await page.goto('/reference-data');
  const form = page.getByRole('form', { name: 'Customer settings' });
  const blocking = form.getByRole('checkbox', { name: 'Automatic blocking (recurring)', exact: true });
  const reasonForEdit = form.getByRole('checkbox', { name: 'EditCustomer', exact: true });
  await blocking.waitFor();
  expect(await blocking.isChecked()).toBe(false);
  await blocking.check();
  await reasonForEdit.check();
  await form.getByRole('button', { name: 'Save settings' }).click();
  await eventually(async () => {
    const { body } = await harness.api('GET', '/settings/customers');
    expect(body).toMatchObject({ automaticBlocking: true, reasonRequiredFor: ['EditCustomer'] });
  }, 5_000);

  await page.reload();
  await blocking.waitFor();
  expect(await blocking.isChecked()).toBe(true);
  expect(await reasonForEdit.isChecked()).toBe(true);
  expect(await form.getByRole('checkbox', { name: 'Automatic deactivation', exact: true }).isChecked()).toBe(false);
  expect(await seriousAxeViolations(page)).toEqual([]);

  await page.setViewportSize(PHONE);
  expect(await seriousAxeViolations(page)).toEqual([]);
});
