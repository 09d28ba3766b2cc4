/**
 * The admin console in headless Chromium against the real app (one app and one browser for the file):
 * log in and out, search and open a profile, a refused edit and a refused status change as the user
 * sees them, a 412 with its reload, live timeline across two browsers, partner scoping, keyboard-only
 * use with visible focus, axe-core.
 */
import type { Page } from 'playwright-core';
import { LAPTOP, PHONE, eventually, hasAttribute, hasNone, hasText, hasValue, screenshot, seriousAxeViolations, startConsoleHarness, type ConsoleHarness } from './console-support.js';

import { jest } from '@jest/globals';

jest.setTimeout(60_000);

let harness: ConsoleHarness;
const ids: Record<string, number> = {};
let north: number;
let south: number;

async function create(body: object): Promise<number> {
  const answer = await harness.api('POST', '/customers', body);
  if (answer.status !== 201) throw new Error(`create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.id as number;
}

beforeAll(async () => {
  harness = await startConsoleHarness();
  north = (await harness.api('POST', '/partners', { name: 'North Fibre' })).body.id;
  south = (await harness.api('POST', '/partners', { name: 'South Wireless' })).body.id;
  const town = (await harness.api('POST', '/locations', { name: 'Harbour Town' })).body.id;
  ids.jane = await create({ fullName: 'Jane Mokoena', partnerId: north, locationId: town, emails: ['jane@example.com'], phones: ['+27 82 555 1234'], city: 'Durban' });
  ids.peter = await create({ fullName: 'Peter Naidoo', partnerId: north, locationId: town, emails: ['peter@example.com'], phones: ['+27 83 111 2222'] });
  ids.zola = await create({ fullName: 'Zola Dube', partnerId: south, locationId: town, emails: ['zola@example.com'], phones: ['+27 84 999 0000'] });
  await harness.api('POST', `/customers/${ids.peter}/status`, { status: 'active' });
  await harness.api('POST', `/customers/${ids.jane}/notes`, { text: 'Disputes every invoice: check with finance first', kind: 'debtor', popup: true });
  ids.thabo = await create({ fullName: 'Thabo Khumalo', partnerId: north, locationId: town, emails: ['thabo@example.com'], city: 'Cape Town' });
  await harness.api('PATCH', `/customers/${ids.thabo}`, { city: 'Stellenbosch' });
  await harness.api('PATCH', `/customers/${ids.thabo}`, { phones: ['+27 21 555 0101'] });
  await harness.api('POST', '/admins', { email: 'north@isp.example', name: 'Nora North', password: 'north-admin-password-1', role: 'manager', partnerIds: [north] });
});

afterAll(async () => {
  await harness?.close();
});

/** Opens a customer's profile from the list by searching for their name. */
async function openFromList(page: Page, search: string, name: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search' }).fill(search);
  await page.getByRole('link', { name }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

/** Closes the pop-up note alert (the customer must have one). */
async function dismissPopup(page: Page): Promise<void> {
  const dialog = page.getByRole('alertdialog');
  await dialog.getByRole('button', { name: 'OK, understood' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

test('logs in, shows the admin and role, logs out', async () => {
  const { page } = await harness.newPage();
  await page.goto('/customers');
  // Not logged in: the login screen, with the place asked for kept for after the login.
  await page.getByRole('heading', { name: 'Chronicle' }).waitFor();
  await page.getByLabel('Email').fill(harness.testApp.config.adminEmail);
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await hasText(page.getByRole('alert'), /Wrong email or password/);
  await screenshot(page, 'login');
  await harness.login(page);
  const who = page.getByLabel('Logged in as');
  await hasText(who, 'Super administrator');
  await hasText(who, 'super-administrator');
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  await page.goto('/customers');
  await page.getByRole('button', { name: 'Log in' }).waitFor();
});

test('searches as you type (state in the URL) and opens the profile with its pop-up note', async () => {
  const { page } = await harness.newPage();
  await harness.login(page);
  await page.getByRole('status').filter({ hasText: 'of 4 customers' }).waitFor();
  await page.getByRole('searchbox', { name: 'Search' }).fill('555');
  await page.getByRole('link', { name: 'Jane Mokoena' }).waitFor();
  await hasNone(page.getByRole('link', { name: 'Peter Naidoo' }));
  expect(new URL(page.url()).searchParams.get('q')).toBe('555');
  await page.getByLabel('Status').selectOption('active');
  await page.getByText('No customers match').waitFor();
  // The URL alone restores the list: a bookmark of active customers of North Fibre.
  await page.goto(`/customers?status=active&partnerId=${north}`);
  await page.getByRole('link', { name: 'Peter Naidoo' }).waitFor();
  await hasNone(page.getByRole('link', { name: 'Jane Mokoena' }));
  await hasValue(page.getByLabel('Status'), 'active');
  await page.goto('/customers');
  await screenshot(page, 'customer-list');
  await openFromList(page, 'mokoena', 'Jane Mokoena');
  const popup = page.getByRole('alertdialog');
  await hasText(popup, 'Disputes every invoice');
  await screenshot(page, 'profile-popup-note');
  await popup.getByRole('button', { name: 'OK, understood' }).click();
  await popup.waitFor({ state: 'hidden' });
  for (const section of ['Main information', 'VoIP account', 'Billing settings', 'Additional fields', 'Balance', 'Comments', 'Internal and debtor notes', 'CAP bonus data', 'Hardware', 'Contacts', 'Additional addresses', 'Timeline'])
    await page.getByRole('heading', { name: section, level: 2 }).waitFor();
  await screenshot(page, 'customer-profile');
});

test('an invalid edit shows the server message next to its field and writes nothing', async () => {
  const { page } = await harness.newPage();
  await harness.login(page);
  await page.goto(`/customers/${ids.peter}`);
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Emails', { exact: true }).fill('not-an-email');
  await page.getByRole('button', { name: 'Save' }).click();
  const emails = page.getByLabel('Emails', { exact: true });
  await hasAttribute(emails, 'aria-invalid', 'true');
  const describedBy = (await emails.getAttribute('aria-describedby'))!.split(' ');
  const message = page.locator(`[id="${describedBy.find((id) => id.endsWith('-error'))}"]`);
  await hasText(message, /emails must be an email/);
  const after = await harness.api('GET', `/customers/${ids.peter}?consistent=true`);
  expect(after.body.emails).toEqual(['peter@example.com']);
  await screenshot(page, 'profile-validation');
});

test('an edit after someone else changed the customer is a 412 that offers a reload', async () => {
  const { page } = await harness.newPage();
  await harness.login(page);
  await page.goto(`/customers/${ids.zola}`);
  await page.getByRole('button', { name: 'Edit' }).click();
  await harness.api('PATCH', `/customers/${ids.zola}`, { city: 'Pietermaritzburg' });
  await page.getByLabel('Street', { exact: true }).fill('1 Main Road');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').filter({ hasText: 'Someone else changed this customer' }).waitFor();
  expect((await harness.api('GET', `/customers/${ids.zola}?consistent=true`)).body.street).toBeNull();
  await page.getByRole('button', { name: 'Reload the customer' }).click();
  await hasValue(page.getByLabel('City', { exact: true }), 'Pietermaritzburg');
  await page.getByLabel('Street', { exact: true }).fill('1 Main Road');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  expect((await harness.api('GET', `/customers/${ids.zola}?consistent=true`)).body.street).toBe('1 Main Road');
});

test('offers only allowed status changes; a refused one shows the rule', async () => {
  const { page } = await harness.newPage();
  // No live updates in this browser: it keeps showing the customer as it was when opened.
  await page.routeWebSocket(/socket\.io/, () => undefined);
  await harness.login(page);
  await page.goto(`/customers/${ids.peter}`);
  const status = page.getByLabel('Change status to');
  await status.waitFor();
  // Active → Blocked or Inactive only (never back to New, nor "Active" again).
  expect(await status.locator('option').allTextContents()).toEqual(['Choose…', 'Blocked', 'Inactive']);
  await status.selectOption('blocked');
  // Meanwhile another admin deactivates the customer; Inactive → Blocked is not allowed.
  const deactivated = await harness.api('POST', `/customers/${ids.peter}/status`, { status: 'inactive' });
  expect(deactivated.status).toBe(200);
  // Read at the write's position: a plain GET answers the projection, which may trail the stream.
  const revision = (await harness.api('GET', `/customers/${ids.peter}?minPosition=${deactivated.body.position}`)).body.revision;
  await page.getByRole('button', { name: 'Change status' }).click();
  const alert = page.getByRole('alert');
  await hasText(alert, 'customer.status.transition_not_allowed');
  await screenshot(page, 'profile-status-refused');
  expect((await harness.api('GET', `/customers/${ids.peter}?consistent=true`)).body.revision).toBe(revision);
});

test("an edit in one browser appears in another browser's timeline without a reload", async () => {
  const first = await harness.newPage();
  const second = await harness.newPage();
  await harness.login(first.page);
  await harness.login(second.page);
  await first.page.goto(`/customers/${ids.jane}`);
  await second.page.goto(`/customers/${ids.jane}`);
  await dismissPopup(first.page);
  await dismissPopup(second.page);
  await second.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  await first.page.getByRole('button', { name: 'Edit' }).click();
  await first.page.getByLabel('City', { exact: true }).fill('Richards Bay');
  await first.page.getByRole('button', { name: 'Save' }).click();
  const timeline = second.page.getByRole('list', { name: 'Events, newest first' });
  await hasText(timeline.locator('> li').first(), 'Richards Bay');
  // The profile itself follows too.
  await hasText(second.page.locator('.facts').first(), 'Richards Bay');
  await screenshot(second.page, 'profile-live-timeline');
});

test("a partner-limited admin does not see another partner's customers", async () => {
  const { page } = await harness.newPage();
  await harness.login(page, 'north@isp.example', 'north-admin-password-1');
  await hasText(page.getByLabel('Logged in as'), `manager · partners ${north}`);
  await page.getByRole('link', { name: 'Jane Mokoena' }).waitFor();
  await hasNone(page.getByRole('link', { name: 'Zola Dube' }));
  await page.getByRole('searchbox', { name: 'Search' }).fill('zola');
  await page.getByText('No customers match').waitFor();
  await page.goto(`/customers/${ids.zola}`);
  await hasText(page.getByRole('alert'), /does not exist.*customer\.not_found/);
  // A manager has no reference-data or admins permission: not offered.
  await hasNone(page.getByRole('link', { name: 'Admins' }));
  await hasNone(page.getByRole('link', { name: 'Reference data' }));
});

test('time travel: the slider shows an earlier revision with its changes marked; the chain verifies', async () => {
  const { page } = await harness.newPage();
  await harness.login(page);
  await page.goto(`/customers/${ids.thabo}`);
  await page.getByRole('link', { name: 'History and audit' }).click();
  const slider = page.getByRole('slider', { name: 'Revision' });
  await hasValue(slider, '2');
  const city = page.locator('tr[data-field="city"]');
  await hasText(city, 'Stellenbosch');
  // Keyboard only: Home goes to the first revision.
  await slider.focus();
  await page.keyboard.press('Home');
  await hasText(page.getByText(/^Revision \d+ of 2/), 'Revision 0 of 2');
  await hasText(city, 'Cape Town');
  expect(new URL(page.url()).searchParams.get('revision')).toBe('0');
  await page.keyboard.press('ArrowRight');
  await hasText(city, /Stellenbosch.*Cape Town/);
  await hasAttribute(city, 'class', 'changed');
  await hasText(page.locator('.what-happened'), /Stellenbosch|Cape Town|city/i);
  await hasNone(page.locator('tr.changed[data-field="phones"]'));
  await hasText(page.getByRole('status').filter({ hasText: 'Hash chain' }), /Hash chain verified: 3 event/);
  await screenshot(page, 'customer-history');
});

test('the activity page follows every customer live', async () => {
  const { page } = await harness.newPage();
  await harness.login(page);
  await page.getByRole('link', { name: 'Activity' }).click();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  await harness.api('POST', `/customers/${ids.zola}/comments`, { text: 'Asked about a faster line' });
  await hasText(page.getByRole('list', { name: 'Events, newest first' }), /comment/i);
  await screenshot(page, 'activity');
});

/**
 * Presses Tab until `target` has the focus (at most `limit` presses, so a control the keyboard cannot
 * reach fails the test), and checks the focus is visible where it lands.
 */
async function tabTo(page: Page, target: ReturnType<Page['getByRole']>, limit = 80): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) {
      const focus = await target.evaluate((element) => {
        const style = getComputedStyle(element);
        return { outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0, shadow: style.boxShadow !== 'none' };
      });
      expect(focus.outline || focus.shadow).toBe(true);
      return;
    }
  }
  throw new Error(`${String(target)} was not reached with ${limit} Tab presses`);
}

test('works with the keyboard alone: log in, search, open a profile, edit and save, with the focus visible', async () => {
  const { page } = await harness.newPage();
  await page.goto('/');
  await tabTo(page, page.getByLabel('Email'));
  await page.keyboard.type(harness.testApp.config.adminEmail);
  await tabTo(page, page.getByLabel('Password'));
  await page.keyboard.type(harness.testApp.config.adminPassword);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();

  // The skip link comes first and takes the focus to the content.
  await tabTo(page, page.getByRole('link', { name: 'Skip to content' }), 3);
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByRole('searchbox', { name: 'Search' }));
  await page.keyboard.type('Khumalo');
  const link = page.getByRole('link', { name: 'Thabo Khumalo' });
  await link.waitFor();
  await hasNone(page.getByRole('link', { name: 'Jane Mokoena' }));
  await tabTo(page, link);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Thabo Khumalo', level: 1 }).waitFor();

  await tabTo(page, page.getByRole('button', { name: 'Edit' }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByLabel('Street', { exact: true }));
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('7 Keyboard Lane');
  await tabTo(page, page.getByRole('button', { name: 'Save' }));
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  expect((await harness.api('GET', `/customers/${ids.thabo}?consistent=true`)).body.street).toBe('7 Keyboard Lane');
});

test('reference data, admins and operations screens show and change what the API holds', async () => {
  const { page } = await harness.newPage();
  await harness.login(page);
  await page.getByRole('link', { name: 'Reference data' }).click();
  await hasText(page.getByRole('region', { name: 'Partners' }), 'North Fibre');
  await page.getByLabel('New partner name').fill('East Cable');
  await page.getByRole('form', { name: 'New partner' }).getByRole('button', { name: 'Add' }).click();
  await hasText(page.getByRole('region', { name: 'Partners' }), 'East Cable');
  await page.getByLabel('Login length').fill('abc');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await hasText(page.getByRole('form', { name: 'Customer settings' }), /loginLength/);
  await screenshot(page, 'reference-data');
  await page.getByRole('link', { name: 'Admins' }).click();
  await hasText(page.getByRole('region', { name: 'Administrators' }), 'Nora North');
  await page.getByRole('link', { name: 'Operations' }).click();
  const projections = page.getByRole('region', { name: 'Projections' });
  await hasText(projections, 'customer_list');
  await page.getByRole('button', { name: 'Rebuild customer_stats' }).click();
  await hasText(projections.locator('tr', { hasText: 'customer_stats' }), /running|done/);
  await screenshot(page, 'operations');
});

describe.each([
  ['laptop', LAPTOP],
  ['phone', PHONE],
])('axe-core at %s width', (name, viewport) => {
  test('finds no serious or critical violation on any screen', async () => {
    const { page } = await harness.newPage(viewport);
    await page.goto('/login');
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await harness.login(page);
    await page.getByRole('link', { name: 'Jane Mokoena' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (name === 'phone') await screenshot(page, 'customer-list-phone');
    await page.goto(`/customers/${ids.jane}`);
    await page.getByRole('alertdialog').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dismissPopup(page);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (name === 'phone') await screenshot(page, 'customer-profile-phone');
    for (const [path, heading] of [
      [`/customers/${ids.thabo}/history`, 'Audit'],
      ['/activity', 'Activity'],
      ['/reference-data', 'Customer settings'],
      ['/admins', 'Roles'],
      ['/operations', 'Projections'],
    ]) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading }).first().waitFor();
      await page.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => undefined);
      expect({ path, violations: await seriousAxeViolations(page) }).toEqual({ path, violations: [] });
    }
  });
});

test('"Erase personal data": a reason, a confirmation, then the profile reads "[erased]"', async () => {
  const { page } = await harness.newPage();
  await harness.login(page);
  const id = await create({ fullName: 'Erin Erasable', partnerId: north, locationId: (await harness.api('POST', '/locations', { name: 'Erase Town' })).body.id, emails: ['erin@example.com'] });
  await harness.api('POST', `/customers/${id}/status`, { status: 'inactive' });
  await page.goto(`/customers/${id}`);
  await page.getByRole('heading', { name: 'Erin Erasable', level: 1 }).waitFor();
  const form = page.getByRole('form', { name: 'Erase personal data' });
  await form.getByLabel('Reason (required)').fill('Request of the customer, ticket 77');
  await form.getByRole('button', { name: 'Erase personal data' }).click();
  const dialog = page.getByRole('dialog', { name: /Erase the personal data of Erin Erasable/ });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  expect((await harness.api('GET', `/customers/${id}`)).body.fullName).toBe('Erin Erasable');
  await form.getByRole('button', { name: 'Erase personal data' }).click();
  await dialog.getByRole('button', { name: 'Erase for good' }).click();
  await page.getByRole('heading', { name: '[erased]', level: 1 }).waitFor();
  await hasText(page.locator('.profile-header'), 'Personal data erased');
  expect((await harness.api('GET', `/customers/${id}`)).body).toMatchObject({ fullName: '[erased]', emails: ['[erased]'] });
});

test('/favicon.ico is the icon, a missing file is 404, and no /api path is answered with the page', async () => {
  const html = { Accept: 'text/html' };
  const favicon = await fetch(`${harness.url}/favicon.ico`, { headers: html });
  expect(favicon.status).toBe(200);
  expect(favicon.headers.get('Content-Type')).toMatch(/image\/svg\+xml/);
  expect((await fetch(`${harness.url}/robots.txt`, { headers: html })).status).toBe(404);
  for (const path of ['/api', '/api/v1/no-such-thing', '/api/unknown/deeper']) {
    const answer = await fetch(`${harness.url}${path}`, { headers: html });
    expect({ path, status: answer.status, html: (await answer.text()).includes('<div id="root">') }).toEqual({ path, status: 404, html: false });
  }
  const page = await fetch(`${harness.url}/customers/42`, { headers: html });
  expect(await page.text()).toContain('<div id="root">');
});

describe.each([
  ['laptop', LAPTOP],
  ['phone', PHONE],
])('the audit log at %s width', (name, viewport) => {
  test('filters by customer, lists the entries without sideways scrolling, exports, passes axe', async () => {
    const { page } = await harness.newPage(viewport);
    await harness.login(page);
    await page.goto('/audit');
    const filters = page.getByRole('form', { name: 'Filter the audit log' });
    await filters.getByLabel('Customer id').fill(String(ids.thabo));
    await filters.getByRole('button', { name: 'Apply' }).click();
    const entries = page.getByRole('region', { name: 'Audit log entries' });
    await hasText(entries, `#${ids.thabo}`);
    await hasNone(entries.getByRole('link', { name: `#${ids.jane}` }));
    const fits = await entries.evaluate((element) => element.scrollWidth <= element.clientWidth + 1);
    expect(fits).toBe(true);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export (CSV)' }).click();
    expect((await download).suggestedFilename()).toMatch(/\.csv$/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, `audit-log-${name}`);
  });
});

test('"As of" on the customer list shows the customers as they were then, with the day in the URL', async () => {
  const { page } = await harness.newPage();
  await harness.login(page);
  await page.getByRole('link', { name: 'Jane Mokoena' }).waitFor();
  await page.getByLabel('As of (end of day, UTC)').fill('2000-01-01');
  await eventually(() => expect(new URL(page.url()).searchParams.get('asOf')).toBe('2000-01-01'));
  await hasNone(page.getByRole('link', { name: 'Jane Mokoena' }));
  await page.goto('/customers');
  await page.getByRole('link', { name: 'Jane Mokoena' }).waitFor();
});
