import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * The app as `npm start` runs it (the compiled main, built if stale): a banner with the URLs, one log
 * line per request without headers, /health and /metrics quiet at info, and at debug the routes
 * announced are routes that answer.
 */
const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const port = 3100 + Math.floor(Math.random() * 800);

function startApp(env: NodeJS.ProcessEnv): { child: ChildProcess; lines: () => string[]; ready: Promise<void> } {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: { PATH: process.env.PATH, DATA_DIR: ':memory:', PORT: String(port), LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Chronicle listening')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`app exited ${code}: ${output}`));
    });
  });
  return { child, lines: () => output.split('\n').filter(Boolean), ready };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const parsed = (lines: string[]) => lines.flatMap((line) => { try { return [JSON.parse(line)]; } catch { return []; } });

describe('start and logs (compiled app)', () => {
  beforeAll(() => {
    const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs', '--quiet'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  }, 180_000);

  it('prints a banner with the URLs, logs a request once in one line without headers, keeps /health and /metrics out at info', async () => {
    const app = startApp({ LOG_LEVEL: 'info' });
    try {
      await app.ready;
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      expect((await fetch(`${base}/api/v1/customers`, { headers: { 'x-request-id': 'walk-1' } })).status).toBe(401);
      expect((await fetch(`${base}/api/v1/feed/stream?ticket=secret-ticket-value`)).status).toBeGreaterThanOrEqual(400);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const logs = parsed(app.lines());
      const banner = logs.find((log) => log.msg === 'Chronicle listening');
      expect(banner).toMatchObject({ health: `http://localhost:${port}/health`, docs: `http://localhost:${port}/api/docs`, api: `http://localhost:${port}/api/v1` });
      const requests = logs.filter((log) => log.req);
      expect(requests.filter((log) => log.req.url === '/health' || log.req.url === '/metrics')).toEqual([]);
      const customers = requests.filter((log) => log.req.url === '/api/v1/customers');
      expect(customers).toHaveLength(1);
      expect(customers[0]).toMatchObject({ msg: 'GET /api/v1/customers 401 ' + customers[0].msg.split(' ').pop(), req: { id: 'walk-1' }, res: { statusCode: 401 } });
      expect(JSON.stringify(customers[0])).not.toMatch(/headers|content-security-policy|x-powered-by/i);
      expect(app.lines().join('\n')).not.toContain('secret-ticket-value');
      // Start-up says what matters, not one line per module and route.
      expect(logs.filter((log) => !log.req).length).toBeLessThan(10);
    } finally {
      await stop(app.child);
    }
  }, 60_000);

  it('at debug, every route it announces is served (no /api/v1/health), and /health is logged once', async () => {
    const app = startApp({ LOG_LEVEL: 'debug' });
    try {
      await app.ready;
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const logs = parsed(app.lines());
      const routes: string[] = logs.find((log) => log.msg === 'routes served')?.routes;
      expect(routes).toEqual(expect.arrayContaining(['GET /health', 'GET /metrics', 'POST /api/v1/auth/login']));
      expect(routes).not.toContain('GET /api/v1/health');
      for (const route of routes.filter((r) => r.startsWith('GET ') && !r.includes(':') && !r.includes('*'))) {
        const response = await fetch(`${base}${route.slice(4)}`);
        expect([route, response.status]).not.toEqual([route, 404]);
      }
      expect(logs.filter((log) => log.req?.url === '/health')).toHaveLength(1);
      expect(JSON.stringify(logs)).not.toContain('Mapped {');
    } finally {
      await stop(app.child);
    }
  }, 60_000);
});
