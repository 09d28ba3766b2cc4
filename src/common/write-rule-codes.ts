/**
 * `npm run rules:write`: writes docs/rule-codes.md from RULE_CODES. `--check` only compares and
 * exits 1 when the file is stale.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { renderRuleCodesMarkdown, RULE_CODES_DOCUMENT } from './rule-codes-markdown.js';

const target = resolve(process.cwd(), RULE_CODES_DOCUMENT);
const text = renderRuleCodesMarkdown();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error(`${RULE_CODES_DOCUMENT} is out of date: run npm run rules:write`);
    process.exit(1);
  }
  console.log(`${RULE_CODES_DOCUMENT} is up to date`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`Wrote ${RULE_CODES_DOCUMENT}`);
}
