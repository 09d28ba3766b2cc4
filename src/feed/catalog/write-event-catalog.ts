/**
 * `npm run catalog:write`: writes docs/event-catalog.md from the published catalogue.
 * `--check` only compares and exits 1 when the file is stale.
 */
import { writeGeneratedDocument } from '../../common/generated-document.js';
import { renderCatalogMarkdown } from './catalog-markdown.js';
import { PUBLISHED_CATALOG } from './published-catalog.js';

export const EVENT_CATALOG_DOCUMENT = 'docs/event-catalog.md';

writeGeneratedDocument(EVENT_CATALOG_DOCUMENT, renderCatalogMarkdown(PUBLISHED_CATALOG), {
  command: 'npm run catalog:write',
  summary: `${PUBLISHED_CATALOG.events.length} event types`,
});
