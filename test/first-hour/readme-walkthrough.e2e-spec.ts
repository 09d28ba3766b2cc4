import { startTestApp, type TestApp } from '../support/test-app.js';
import { bashBlockUnder, runBash } from './doc-blocks.js';

describe('README "A first session"', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('runs as written in bash against a started app and does what its comments say', async () => {
    const block = bashBlockUnder('README.md', 'A first session');
    expect(block).not.toMatch(/localhost:3000\/api|<[a-z]+>/); // no fixed port in commands, no placeholders to fill in
    const run = await runBash(block, { BASE: testApp.url });
    expect(run).toMatchObject({ status: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    const created = JSON.parse(lines[0]);
    expect(created).toMatchObject({ id: expect.anything(), revision: expect.any(Number), position: expect.any(String) });
    const list = JSON.parse(lines[1]);
    expect(JSON.stringify(list)).toContain('Jane Doe');
    expect(JSON.parse(lines[2])).toMatchObject({ revision: expect.any(Number), position: expect.any(String) });
    expect(JSON.parse(lines[3])).toMatchObject({ status: 409, rule: 'customer.delete.requires_inactive' });
    expect(lines[4]).toMatch(/Status changed from New to Active by/);
  }, 40_000);
});
