/**
 * Debian's Chromium, as the console specs and the console benchmark drive it (no browser download:
 * the network is closed), and the console build they both need first.
 */
import { spawnSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Builds console/dist when its sources changed, with the same stamp-based check `npm start` uses. */
export function ensureConsoleBuilt(root = process.cwd()): void {
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs', '--only', 'console', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`console build failed: ${build.stdout}${build.stderr}`);
}
