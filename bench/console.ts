/**
 * Benchmark 9: the admin console on a large database, in a real browser.
 *
 * Generates --customers customers (default 1,000,000) as CustomerCreated events, builds every
 * projection by the real rebuild, starts the real app (dist/…/main.js, serving the built console) on
 * that PostgreSQL database, and drives Debian's Chromium (playwright-core) through it:
 *   - JS and CSS shipped, gzipped (what a first visit downloads);
 *   - first screen: a new browser context opens / until the login form is usable (cold cache), and
 *     log in until the customer list shows its first page with the total;
 *   - search as you type: a name fragment typed until the list shows its matches;
 *   - list to profile: a click on a customer in the list until its profile heading shows, and back.
 * Times are wall-clock from the driver (they include the driver's own few milliseconds).
 *
 *   npm run bench:console -- --customers=1000000 --navigations=30
 *   npm run bench:console -- --reuse            (keep the generated database of a previous --keep run)
 *   --rebuild-concurrency=N                     (projections rebuilt at a time, default 2)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { ensureConsoleBuilt, launchChromium } from '../test/support/chromium.js';
import { DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD } from '../src/config/app-config.js';
import { openDatabase, type Database } from '../src/database/database.js';
import { migrateEventStore } from '../src/event-store/postgres/event-store-migrations.js';
import { allProjections } from '../projections/index.js';
import { startApp } from './support/app.js';
import { Args, existingDatabase, formatInt, freshDatabase, now, printFigures, printHeader, runMain, Samples } from './support/common.js';
import { FIRST_NAMES, generateCustomers, insertReferenceData, lifecycleTemplates } from './support/generate.js';
import { rebuildConcurrently } from './rebuild.js';

// Compiled to dist/bench/bench/console.js: the repository is three folders up.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const VIEWPORT = { width: 1366, height: 900 };

/** Bytes of the built console's JS and CSS, raw and gzipped (level 9, as a static server would precompress). */
function shippedAssets(): { js: number; jsGzip: number; css: number; cssGzip: number } {
  const folder = join(ROOT, 'console/dist/assets');
  const sizes = { js: 0, jsGzip: 0, css: 0, cssGzip: 0 };
  for (const file of readdirSync(folder)) {
    const content = readFileSync(join(folder, file));
    if (file.endsWith('.js')) {
      sizes.js += content.length;
      sizes.jsGzip += gzipSync(content, { level: 9 }).length;
    } else if (file.endsWith('.css')) {
      sizes.css += content.length;
      sizes.cssGzip += gzipSync(content, { level: 9 }).length;
    }
  }
  return sizes;
}

