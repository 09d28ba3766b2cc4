/**
 * `npm run catalog:write`: writes docs/event-catalog.md from the published catalogue.
 * `--check` only compares and exits 1 when the file is stale.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { renderCatalogMarkdown } from './catalog-markdown.js';
import { PUBLISHED_CATALOG } from './published-catalog.js';

export const EVENT_CATALOG_DOCUMENT = 'docs/event-catalog.md';

const target = resolve(process.cwd(), EVENT_CATALOG_DOCUMENT);
const text = renderCatalogMarkdown(PUBLISHED_CATALOG);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error(`${EVENT_CATALOG_DOCUMENT} is out of date: run npm run catalog:write`);
    process.exit(1);
  }
  console.log(`${EVENT_CATALOG_DOCUMENT} is up to date (${PUBLISHED_CATALOG.events.length} event types)`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`Wrote ${EVENT_CATALOG_DOCUMENT} (${PUBLISHED_CATALOG.events.length} event types)`);
}
