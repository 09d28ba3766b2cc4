import { sql, type Kysely, type Transaction } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import {
  evolveCustomer,
  initialCustomerState,
  toCustomerView,
  type Customer,
  type CustomerState,
  type CustomerView,
} from '../../src/customers/domain/index.js';
import {
  CUSTOMER_PROJECTION_EVENT_TYPES,
  asCustomerEvent,
  columnList,
  excludedAssignments,
  groupByCustomer,
  intArray,
  numberOf,
  recordset,
  startsStream,
} from '../customer-common/customer-events.js';

/**
 * The customer profile: the complete aggregate state as the domain folds it (evolveCustomer), one
 * jsonb document per customer, WITHOUT secrets: the portal password ciphertext and the VoIP PIN are
 * blanked before anything is stored (reveals go through the event store, audited). The customer
 * resource is `profileView(state)` = the domain's toCustomerView, computed when read: it is cheap,
 * it is always the current shape of the view (no rebuild when the view gains a field), and the
 * CAP bonus total depends on the time of reading anyway. Storing the state alone (not also the
 * view) halves what every batch writes. Additional-field labels come from reference_data.
 */
export type CustomerProfileTables = { profile: string };

export interface CustomerProfileRow {
  customer_id: number;
  revision: number;
  position: string;
  deleted: boolean;
  partner_id: number;
  updated_at: string;
  state: Customer;
}

const COLUMNS = {
  customer_id: 'integer',
  revision: 'integer',
  position: 'text',
  deleted: 'boolean',
  partner_id: 'integer',
  updated_at: 'timestamptz',
  state: 'jsonb',
} as const;

export const customerProfileProjection = defineProjection<CustomerProfileTables>({
  name: 'customer_profile',
  // 2: the state only (the view is computed on read).
  // 3: an erasure erases the reasons of CAP grants and scheduled changes in the state.
  version: 3,
  handles: CUSTOMER_PROJECTION_EVENT_TYPES,
  tables: (version: number) => ({ profile: versionedTable('customer_profile', version) }),

  async createTables(db, { profile }) {
    await sql`create table ${sql.table(profile)} (
      customer_id integer primary key,
      revision integer not null,
      position text not null,
      deleted boolean not null,
      partner_id integer not null,
      updated_at timestamptz not null,
      state jsonb not null
    ) with (fillfactor = 85)`.execute(db);
  },

  needsMetadata: false,

  async apply(trx, events, { profile }) {
    const groups = groupByCustomer(events);
    if (groups.size === 0) return;
    const toLoad = [...groups].filter(([, group]) => !startsStream(group)).map(([id]) => id);
    await foldAndWrite(trx, groups, await loadStates(trx, profile, toLoad), profile);
  },

  // Rebuild: each customer's whole history folded once, one row written per customer.
  async applyStreams(trx, streams, { profile }) {
    const groups = groupByCustomer(streams.flat());
    if (groups.size > 0) await foldAndWrite(trx, groups, new Map(), profile);
  },
});

/** Folds each customer's events onto its stored state and writes the rows that changed. */
async function foldAndWrite(
  trx: Transaction<any>,
  groups: ReadonlyMap<number, readonly RecordedEvent[]>,
  stored: ReadonlyMap<number, Customer>,
  profile: string,
): Promise<void> {
  const rows: CustomerProfileRow[] = [];
  for (const [id, group] of groups) {
    const before = stored.get(id);
    let state: CustomerState = before ?? initialCustomerState;
    let position: string | null = null;
    for (const event of group) {
      const next = evolveProfileState(state, event);
      if (next !== state) position = event.position;
      state = next;
    }
    // Secrets blanked once per customer, not per event (evolve only ever sets them from events).
    if (state.exists && position !== null) rows.push(toRow(withoutSecrets(state), position));
  }
  await upsertRows(trx, profile, rows);
}

/** One event into the stored state; the revision is the stream's (also when unknown event types were skipped). */
export function foldProfileState(state: CustomerState, event: RecordedEvent): CustomerState {
  const next = evolveProfileState(state, event);
  return next === state ? state : withoutSecrets(next as Customer);
}

/** foldProfileState without blanking the secrets (the caller blanks them before storing). */
function evolveProfileState(state: CustomerState, event: RecordedEvent): CustomerState {
  if (state.exists && event.revision <= state.revision) return state;
  const next = evolveCustomer(state, asCustomerEvent(event));
  if (!next.exists) return state;
  return { ...next, revision: event.revision };
}

/** The customer resource (docs/api.md) of a stored state, as of `now` (CAP grants expire). */
export function profileView(state: Customer, now?: string): CustomerView {
  return toCustomerView(state, now ? { now } : {})!;
}

/** VoIP keys holding the PIN (sealed or, in older events, plain): blanked in the stored state. */
const VOIP_SECRET_KEYS = ['pin', 'pinCiphertext'];

/** The state with the secrets blanked: what may be stored in a read model (nothing to shred there). */
export function withoutSecrets(state: Customer): Customer {
  const voip: Record<string, unknown> = { ...state.voip };
  for (const key of VOIP_SECRET_KEYS) if (key in voip) voip[key] = '';
  return { ...state, passwordCiphertext: '', voip: voip as unknown as Customer['voip'] };
}

function toRow(state: Customer, position: string): CustomerProfileRow {
  return {
    customer_id: state.id,
    revision: state.revision,
    position,
    deleted: state.deleted,
    partner_id: state.partnerId,
    updated_at: state.updatedAt,
    state,
  };
}

async function loadStates(trx: Transaction<any> | Kysely<any>, profile: string, ids: readonly number[]): Promise<Map<number, Customer>> {
  const states = new Map<number, Customer>();
  if (ids.length === 0) return states;
  const { rows } = await sql<{ customer_id: number; state: Customer }>`
    select customer_id, state from ${sql.table(profile)} where customer_id = any(${intArray(ids)})`.execute(trx);
  for (const row of rows) states.set(numberOf(row.customer_id), row.state);
  return states;
}

async function upsertRows(trx: Transaction<any>, profile: string, rows: readonly CustomerProfileRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`insert into ${sql.table(profile)} (${columnList(COLUMNS)})
    select ${columnList(COLUMNS)} from ${recordset(rows, COLUMNS)}
    on conflict (customer_id) do update set ${excludedAssignments(COLUMNS, ['customer_id'])}
    where ${sql.ref(`${profile}.revision`)} < excluded.revision`.execute(trx);
}
