import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_RULES, ROLE_RULES } from '../../src/admins/domain/index.js';
import { AUTH_FAILURE_RULES } from '../../src/auth/auth-errors.js';
import { problemOf } from '../../src/common/http-errors.js';
import { renderRuleCodesMarkdown, RULE_CODES_DOCUMENT } from '../../src/common/rule-codes-markdown.js';
import { RULE_CODE_STYLE, RULE_CODES } from '../../src/common/rule-codes.js';
import { CUSTOMER_TAKEN_RULES } from '../../src/customers/application/customer-reservations.js';
import { CUSTOMER_RULES, DomainRuleViolation } from '../../src/customers/domain/index.js';
import { LOCATION_RULES, PARTNER_RULES } from '../../src/reference-data/domain/index.js';

const registered = Object.keys(RULE_CODES);
const areas = new Set(registered.map((rule) => rule.split('.')[0]));

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every quoted string in src that looks like a rule code of a known area: what the code can emit. */
function ruleLiteralsInSource(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles('src')) {
    if (file.endsWith(join('common', 'rule-codes.ts'))) continue;
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const [, literal] of code.matchAll(/['"]([a-z][a-z_]*(?:\.[a-z][a-z_]*)+)['"]/g)) {
      const looksLikeRule = areas.has(literal.split('.')[0]) || /\.(not_found|forbidden|[a-z_]*taken|malformed[a-z_]*|invalid[a-z_]*|unknown)$/.test(literal);
      if (looksLikeRule && !found.has(literal)) found.set(literal, file);
    }
  }
  return found;
}

describe('rule codes', () => {
  it('are dotted lowercase with underscores and carry an HTTP status and a meaning', () => {
    for (const [rule, { status, meaning }] of Object.entries(RULE_CODES)) {
      expect({ rule, style: RULE_CODE_STYLE.test(rule) }).toEqual({ rule, style: true });
      expect(status >= 400 && status <= 599).toBe(true);
      expect(meaning.length).toBeGreaterThan(10);
    }
  });

  it('lists every code the domain and auth constants name', () => {
    const constants = [CUSTOMER_RULES, CUSTOMER_TAKEN_RULES, ADMIN_RULES, ROLE_RULES, PARTNER_RULES, LOCATION_RULES, AUTH_FAILURE_RULES];
    const missing = constants.flatMap((rules) => Object.values(rules)).filter((rule) => !registered.includes(rule));
    expect(missing).toEqual([]);
  });

  it('lists every rule literal in src, and every listed code is emitted somewhere in src', () => {
    const literals = ruleLiteralsInSource();
    const unlisted = [...literals].filter(([rule]) => !registered.includes(rule) && !/^(customers|feed|audit)\.[a-z_]+$/.test(rule));
    expect(unlisted).toEqual([]);
    const neverEmitted = registered.filter((rule) => !literals.has(rule));
    expect(neverEmitted).toEqual([]);
  });

  it('give the mapper its status: not_found 404, forbidden 403, other refusals 409', () => {
    for (const rule of registered.filter((code) => /^(customer|partner|location|additional_field|admin|role)\./.test(code))) {
      const problem = problemOf(new DomainRuleViolation(rule, 'refused'));
      expect({ rule, status: problem.status, type: problem.type }).toEqual({ rule, status: RULE_CODES[rule as keyof typeof RULE_CODES].status, type: `https://chronicle.dev/problems/${rule}` });
      if (rule.endsWith('.not_found')) expect({ rule, status: problem.status }).toEqual({ rule, status: 404 });
      else expect({ rule, status: [403, 409].includes(problem.status) }).toEqual({ rule, status: true });
    }
  });

  it(`are documented in ${RULE_CODES_DOCUMENT} (npm run rules:write)`, () => {
    expect(readFileSync(RULE_CODES_DOCUMENT, 'utf8')).toBe(renderRuleCodesMarkdown());
  });
});
