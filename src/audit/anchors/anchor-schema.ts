import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';

/**
 * `audit_anchor_heads`: the head each anchor recorded, for the streams whose head moved since the
 * anchor before it (an anchor writes only what changed). The heads of anchor n are, per stream, its
 * row with the greatest anchor_sequence ≤ n. Rows above the last anchor in the anchors' stream are
 * leftovers of an interrupted run and are deleted by the next one.
 */
const migrations: Record<string, Migration> = {
  '0001_audit_anchor_heads': {
    async up(db) {
      await sql`create table audit_anchor_heads (
        stream_id text not null,
        anchor_sequence integer not null,
        revision bigint not null,
        head_hash text,
        primary key (stream_id, anchor_sequence)
      )`.execute(db);
      await sql`create index audit_anchor_heads_sequence on audit_anchor_heads (anchor_sequence)`.execute(db);
    },
    async down(db) {
      await sql`drop table if exists audit_anchor_heads`.execute(db);
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateAnchors(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'audit_anchor_migrations', migrationLockTableName: 'audit_anchor_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Anchor migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
}