async function prepare(database: Database, customers: number, concurrency: number): Promise<void> {
  await migrateEventStore(database.db);
  await insertReferenceData(database.db);
  const generated = await generateCustomers(database.db, { customers, templates: lifecycleTemplates('create-only'), chunkCustomers: 100_000, log: true });
  console.log(`generated ${formatInt(generated.events)} CustomerCreated events in ${(generated.ms / 1000).toFixed(1)} s`);
  // Every projection the app reads, so it starts caught up instead of folding the million events itself;
  // --rebuild-concurrency at a time (default 2: one rebuild waits on PostgreSQL while the other folds in Node).
  const startedAt = now();
  await rebuildConcurrently(database, allProjections.map((projection) => projection.name), concurrency);
  console.log(`rebuilt ${allProjections.length} projections in ${((now() - startedAt) / 1000).toFixed(1)} s (${concurrency} at a time)`);
  await sql`vacuum analyze`.execute(database.db);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

/** The list's page is on screen: the heading, and the result count no longer searching or updating. */
async function listShown(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
  await page.waitForFunction(() => {
    const count = document.querySelector('.result-count')?.textContent ?? '';
    return /customers|shown|No customers match/.test(count) && !/Searching|updating/.test(count);
  });
}

async function main(): Promise<void> {
  const args = new Args();
  const customers = args.int('customers', 1_000_000);
  const navigations = args.int('navigations', 30);
  const coldStarts = args.int('cold-starts', 5);
  const dbName = args.string('db', 'chronicle_bench_console');
  const reuse = args.flag('reuse');
  const keep = args.flag('keep') || reuse;
  const rebuildConcurrency = args.int('rebuild-concurrency', 2);
  await printHeader('Benchmark 9: the admin console in Chromium (PostgreSQL)', args.used);

  ensureConsoleBuilt(ROOT);
  const assets = shippedAssets();

  const existing = reuse ? await existingDatabase(dbName) : null;
  const fresh = existing ? { url: existing, drop: async () => undefined } : await freshDatabase(dbName);
  if (!existing) {
    const database = await openDatabase({ connectionString: fresh.url, poolSize: 4 + 2 * rebuildConcurrency });
    try {
      await prepare(database, customers, rebuildConcurrency);
    } finally {
      await database.close();
    }
  } else console.log(`reusing ${dbName} (--reuse)`);

  const app = await startApp({ databaseUrl: fresh.url, startTimeoutMs: 10 * 60_000 });
  const browser = await launchChromium();
  try {
    const loginScreen = new Samples();
    const loginToList = new Samples();
    for (let k = 0; k < coldStarts; k++) {
      const context = await browser.newContext({ viewport: VIEWPORT, baseURL: app.url });
      const page = await context.newPage();
      const t0 = now();
      await page.goto('/');
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      loginScreen.add(now() - t0);
      await page.getByLabel('Email').fill(DEV_ADMIN_EMAIL);
      await page.getByLabel('Password').fill(DEV_ADMIN_PASSWORD);
      const t1 = now();
      await page.getByRole('button', { name: 'Log in' }).click();
      await listShown(page);
      loginToList.add(now() - t1);
      await context.close();
    }

    const context = await browser.newContext({ viewport: VIEWPORT, baseURL: app.url });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('Email').fill(DEV_ADMIN_EMAIL);
    await page.getByLabel('Password').fill(DEV_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await listShown(page);
    const totalText = (await page.getByRole('status').filter({ hasText: /customers/ }).first().textContent()) ?? '';

    // Search as you type: a fragment of a first name, until a matching customer link shows.
    const search = new Samples();
    for (let k = 0; k < Math.min(navigations, FIRST_NAMES.length); k++) {
      const name = FIRST_NAMES[(k * 7) % FIRST_NAMES.length];
      const box = page.getByRole('searchbox', { name: 'Search' });
      await box.fill('');
      await listShown(page);
      const fragment = name.slice(0, 4).toLowerCase();
      const t0 = now();
      const answered = page.waitForResponse((response) => response.request().method() === 'GET' && response.url().includes('/api/v1/customers?') && response.url().includes(`q=${fragment}`));
      await box.fill(fragment);
      await answered;
      await listShown(page);
      search.add(now() - t0);
    }
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await listShown(page);

    // List to profile and back, a different customer of the first page each time.
    const toProfile = new Samples();
    const backToList = new Samples();
    const links = page.locator('main a[href^="/customers/"]');
    const rows = Math.max(1, await links.count());
    for (let k = 0; k < navigations; k++) {
      const link = links.nth(k % rows);
      const name = ((await link.textContent()) ?? '').trim();
      const t0 = now();
      await link.click();
      await page.getByRole('heading', { name, level: 1 }).waitFor();
      toProfile.add(now() - t0);
      const t1 = now();
      await page.goBack();
      await listShown(page);
      backToList.add(now() - t1);
    }
    await context.close();

    console.log(`database: ${totalText.trim()}`);
    console.log(`login screen (cold)      ${loginScreen.summary()}`);
    console.log(`log in → customer list   ${loginToList.summary()}`);
    console.log(`search as you type       ${search.summary()}`);
    console.log(`list → profile           ${toProfile.summary()}`);
    console.log(`profile → back to list   ${backToList.summary()}`);
    console.log('');
    printFigures([
      ['JS shipped (gzipped)', `${kib(assets.jsGzip)} (${kib(assets.js)} raw)`],
      ['CSS shipped (gzipped)', `${kib(assets.cssGzip)} (${kib(assets.css)} raw)`],
      ['login screen, cold p50', `${loginScreen.percentile(50).toFixed(0)} ms`],
      ['log in → list p50', `${loginToList.percentile(50).toFixed(0)} ms`],
      ['search as you type p95', `${search.percentile(95).toFixed(0)} ms`],
      ['list → profile p50 / p95', `${toProfile.percentile(50).toFixed(0)} / ${toProfile.percentile(95).toFixed(0)} ms`],
    ]);
  } finally {
    await browser.close();
    await app.stop();
    if (!keep) await fresh.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main, 180 * 60_000);
