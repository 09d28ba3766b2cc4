import { sql } from 'kysely';
import { databaseBackends } from '../support/test-databases.js';

describe.each(databaseBackends)('database on $name', ({ open }) => {
  it('runs queries and delivers NOTIFY to listeners', async () => {
    const { database, close } = await open();
    try {
      const received: string[] = [];
      const unlisten = await database.listen('chronicle_test_channel', (payload) => received.push(payload));
      await sql`select pg_notify('chronicle_test_channel', 'hello')`.execute(database.db);
      for (let attempt = 0; attempt < 100 && received.length === 0; attempt++) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual(['hello']);
      await unlisten();
    } finally {
      await close();
    }
  });
});
