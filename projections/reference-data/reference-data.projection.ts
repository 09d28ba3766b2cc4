import { sql, type Transaction } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import {
  ADDITIONAL_FIELDS_STREAM,
  CUSTOMER_SETTINGS_STREAM,
  DEFAULT_CUSTOMER_SETTINGS,
  LOCATIONS_STREAM,
  PARTNERS_STREAM,
  type AdditionalFieldDefinition,
} from '../../src/reference-data/domain/index.js';
import type { Change } from '../../src/customers/domain/index.js';
import { numberOf } from '../customer-common/customer-events.js';

/**
 * Reference data as the admin UI lists it: partners, locations (deleted ones kept, flagged),
 * additional field definitions (in definition order), and the customer settings (one row, the
 * defaults until the first change). These streams are small and rarely written, so events are
 * applied one statement each; `streams` remembers each stream's last revision (replay-safe).
 */
export type ReferenceDataTables = { partners: string; locations: string; fields: string; settings: string; streams: string };

export const REFERENCE_DATA_EVENT_TYPES = [
  'PartnerCreated',
  'PartnerRenamed',
  'PartnerDeleted',
  'LocationCreated',
  'LocationRenamed',
  'LocationDeleted',
  'AdditionalFieldDefined',
  'AdditionalFieldChanged',
  'AdditionalFieldRemoved',
  'CustomerSettingsChanged',
] as const;

const STREAMS = new Set([PARTNERS_STREAM, LOCATIONS_STREAM, ADDITIONAL_FIELDS_STREAM, CUSTOMER_SETTINGS_STREAM]);

export const referenceDataProjection = defineProjection<ReferenceDataTables>({
  name: 'reference_data',
  version: 1,
  handles: REFERENCE_DATA_EVENT_TYPES,
  tables: (version: number) => ({
    partners: versionedTable('ref_partners', version),
    locations: versionedTable('ref_locations', version),
    fields: versionedTable('ref_additional_fields', version),
    settings: versionedTable('ref_customer_settings', version),
    streams: versionedTable('ref_streams', version),
  }),

  async createTables(db, tables) {
    for (const table of [tables.partners, tables.locations]) {
      await sql`create table ${sql.table(table)} (
        id integer primary key,
        name text not null,
        deleted boolean not null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      )`.execute(db);
    }
    await sql`create table ${sql.table(tables.fields)} (
      name text primary key,
      definition jsonb not null,
      defined_position text not null,
      updated_at timestamptz not null
    )`.execute(db);
    await sql`create table ${sql.table(tables.settings)} (
      id integer primary key,
      settings jsonb not null,
      changed_at timestamptz
    )`.execute(db);
    await sql`insert into ${sql.table(tables.settings)} (id, settings, changed_at) values (1, ${JSON.stringify(DEFAULT_CUSTOMER_SETTINGS)}::jsonb, null)`.execute(db);
    await sql`create table ${sql.table(tables.streams)} (stream_id text primary key, last_revision integer not null)`.execute(db);
  },

  async apply(trx, events, tables) {
    const relevant = events.filter((event) => STREAMS.has(event.streamId));
    if (relevant.length === 0) return;
    const streamIds = [...new Set(relevant.map((event) => event.streamId))];
    const { rows } = await sql<{ stream_id: string; last_revision: number }>`
      select stream_id, last_revision from ${sql.table(tables.streams)}
      where stream_id in (select jsonb_array_elements_text(${JSON.stringify(streamIds)}::jsonb))`.execute(trx);
    const last = new Map(rows.map((row) => [row.stream_id, numberOf(row.last_revision)]));
    for (const event of relevant) {
      if (event.revision <= (last.get(event.streamId) ?? -1)) continue;
      await applyOne(trx, tables, event);
      last.set(event.streamId, event.revision);
    }
    const updates = [...last].filter(([streamId]) => streamIds.includes(streamId)).map(([stream_id, last_revision]) => ({ stream_id, last_revision }));
    await sql`insert into ${sql.table(tables.streams)} (stream_id, last_revision)
      select stream_id, last_revision from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as x(stream_id text, last_revision integer)
      on conflict (stream_id) do update set last_revision = greatest(${sql.ref(`${tables.streams}.last_revision`)}, excluded.last_revision)`.execute(trx);
  },
});

async function applyOne(trx: Transaction<any>, tables: ReferenceDataTables, event: RecordedEvent): Promise<void> {
  const data = event.data as Record<string, unknown>;
  const at = typeof data.at === 'string' ? data.at : event.recordedAt.toISOString();
  const named = event.streamId === PARTNERS_STREAM ? tables.partners : event.streamId === LOCATIONS_STREAM ? tables.locations : null;
  if (named) {
    const table = sql.table(named);
    if (event.type.endsWith('Created')) {
      await sql`insert into ${table} (id, name, deleted, created_at, updated_at) values (${data.id as number}, ${data.name as string}, false, ${at}::timestamptz, ${at}::timestamptz)
        on conflict (id) do nothing`.execute(trx);
    } else if (event.type.endsWith('Renamed')) {
      await sql`update ${table} set name = ${data.name as string}, updated_at = ${at}::timestamptz where id = ${data.id as number}`.execute(trx);
    } else if (event.type.endsWith('Deleted')) {
      await sql`update ${table} set deleted = true, updated_at = ${at}::timestamptz where id = ${data.id as number}`.execute(trx);
    }
    return;
  }
  if (event.streamId === ADDITIONAL_FIELDS_STREAM) {
    const table = sql.table(tables.fields);
    const name = data.name as string;
    if (event.type === 'AdditionalFieldDefined') {
      const definition = data.definition as AdditionalFieldDefinition;
      await sql`insert into ${table} (name, definition, defined_position, updated_at)
        values (${name}, ${JSON.stringify(definition)}::jsonb, ${event.position}, ${at}::timestamptz)
        on conflict (name) do update set definition = excluded.definition, defined_position = excluded.defined_position, updated_at = excluded.updated_at`.execute(trx);
    } else if (event.type === 'AdditionalFieldChanged') {
      await sql`update ${table} set definition = definition || ${JSON.stringify(patchOf(data.changes))}::jsonb, updated_at = ${at}::timestamptz
        where name = ${name}`.execute(trx);
    } else if (event.type === 'AdditionalFieldRemoved') {
      await sql`delete from ${table} where name = ${name}`.execute(trx);
    }
    return;
  }
  if (event.streamId === CUSTOMER_SETTINGS_STREAM && event.type === 'CustomerSettingsChanged') {
    await sql`update ${sql.table(tables.settings)} set settings = settings || ${JSON.stringify(patchOf(data.changes))}::jsonb, changed_at = ${at}::timestamptz
      where id = 1`.execute(trx);
  }
}

function patchOf(changes: unknown): Record<string, unknown> {
  return Object.fromEntries(((changes as Change[] | undefined) ?? []).map((change) => [change.field, change.to]));
}
