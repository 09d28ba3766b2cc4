import { RULE_CODES } from './rule-codes.js';

export const RULE_CODES_DOCUMENT = 'docs/rule-codes.md';

/** docs/rule-codes.md: every rule code, grouped by area, with its status and meaning. */
export function renderRuleCodesMarkdown(): string {
  const lines = [
    '# Rule codes',
    '',
    '<!-- Generated from src/common/rule-codes.ts by `npm run rules:write`; do not edit by hand. -->',
    '',
    'Every error answer is `application/problem+json` (RFC 9457) with a `rule` naming what was refused; its',
    '`type` is `https://chronicle.dev/problems/<rule>`. Socket.IO refusals on `/activity` (`connect_error`',
    'data, `{ok: false, error}` acks, `unauthorized`, `subscriptionError`) carry the same `rule` field.',
    'A 422 `request.validation_failed` lists each offending field in `errors[]` as `{field, rule, message}`',
    '(field rules: [validation.md](validation.md)). Codes are dotted lowercase with underscores: `<area>.<rule>`.',
    '',
    '| rule | status | meaning |',
    '| --- | --- | --- |',
  ];
  for (const [rule, { status, meaning }] of Object.entries(RULE_CODES)) {
    lines.push(`| \`${rule}\` | ${status} | ${meaning.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n') + '\n';
}
