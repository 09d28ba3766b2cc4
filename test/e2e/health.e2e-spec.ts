import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('operations endpoints', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('GET /health reports database, event store and projections up', async () => {
    const response = await request(testApp.app.getHttpServer()).get('/health').expect(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.info.database.status).toBe('up');
    expect(response.body.info.eventStore).toMatchObject({ status: 'up', adapter: 'postgres' });
    expect(response.body.info.projections.status).toBe('up');
    expect(Array.isArray(response.body.info.projections.projections)).toBe(true);
  });

  it('serves the OpenAPI document', async () => {
    const response = await request(testApp.app.getHttpServer()).get('/api/docs-json').expect(200);
    expect(response.body.info.title).toBe('Chronicle');
  });

  it('exposes Prometheus metrics', async () => {
    const response = await request(testApp.app.getHttpServer()).get('/metrics').expect(200);
    expect(response.text).toContain('process_cpu_user_seconds_total');
  });

  it('answers unknown routes with a problem document', async () => {
    const response = await request(testApp.app.getHttpServer()).get('/api/v1/nope').expect(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 404, title: 'Not Found' });
  });
});
