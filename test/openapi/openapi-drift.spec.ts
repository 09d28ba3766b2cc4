import { readFileSync } from 'node:fs';
import request from 'supertest';
import { OPENAPI_DOCUMENT_PATH, openApiDocument, serializeOpenApiDocument } from '../../src/cli/openapi-document.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** docs/openapi.json is what clients are generated from: it must be exactly what the app serves. */
describe('docs/openapi.json', () => {
  let testApp: TestApp;
  const committed = readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8');

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp?.close());

  it('equals the document the running app serves at /api/docs-json (run `npm run openapi:write` after changing the API)', async () => {
    const served = await request(testApp.app.getHttpServer()).get('/api/docs-json').expect(200);
    expect(JSON.parse(committed)).toEqual(served.body);
  });

  it('is written byte for byte as `npm run openapi:write` writes it', async () => {
    expect(committed).toBe(serializeOpenApiDocument(await openApiDocument()));
  });
});
