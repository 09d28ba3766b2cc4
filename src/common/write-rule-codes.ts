/**
 * `npm run rules:write`: writes docs/rule-codes.md from RULE_CODES. `--check` only compares and
 * exits 1 when the file is stale.
 */
import { writeGeneratedDocument } from './generated-document.js';
import { renderRuleCodesMarkdown, RULE_CODES_DOCUMENT } from './rule-codes-markdown.js';

writeGeneratedDocument(RULE_CODES_DOCUMENT, renderRuleCodesMarkdown(), { command: 'npm run rules:write' });
