import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/database/database.js';

/** Whether a real PostgreSQL server is configured for this run (CI sets DATABASE_URL). */
export const postgresUrl = process.env.DATABASE_URL;

/**
 * Creates a fresh, empty database on the server named by DATABASE_URL, so jest workers never
 * share tables. Returns its connection string and a function that drops it.
 */
export async function createFreshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!postgresUrl) throw new Error('DATABASE_URL is not set');
  const name = `chronicle_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  database: Database;
  /** Connection string for a second pool/process on the same database (undefined on PGlite). */
  url?: string;
  close(): Promise<void>;
}

/** An in-memory PGlite database. */
export async function openTestPGlite(): Promise<TestDatabase> {
  const database = await openDatabase({});
  return { database, close: () => database.close() };
}

/** A fresh database on the real server. */
export async function openTestPostgres(poolSize = 20): Promise<TestDatabase> {
  const fresh = await createFreshPostgresDatabase();
  const database = await openDatabase({ connectionString: fresh.url, poolSize });
  return {
    database,
    url: fresh.url,
    async close() {
      await database.close();
      await fresh.drop();
    },
  };
}

/** The backends every database-touching suite runs on: PGlite always, PostgreSQL when configured. */
export const databaseBackends: Array<{ name: string; open: () => Promise<TestDatabase> }> = [
  { name: 'PGlite', open: () => openTestPGlite() },
  ...(postgresUrl ? [{ name: 'PostgreSQL', open: () => openTestPostgres() }] : []),
];
