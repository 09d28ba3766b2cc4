/**
 * Scheduled changes: an admin schedules a status or billing-type change for a time (optionally a
 * hold with `until`), edits or cancels it while pending, and the automation runs each phase when
 * it falls due (RunScheduledChange, actor "system"). Running goes through the same decisions as a
 * human ChangeStatus / ChangeBillingType: what those refuse is not done, and the refusal is
 * recorded (ScheduledChangeFailed with the rule), so the timeline and the list say why.
 */
import { isDomainRuleViolation, refuse } from '../../../domain-kernel/errors.js';
import { FieldErrors, oneOf, optionalDateTime } from '../../../domain-kernel/validation.js';
import type { Change, JsonValue } from '../../../domain-kernel/decider.js';
import type { CancelScheduledChange, CustomerDecisions, DecisionContext, EditScheduledChange, NewIdContext, RunScheduledChange, ScheduleChange } from '../customer.commands.js';
import type { CustomerEvent } from '../customer.events.js';
import { CUSTOMER_LIMITS } from '../customer.limits.js';
import { CUSTOMER_RULES as RULES } from '../customer.rules.js';
import { BILLING_TYPES, CUSTOMER_STATUSES, SCHEDULED_CHANGE_ACTIONS, type Customer, type CustomerStatus, type ScheduledChange } from '../customer.types.js';
import { changeBillingType, changeStatus } from './lifecycle.js';
import { STATUS_LABEL, baseOf, dataOf, newId, reasonValidator } from './shared.js';

const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Statuses a scheduled change may aim at: every one a status transition can reach ('new' none can). */
const REACHABLE_STATUSES = CUSTOMER_STATUSES.filter((status) => status !== 'new');

export function scheduledChangesOf(customer: Customer): ScheduledChange[] {
  return customer.scheduledChanges ?? [];
}

function findChange(customer: Customer, changeId: unknown): ScheduledChange {
  const change = typeof changeId === 'string' ? scheduledChangesOf(customer).find((item) => item.id === changeId) : undefined;
  if (!change) refuse(RULES.scheduledChangeNotFound, `There is no scheduled change ${String(changeId)} on customer ${customer.id}`, { changeId: String(changeId) });
  return change;
}

