import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import type { TokenPair } from '../../src/auth/auth.service.js';
import { IN_MEMORY, loadAppConfig, type AppConfig } from '../../src/config/app-config.js';
import { configureHttpApp } from '../../src/http-app.js';
import { CLOCK, type Clock } from '../../src/domain-kernel/clock.js';
import { createFreshPostgresDatabase, postgresUrl } from './test-databases.js';

/** supertest's agent: default headers on every request. */
export type TestAgent = ReturnType<typeof request.agent>;

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> — for socket.io / SSE clients. */
  url: string;
  /** The database URL (a fresh one on the real server), or undefined on PGlite. */
  databaseUrl?: string;
  /** POST /api/v1/auth/login; defaults to the first super-administrator (ADMIN_EMAIL / ADMIN_PASSWORD). Throws unless 200. */
  login(email?: string, password?: string): Promise<TokenPair>;
  /** An access token of the first super-administrator (one login per app, then reused). */
  adminToken(): Promise<string>;
  /** The same token, logged in when the app started. */
  token: string;
  /** A supertest agent that sends `Authorization: Bearer <token>` on every request: `testApp.agent.get('/api/v1/customers')`. */
  agent: TestAgent;
  close(): Promise<void>;
}

/**
 * Boots the whole app as main.ts does, on a fresh database: the real PostgreSQL server when
 * DATABASE_URL is set (a new database per call), otherwise an in-memory PGlite.
 */
export async function startTestApp(options: { env?: NodeJS.ProcessEnv; databaseUrl?: string; /** Replaces the system clock (CLOCK), e.g. a ManualClock. */ clock?: Clock } = {}): Promise<TestApp> {
  const fresh = options.databaseUrl || !postgresUrl ? undefined : await createFreshPostgresDatabase();
  const databaseUrl = options.databaseUrl ?? fresh?.url;
  const config = loadAppConfig(
    { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...options.env },
    { dataDir: IN_MEMORY, port: 0 },
  );
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (options.clock) builder.overrideProvider(CLOCK).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, bufferLogs: true });
  configureHttpApp(app, config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const login = async (email = config.adminEmail, password = config.adminPassword): Promise<TokenPair> => {
    const response = await request(app.getHttpServer()).post('/api/v1/auth/login').send({ email, password });
    if (response.status !== 200) throw new Error(`login as ${email} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body as TokenPair;
  };
  const token = (await login()).accessToken;
  const adminToken: Promise<string> = Promise.resolve(token);
  return {
    app,
    config,
    url,
    databaseUrl,
    login,
    adminToken: () => adminToken,
    token,
    agent: request.agent(app.getHttpServer()).set('Authorization', `Bearer ${token}`),
    async close() {
      await app.close();
      await fresh?.drop();
    },
  };
}
