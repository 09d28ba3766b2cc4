/**
 * Shared by the console e2e specs: one app (the real Nest app serving the built console) and one
 * headless Chromium per spec file, pages per test. The console is built first when its sources changed.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ensureConsoleBuilt, launchChromium } from '../support/chromium.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ROOT = process.cwd();
export const LAPTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };
/** Set SCREENSHOTS=1 (npm run console:screenshots) to write docs/screenshots/*.png. */
const SCREENSHOTS = process.env.SCREENSHOTS === '1';

export interface ConsoleHarness {
  testApp: TestApp;
  browser: Browser;
  url: string;
  /** A fresh browser context (its own session storage) and page at the given viewport. */
  newPage(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
  /** Logs in through the login screen and waits for the customer list. */
  login(page: Page, email?: string, password?: string): Promise<void>;
  api(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startConsoleHarness(): Promise<ConsoleHarness> {
  ensureConsoleBuilt();
  const testApp = await startTestApp();
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  const url = testApp.url;
  return {
    testApp,
    browser,
    url,
    async newPage(viewport = LAPTOP) {
      const context = await browser.newContext({ viewport, baseURL: url });
      contexts.push(context);
      const page = await context.newPage();
      return { context, page };
    },
    async login(page, email = testApp.config.adminEmail, password = testApp.config.adminPassword) {
      await page.goto('/');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
    },
    async api(method, path, body, token = testApp.token) {
      const response = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await testApp.close();
    },
  };
}

const requireFromHere = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page (evaluated, so the app's CSP does not block it); the serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(requireFromHere.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.map((node) => ({ target: node.target })) }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** docs/screenshots/<name>.png, only when SCREENSHOTS=1 (so test runs leave the working tree clean). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  const folder = join(ROOT, 'docs', 'screenshots');
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage: false });
}

/** Retries an assertion until it passes (a page updates asynchronously), at most `timeoutMs`. */
export async function eventually(assertion: () => Promise<void> | void, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The locator's text comes to match. */
export const hasText = (locator: Locator, pattern: RegExp | string) =>
  eventually(async () => expect((await locator.first().textContent()) ?? '').toMatch(typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : pattern));
/** Nothing matches the locator (any more). */
export const hasNone = (locator: Locator) => eventually(async () => expect(await locator.count()).toBe(0));
export const hasValue = (locator: Locator, value: string) => eventually(async () => expect(await locator.inputValue()).toBe(value));
export const hasAttribute = (locator: Locator, name: string, value: string) => eventually(async () => expect(await locator.getAttribute(name)).toBe(value));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
