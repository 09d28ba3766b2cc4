import pg from 'pg';

/** Fails fast with a clear message when DATABASE_URL is set but the server is not reachable. */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`DATABASE_URL is set but PostgreSQL is not reachable: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
