import { sql, type Transaction } from 'kysely';
import { cancelDueActions, createDueActionsTable, notifyDueActions, scheduleDueActions, type DueActionInput } from '../../src/automation/due-actions.schema.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import { automaticDueEntries, evolveCustomer, initialCustomerState, type Customer, type CustomerState } from '../../src/customers/domain/index.js';
import { CUSTOMER_PROJECTION_EVENT_TYPES, asCustomerEvent, groupByCustomer, intArray, numberOf, recordset, startsStream } from '../customer-common/customer-events.js';

/**
 * The billing rules' timers as data: after every customer event, what falls due for that customer
 * (automaticDueEntries: an automatic block, a deactivation after the grace period, the return once
 * paid, the VoIP expiry, each CAP grant's expiry) is compared with what was due before, and the
 * difference goes to the due-action table in the same transaction: a new entry is scheduled (its
 * causationId is the event that made it due), one whose time moved is rescheduled, one that no
 * longer applies is cancelled. Nothing ever scans the customers: each event touches its own
 * customer's entries, and the runner reads the due table through its index.
 *
 * To know what was due before, the projection keeps each customer's state as the domain folds it
 * (evolveCustomer), slimmed to what the rules read: no secrets, no names, contacts, comments or
 * other personal data. Due-action ids are `<kind>:<customerId>:r<revision>`, the revision of the
 * event that made the entry due, so a replay (a rebuild) writes the same ids, which the due table
 * takes as the same rows (done and cancelled ones stay as they are).
 */
export type AutomationDueTimesTables = { customers: string };

/** One entry as remembered: its due-action id and the time it is scheduled for. */
interface RememberedEntry {
  id: string;
  dueAt: string;
}

interface StoredRow {
  state: Customer;
  entries: Record<string, RememberedEntry>;
}

const COLUMNS = { customer_id: 'integer', revision: 'integer', state: 'jsonb', entries: 'jsonb' } as const;

export const automationDueTimesProjection = defineProjection<AutomationDueTimesTables>({
  name: 'automation_due_times',
  version: 1,
  handles: CUSTOMER_PROJECTION_EVENT_TYPES,
  tables: (version: number) => ({ customers: versionedTable('automation_customers', version) }),
  needsMetadata: false,

  async createTables(db, { customers }) {
    // The due-action table is the automation core's; make sure it exists before the first batch. Its
    // DDL is idempotent and joins this transaction (the migrator itself cannot run inside one).
    await createDueActionsTable(db);
    await sql`create table ${sql.table(customers)} (
      customer_id integer primary key,
      revision integer not null,
      state jsonb not null,
      entries jsonb not null
    )`.execute(db);
  },

  async apply(trx, events, { customers }) {
    const groups = groupByCustomer(events);
    if (groups.size === 0) return;
    const toLoad = [...groups].filter(([, group]) => !startsStream(group)).map(([id]) => id);
    const stored = await load(trx, customers, toLoad);
    const schedules = new Map<string, DueActionInput>();
    const cancels = new Set<string>();
    const rows: { customer_id: number; revision: number; state: Customer; entries: Record<string, RememberedEntry> }[] = [];
    for (const [customerId, group] of groups) {
      const before = stored.get(customerId);
      let state: CustomerState = before?.state ?? initialCustomerState;
      let entries: Record<string, RememberedEntry> = before?.entries ?? {};
      let changed = false;
      for (const event of group) {
        if (state.exists && event.revision <= state.revision) continue;
        const next = evolveCustomer(state, asCustomerEvent(event));
        if (!next.exists) continue;
        state = slim({ ...next, revision: event.revision });
        entries = reconcile(customerId, state, entries, event, schedules, cancels);
        changed = true;
      }
      if (changed && state.exists) rows.push({ customer_id: customerId, revision: state.revision, state, entries });
    }
    if (rows.length > 0) {
      await sql`insert into ${sql.table(customers)} (customer_id, revision, state, entries)
        select customer_id, revision, state, entries from ${recordset(rows, COLUMNS)}
        on conflict (customer_id) do update set revision = excluded.revision, state = excluded.state, entries = excluded.entries
        where ${sql.ref(`${customers}.revision`)} < excluded.revision`.execute(trx);
    }
    if (schedules.size > 0) await scheduleDueActions(trx, [...schedules.values()]);
    if (cancels.size > 0) await cancelDueActions(trx, [...cancels], 'no longer due');
    if (schedules.size > 0 || cancels.size > 0) await notifyDueActions(trx);
  },
});

/** What is due after `event`, against what was: schedules new and moved entries, cancels gone ones. */
function reconcile(
  customerId: number,
  customer: Customer,
  previous: Record<string, RememberedEntry>,
  event: RecordedEvent,
  schedules: Map<string, DueActionInput>,
  cancels: Set<string>,
): Record<string, RememberedEntry> {
  const next: Record<string, RememberedEntry> = {};
  for (const entry of automaticDueEntries(customer)) {
    const key = `${entry.kind}|${entry.key}`;
    const known = previous[key];
    const id = known?.id ?? `${entry.kind}:${customerId}:r${event.revision}`;
    next[key] = { id, dueAt: entry.dueAt };
    if (known && known.dueAt === entry.dueAt) continue;
    cancels.delete(id);
    schedules.set(id, { id, kind: entry.kind, customerId, dueAt: entry.dueAt, payload: entry.payload, causationId: known ? null : event.id });
  }
  for (const [key, entry] of Object.entries(previous)) {
    if (next[key]) continue;
    schedules.delete(entry.id);
    cancels.add(entry.id);
  }
  return next;
}

async function load(trx: Transaction<any>, table: string, ids: number[]): Promise<Map<number, StoredRow>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ customer_id: number; state: Customer | string; entries: Record<string, RememberedEntry> | string }>`
    select customer_id, state, entries from ${sql.table(table)} where customer_id = any(${intArray(ids)})`.execute(trx);
  const parse = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
  return new Map(rows.map((row) => [numberOf(row.customer_id), { state: parse(row.state), entries: parse(row.entries) }]));
}

/**
 * The state with everything the rules do not read blanked: secrets, names, contact data, free
 * texts and sub-entities other than CAP grants (kept without their reason and author). Evolve
 * works on it as on the full state (the blanked parts are only ever written by events).
 */
function slim(customer: Customer): Customer {
  return {
    ...customer,
    passwordCiphertext: '',
    login: '',
    fullName: '',
    dateOfBirth: null,
    identification: null,
    companyId: null,
    vatId: null,
    contactPerson: null,
    emails: [],
    billingEmails: [],
    phones: [],
    street: null,
    street2: null,
    zipCode: null,
    city: null,
    geo: null,
    labels: [],
    additionalFields: {},
    voip: { ...customer.voip, pinCiphertext: '', lowCreditNotificationEmail: null },
    billing: { ...customer.billing, invoiceNote: null, reference: null, taxNumber: null },
    comments: [],
    notes: [],
    hardware: [],
    contacts: [],
    addresses: [],
    capGrants: customer.capGrants.filter((grant) => !grant.revoked && !grant.expired).map((grant) => ({ ...grant, reason: '', grantedBy: null })),
  };
}
