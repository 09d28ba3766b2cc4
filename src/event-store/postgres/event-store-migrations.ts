import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';

/**
 * Schema of the PostgreSQL event store (works on a real server and on PGlite).
 *
 * Global order follows Emmett: every event row carries the id of the transaction that wrote it
 * (xid8) next to a sequence number. Readers only return rows whose transaction is older than the
 * oldest transaction still running, and order by (transaction_id, global_position); a transaction
 * that began early but commits late therefore can never land behind a position already handed out.
 */
const migrations: Record<string, Migration> = {
  '0001_event_store': {
    async up(db) {
      await sql`CREATE SEQUENCE es_global_position AS bigint`.execute(db);

      // One row per stream: the optimistic-concurrency check is a conditional write on this row.
      await db.schema
        .createTable('es_streams')
        .addColumn('stream_id', 'text', (column) => column.primaryKey())
        .addColumn('revision', 'bigint', (column) => column.notNull())
        .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .execute();

      await db.schema
        .createTable('es_events')
        .addColumn('global_position', 'bigint', (column) =>
          column.notNull().defaultTo(sql`nextval('es_global_position')`),
        )
        // kysely has no xid8 type; the column is what makes the global order gap-free.
        .addColumn('transaction_id', sql`xid8`, (column) => column.notNull().defaultTo(sql`pg_current_xact_id()`))
        .addColumn('event_id', 'uuid', (column) => column.notNull().unique())
        .addColumn('stream_id', 'text', (column) => column.notNull())
        .addColumn('revision', 'bigint', (column) => column.notNull())
        .addColumn('event_type', 'text', (column) => column.notNull())
        .addColumn('schema_version', 'integer', (column) => column.notNull().defaultTo(1))
        .addColumn('data', 'jsonb', (column) => column.notNull())
        .addColumn('metadata', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('recorded_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('es_events_pkey', ['stream_id', 'revision'])
        .execute();
      await sql`ALTER SEQUENCE es_global_position OWNED BY es_events.global_position`.execute(db);

      await db.schema
        .createIndex('es_events_transaction_position')
        .on('es_events')
        .columns(['transaction_id', 'global_position'])
        .execute();

      await sql.raw(REPLAYED_APPEND_FUNCTION).execute(db);
      await sql.raw(APPEND_FUNCTION).execute(db);
    },
    async down(db) {
      await sql`DROP FUNCTION IF EXISTS es_append(text, text, jsonb)`.execute(db);
      await sql`DROP FUNCTION IF EXISTS es_replayed_append(text, jsonb)`.execute(db);
      await db.schema.dropTable('es_events').ifExists().execute();
      await db.schema.dropTable('es_streams').ifExists().execute();
    },
  },
};

/**
 * The answer to a batch whose event ids may already be stored:
 *   {'replayed', <next revision>, <position>} when the whole batch is there, in order, in this stream;
 *   {'idempotency_conflict', <first stored id>} when only part of it is;
 *   NULL when none of it is.
 * Planned on every call (no EXISTS/LIMIT, whose cached generic plan can turn into a scan of es_events).
 */
const REPLAYED_APPEND_FUNCTION = `
CREATE FUNCTION es_replayed_append(p_stream_id text, p_events jsonb) RETURNS text[]
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN count(e.event_id) = 0 THEN NULL
    WHEN count(e.event_id) = count(*)
      AND bool_and(e.stream_id = p_stream_id)
      AND count(DISTINCT e.revision - ids.ordinal) = 1
    THEN ARRAY[
      'replayed',
      max(e.revision)::text,
      (array_agg(lpad(e.transaction_id::text, 20, '0') || ':' || lpad(e.global_position::text, 19, '0')
        ORDER BY ids.ordinal DESC))[1]
    ]
    ELSE ARRAY[
      'idempotency_conflict',
      ((array_agg(ids.event_id ORDER BY ids.ordinal) FILTER (WHERE e.event_id IS NOT NULL))[1])::text
    ]
  END
  FROM (
    SELECT (x.value->>'id')::uuid AS event_id, x.ordinal
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(value, ordinal)
  ) ids
  LEFT JOIN es_events e ON e.event_id = ids.event_id
$$`;

/**
 * Appends a batch in one round trip. p_expected is 'any', 'no_stream', 'stream_exists' or a
 * revision; p_events a JSON array of {id, type, schemaVersion, data, metadata}. Returns
 *   {'appended', <next revision>, <position of the last event>}
 *   {'wrong_expected_revision', <actual revision, or NULL for no stream>}
 *   or what es_replayed_append answers for a retried batch.
 * It returns a plain array, not a row: a row-returning function costs a third more server time here.
 * A stored event id reached on the write path ('any', 'stream_exists') raises a unique violation
 * instead; the caller then asks es_replayed_append. Checking every append up front would cost
 * an extra index probe on the hot path.
 */
const APPEND_FUNCTION = `
CREATE FUNCTION es_append(p_stream_id text, p_expected text, p_events jsonb) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
  v_count integer := jsonb_array_length(p_events);
  v_revision bigint;
  v_last_global_position bigint;
  v_replayed text[];
BEGIN
  -- The stream row serialises writers of one stream: the conditional write succeeds for exactly one.
  IF p_expected = 'any' THEN
    INSERT INTO es_streams AS s (stream_id, revision) VALUES (p_stream_id, v_count - 1)
    ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + v_count
    RETURNING s.revision INTO v_revision;
  ELSIF p_expected = 'no_stream' THEN
    INSERT INTO es_streams (stream_id, revision) VALUES (p_stream_id, v_count - 1)
    ON CONFLICT (stream_id) DO NOTHING
    RETURNING revision INTO v_revision;
  ELSIF p_expected = 'stream_exists' THEN
    UPDATE es_streams SET revision = revision + v_count WHERE stream_id = p_stream_id
    RETURNING revision INTO v_revision;
  ELSE
    UPDATE es_streams SET revision = revision + v_count
    WHERE stream_id = p_stream_id AND revision = p_expected::bigint
    RETURNING revision INTO v_revision;
  END IF;

  IF v_revision IS NULL THEN
    -- A retry (or a twin sent at the same time) of a stored batch answers as the first time.
    v_replayed := es_replayed_append(p_stream_id, p_events);
    IF v_replayed IS NOT NULL THEN
      RETURN v_replayed;
    END IF;
    RETURN ARRAY['wrong_expected_revision', (SELECT s.revision::text FROM es_streams s WHERE s.stream_id = p_stream_id)];
  END IF;

  IF v_count = 1 THEN
    -- The common case, without the set-returning machinery (a tenth less server time).
    INSERT INTO es_events (event_id, stream_id, revision, event_type, schema_version, data, metadata)
    VALUES ((p_events->0->>'id')::uuid,
            p_stream_id,
            v_revision,
            p_events->0->>'type',
            coalesce((p_events->0->>'schemaVersion')::integer, 1),
            coalesce(p_events->0->'data', '{}'::jsonb),
            coalesce(p_events->0->'metadata', '{}'::jsonb))
    RETURNING global_position INTO v_last_global_position;
  ELSE
    -- Sorted so the sequence numbers follow the revisions inside the batch.
    WITH inserted AS (
      INSERT INTO es_events (event_id, stream_id, revision, event_type, schema_version, data, metadata)
      SELECT (e.value->>'id')::uuid,
             p_stream_id,
             v_revision - v_count + e.ordinal,
             e.value->>'type',
             coalesce((e.value->>'schemaVersion')::integer, 1),
             coalesce(e.value->'data', '{}'::jsonb),
             coalesce(e.value->'metadata', '{}'::jsonb)
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ordinal)
      ORDER BY e.ordinal
      RETURNING global_position
    )
    SELECT max(global_position) INTO v_last_global_position FROM inserted;
  END IF;

  RETURN ARRAY[
    'appended',
    v_revision::text,
    lpad(pg_current_xact_id()::text, 20, '0') || ':' || lpad(v_last_global_position::text, 19, '0')
  ];
END
$$`;

const provider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

/** Creates or upgrades the event-store tables; safe to call on every start. */
export async function migrateEventStore(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'es_migrations',
    migrationLockTableName: 'es_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Event-store migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`, {
      cause: error,
    });
  }
}
