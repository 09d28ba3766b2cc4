import { sql } from 'kysely';
import {
  DUE_ACTIONS_TABLE,
  cancelDueActions,
  createDueActionsTable,
  notifyDueActions,
  scheduleDueActions,
  type DueActionInput,
} from '../../src/automation/due-actions.schema.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { ERASED, PERSONAL_DATA_ERASED_EVENT, customerIdOfStream } from '../../src/customers/domain/index.js';
import { defineProjection } from '../../src/projections-runtime/projection.js';
import { SCHEDULED_CHANGE_KINDS, scheduledChangeTimerId } from '../../src/automation/scheduled-change-timers.js';


/**
 * Keeps the timers (due_actions rows) of scheduled changes in step with the customer streams:
 * ScheduledChangeAdded → a `scheduled_change.start` row at `scheduledFor` (and, for a hold, a
 * `scheduled_change.end` row at `until`); Changed → the pending rows move; Cancelled → they are
 * cancelled; Failed at the start → the hold's end is cancelled; Completed → that phase's row is
 * done (the runner marks it too; this covers a run that appended and stopped before marking).
 *
 * The timers are one table shared by every scheduler (auto-billing writes rows of its own kinds),
 * so this projection writes into the fixed table `due_actions` whatever its version, and never
 * drops it. Replay-safe by construction: a done / failed / cancelled row is never changed back,
 * so a rebuild from zero rewrites pending rows only. Committed with the checkpoint, so a timer is
 * never lost between the event and the row; the NOTIFY (sent on commit) wakes every runner.
 */
export const scheduledChangeTimersProjection = defineProjection({
  name: 'scheduled_change_timers',
  version: 1,
  handles: ['ScheduledChangeAdded', 'ScheduledChangeChanged', 'ScheduledChangeCancelled', 'ScheduledChangeCompleted', 'ScheduledChangeFailed', PERSONAL_DATA_ERASED_EVENT],
  needsMetadata: false,
  tables: () => ({ due: DUE_ACTIONS_TABLE }),

  async createTables(db) {
    await createDueActionsTable(db);
  },

  /** Shared with other schedulers and with the runner: never dropped with a retired version. */
  async dropTables() {},

  async apply(trx, events) {
    let touched = false;
    for (const event of events) touched = (await applyOne(trx, event)) || touched;
    if (touched) await notifyDueActions(trx);
  },
});

interface ChangeData {
  changeId: string;
  action: string;
  status: string | null;
  billingType: string | null;
  scheduledFor: string;
  until: string | null;
  reason: string | null;
  scheduledBy?: { id: string; name: string } | null;
  phase?: 'start' | 'end';
}

function timers(causationId: string | null, customerId: number, data: ChangeData): DueActionInput[] {
  const payload: Record<string, unknown> = { changeId: data.changeId, action: data.action, status: data.status, billingType: data.billingType, at: data.scheduledFor, until: data.until, reason: data.reason };
  if (data.scheduledBy !== undefined) payload.scheduledBy = data.scheduledBy;
  const rows: DueActionInput[] = [
    { id: scheduledChangeTimerId(data.changeId, 'start'), kind: SCHEDULED_CHANGE_KINDS.start, customerId, dueAt: data.scheduledFor, payload: { ...payload, phase: 'start' }, causationId },
  ];
  if (data.until) {
    rows.push({ id: scheduledChangeTimerId(data.changeId, 'end'), kind: SCHEDULED_CHANGE_KINDS.end, customerId, dueAt: data.until, payload: { ...payload, phase: 'end' }, causationId });
  }
  return rows;
}

async function applyOne(trx: Parameters<typeof scheduleDueActions>[0], event: RecordedEvent): Promise<boolean> {
  const customerId = customerIdOfStream(event.streamId);
  if (customerId === null) return false;
  const data = event.data as unknown as ChangeData & { phase: 'start' | 'end' };
  const start = scheduledChangeTimerId(data.changeId, 'start');
  const end = scheduledChangeTimerId(data.changeId, 'end');
  switch (event.type) {
    case 'ScheduledChangeAdded':
      await scheduleDueActions(trx, timers(event.id, customerId, data));
      return true;
    case 'ScheduledChangeChanged':
      // The causation stays the event that added it (scheduleDueActions keeps a known one).
      await scheduleDueActions(trx, timers(null, customerId, data));
      if (!data.until) await cancelDueActions(trx, [end], 'until removed');
      return true;
    case 'ScheduledChangeCancelled':
      await cancelDueActions(trx, [start, end], 'cancelled');
      return true;
    case 'ScheduledChangeFailed':
      if (data.phase === 'start') await cancelDueActions(trx, [end], 'the start failed');
      await sql`UPDATE due_actions SET state = 'failed', rule = ${(event.data as { rule?: string }).rule ?? null}, claimed_until = NULL
        WHERE id = ${scheduledChangeTimerId(data.changeId, data.phase)} AND state = 'pending'`.execute(trx);
      return false;
    case 'ScheduledChangeCompleted':
      await sql`UPDATE due_actions SET state = 'done', claimed_until = NULL
        WHERE id = ${scheduledChangeTimerId(data.changeId, data.phase)} AND state = 'pending'`.execute(trx);
      return false;
    case PERSONAL_DATA_ERASED_EVENT:
      // A timer's reason (free text that may name the person) reads erased, as its scheduled change does.
      await sql`UPDATE due_actions SET payload = payload || jsonb_build_object('reason', ${ERASED}::text)
        WHERE customer_id = ${customerId} AND payload ? 'reason' AND jsonb_typeof(payload->'reason') = 'string'`.execute(trx);
      return false;
    default:
      return false;
  }
}