/** "3 Nov 2026" (UTC), as the timeline says it. */
export function dayOf(iso: string): string {
  const date = new Date(iso);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** A required ISO time in the future (after `now`) and within the horizon. */
function futureTime(errors: FieldErrors, field: string, value: unknown, now: string): string | null {
  if (value === undefined || value === null || value === '') {
    errors.add(field, 'required', `${field} is required`);
    return null;
  }
  const parsed = optionalDateTime()(errors, field, value);
  if (parsed === null) return null;
  if (Date.parse(parsed) > Date.parse(now) + CUSTOMER_LIMITS.scheduleHorizonDays * DAY_MS) {
    errors.add(field, 'max', `${field} may be at most ${CUSTOMER_LIMITS.scheduleHorizonDays} days ahead`);
    return null;
  }
  return parsed;
}

function refuseInPast(field: string, time: string, now: string): void {
  if (Date.parse(time) <= Date.parse(now)) {
    refuse(RULES.scheduledChangeInPast, `${field} (${time}) is not in the future (now ${now})`, { field, [field]: time, now });
  }
}

function refuseUntilNotAfterAt(at: string, until: string | null): void {
  if (until !== null && Date.parse(until) <= Date.parse(at)) {
    refuse(RULES.scheduledChangeUntilNotAfterAt, `until (${until}) must be after at (${at})`, { field: 'until', at, until });
  }
}

function refuseUnreachable(status: CustomerStatus): void {
  if (!(REACHABLE_STATUSES as readonly string[]).includes(status)) {
    refuse(RULES.scheduledChangeUnreachableStatus, `No status change can reach ${STATUS_LABEL[status]}`, { field: 'status', status, reachable: REACHABLE_STATUSES });
  }
}

export function scheduleChange(command: ScheduleChange, customer: Customer, context: NewIdContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const errors = new FieldErrors();
  const action = oneOf(SCHEDULED_CHANGE_ACTIONS)(errors, 'action', data.action);
  const at = futureTime(errors, 'at', data.at, context.now);
  const until = data.until === undefined || data.until === null ? null : futureTime(errors, 'until', data.until, context.now);
  const reason = reasonValidator(errors, 'reason', data.reason);
  let status: CustomerStatus | null = null;
  let billingType = null;
  if (action === 'status') {
    status = oneOf(CUSTOMER_STATUSES)(errors, 'status', data.status);
    if (data.billingType !== undefined && data.billingType !== null) errors.add('billingType', 'notApplicable', 'billingType applies only to action billing_type');
  } else {
    billingType = oneOf(BILLING_TYPES)(errors, 'billingType', data.billingType);
    if (data.status !== undefined && data.status !== null) errors.add('status', 'notApplicable', 'status applies only to action status');
    if (until !== null) errors.add('until', 'notApplicable', 'until (a hold) applies only to action status');
  }
  errors.throwIfAny();
  refuseInPast('at', at!, context.now);
  refuseUntilNotAfterAt(at!, until);
  if (status !== null) refuseUnreachable(status);
  const pending = scheduledChangesOf(customer).filter((change) => change.state === 'pending').length;
  if (pending >= CUSTOMER_LIMITS.pendingScheduledChanges) {
    refuse(RULES.scheduledChangeTooMany, `Customer ${customer.id} already has ${pending} pending scheduled changes (at most ${CUSTOMER_LIMITS.pendingScheduledChanges})`, {
      pending,
      max: CUSTOMER_LIMITS.pendingScheduledChanges,
    });
  }
  return [
    {
      type: 'ScheduledChangeAdded',
      data: { ...base, changeId: newId(context, command.type), action, status, billingType, scheduledFor: at!, until, reason, scheduledBy: context.actor ?? null },
    },
  ];
}

function refuseUnlessPending(change: ScheduledChange): void {
  if (change.state !== 'pending') {
    refuse(RULES.scheduledChangeNotPending, `Scheduled change ${change.id} is ${change.state}; only a pending one can be changed`, { changeId: change.id, state: change.state });
  }
}

export function editScheduledChange(command: EditScheduledChange, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const change = findChange(customer, data.changeId);
  refuseUnlessPending(change);
  const errors = new FieldErrors();
  const started = change.phase === 'end';
  const at = data.at === undefined ? change.at : futureTime(errors, 'at', data.at, context.now);
  const until = data.until === undefined ? change.until : data.until === null ? null : futureTime(errors, 'until', data.until, context.now);
  const reason = data.reason === undefined ? change.reason : reasonValidator(errors, 'reason', data.reason);
  const status = data.status === undefined ? change.status : change.action === 'status' ? oneOf(CUSTOMER_STATUSES)(errors, 'status', data.status) : null;
  const billingType =
    data.billingType === undefined ? change.billingType : change.action === 'billing_type' ? oneOf(BILLING_TYPES)(errors, 'billingType', data.billingType) : null;
  if (data.status !== undefined && change.action !== 'status') errors.add('status', 'notApplicable', 'status applies only to action status');
  if (data.billingType !== undefined && change.action !== 'billing_type') errors.add('billingType', 'notApplicable', 'billingType applies only to action billing_type');
  if (data.until !== undefined && data.until !== null && change.action !== 'status') errors.add('until', 'notApplicable', 'until (a hold) applies only to action status');
  errors.throwIfAny();
  if (started && (at !== change.at || status !== change.status)) {
    refuse(RULES.scheduledChangeAlreadyStarted, `The hold ${change.id} has started; only until and reason can change`, { changeId: change.id, field: at !== change.at ? 'at' : 'status' });
  }
  if (started && until === null) {
    refuse(RULES.scheduledChangeAlreadyStarted, `The hold ${change.id} has started; cancel it instead of removing until`, { changeId: change.id, field: 'until' });
  }
  if (at !== change.at) refuseInPast('at', at!, context.now);
  if (until !== change.until && until !== null) refuseInPast('until', until, context.now);
  refuseUntilNotAfterAt(at!, until);
  if (status !== null) refuseUnreachable(status);
  const changes: Change[] = [];
  const compare = (field: string, from: JsonValue, to: JsonValue) => {
    if (from !== to) changes.push({ field, from, to });
  };
  compare('scheduledFor', change.at, at!);
  compare('until', change.until, until);
  compare('reason', change.reason, reason);
  compare('status', change.status, status);
  compare('billingType', change.billingType, billingType);
  if (changes.length === 0) return [];
  return [
    {
      type: 'ScheduledChangeChanged',
      data: { ...base, changeId: change.id, action: change.action, status, billingType, scheduledFor: at!, until, reason, changes },
    },
  ];
}

export function cancelScheduledChange(command: CancelScheduledChange, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const change = findChange(customer, data.changeId);
  refuseUnlessPending(change);
  const errors = new FieldErrors();
  const reason = reasonValidator(errors, 'reason', data.reason);
  errors.throwIfAny();
  return [{ type: 'ScheduledChangeCancelled', data: { ...base, changeId: change.id, reason } }];
}

/** The status event's reason: who scheduled it, when, and their reason (at most the reason limit). */
function scheduledReason(change: ScheduledChange, phase: 'start' | 'end'): string {
  const who = change.scheduledBy?.name ?? 'an administrator';
  const what = phase === 'start' ? 'Scheduled' : 'End of the hold scheduled';
  const text = `${what} by ${who} on ${dayOf(change.scheduledAt)}${change.reason ? `: ${change.reason}` : ''}`;
  return text.length <= CUSTOMER_LIMITS.reason ? text : `${text.slice(0, CUSTOMER_LIMITS.reason - 1)}…`;
}

export function runScheduledChange(command: RunScheduledChange, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const change = findChange(customer, data.changeId);
  const phase = data.phase === 'end' ? 'end' : 'start';
  // Already run, cancelled, failed, or this phase is not the next one: nothing to do.
  if (change.state !== 'pending' || change.phase !== phase) return [];
  const failed = (rule: string, message: string): CustomerEvent[] => [{ type: 'ScheduledChangeFailed', data: { ...base, changeId: change.id, phase, rule, message } }];
  const completed = (outcome: 'applied' | 'skipped', note: string | null, previousStatus: CustomerStatus | null = null): CustomerEvent => ({
    type: 'ScheduledChangeCompleted',
    data: { ...base, changeId: change.id, phase, outcome, previousStatus, note },
  });
  if (customer.deleted) return failed(RULES.deleted, `Customer ${customer.id} is deleted`);
  if (phase === 'end' && change.interrupted) {
    return [completed('skipped', 'The status was changed during the hold, so it is left as it is')];
  }
  const reason = scheduledReason(change, phase);
  try {
    if (change.action === 'billing_type') {
      const events = changeBillingType({ type: 'ChangeBillingType', data: { billingType: change.billingType!, reason } }, customer, context);
      return events.length ? [...events, completed('applied', null)] : [completed('skipped', `The billing type already is ${change.billingType}`)];
    }
    if (customer.isLead) refuse(RULES.isLead, `Customer ${customer.id} was converted to a lead`);
    const target = phase === 'start' ? change.status! : change.previousStatus!;
    const events = changeStatus({ type: 'ChangeStatus', data: { status: target, reason } }, customer, context);
    return [...events, completed('applied', null, phase === 'start' && change.until !== null ? customer.status : null)];
  } catch (error) {
    if (isDomainRuleViolation(error)) return failed(error.rule, error.message);
    throw error;
  }
}

/** This concern's decisions, by command type. */
export const SCHEDULE_DECISIONS: Pick<CustomerDecisions, 'ScheduleChange' | 'EditScheduledChange' | 'CancelScheduledChange' | 'RunScheduledChange'> = {
  ScheduleChange: scheduleChange,
  EditScheduledChange: editScheduledChange,
  CancelScheduledChange: cancelScheduledChange,
  RunScheduledChange: runScheduledChange,
};

/** How a change reads in `changes` of the events that run it (for evolve): the API's `at` is `scheduledFor`. */
export const SCHEDULED_FIELD_OF: Record<string, keyof ScheduledChange> = {
  scheduledFor: 'at',
  until: 'until',
  reason: 'reason',
  status: 'status',
  billingType: 'billingType',
};
