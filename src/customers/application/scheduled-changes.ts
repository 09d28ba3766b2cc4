import { Inject, Injectable } from '@nestjs/common';
import type { WriteOptions } from '../../event-sourcing/write-options.js';
import { CUSTOMER_RULES, DomainRuleViolation, type AuthorRef, type BillingType, type Customer, type CustomerStatus, type ScheduledChange } from '../domain/index.js';
import { CustomerCommandExecutor, type CustomerOutcome } from './customer-command-executor.js';

/** A scheduled change as the API answers it (status only for action status, billingType only for billing_type, until only on a hold). */
export interface ScheduledChangeItem {
  id: string;
  customerId: number;
  action: ScheduledChange['action'];
  status?: CustomerStatus;
  billingType?: BillingType;
  at: string;
  until?: string;
  reason: string | null;
  state: ScheduledChange['state'];
  /** While pending: the phase that runs next (`end` once a hold has started). */
  phase: ScheduledChange['phase'];
  /** A started hold: the status it returns to. */
  previousStatus: CustomerStatus | null;
  scheduledBy: AuthorRef | null;
  scheduledAt: string;
  ranAt: string | null;
  /** A failed change: the rule that refused it and why. */
  rule: string | null;
  message: string | null;
}

export type ScheduledChangeWritten = ScheduledChangeItem & { revision: number; position: string | null };

export function toScheduledChangeItem(customerId: number, change: ScheduledChange): ScheduledChangeItem {
  return {
    id: change.id,
    customerId,
    action: change.action,
    ...(change.action === 'status' && change.status ? { status: change.status } : {}),
    ...(change.action === 'billing_type' && change.billingType ? { billingType: change.billingType } : {}),
    at: change.at,
    ...(change.until ? { until: change.until } : {}),
    reason: change.reason,
    state: change.state,
    phase: change.phase,
    previousStatus: change.previousStatus,
    scheduledBy: change.scheduledBy,
    scheduledAt: change.scheduledAt,
    ranAt: change.ranAt,
    rule: change.rule,
    message: change.message,
  };
}

function changeOf(state: Customer, changeId: string): ScheduledChange {
  const change = state.scheduledChanges?.find((item) => item.id === changeId);
  if (!change) throw new DomainRuleViolation(CUSTOMER_RULES.scheduledChangeNotFound, `There is no scheduled change ${changeId}`, { changeId });
  return change;
}

export interface ScheduleChangeBody {
  action: ScheduledChange['action'];
  status?: CustomerStatus | null;
  billingType?: BillingType | null;
  at: string;
  until?: string | null;
  reason?: string | null;
}

export interface EditScheduledChangeBody {
  at?: string;
  until?: string | null;
  reason?: string | null;
  status?: CustomerStatus;
  billingType?: BillingType;
}

/**
 * Scheduled changes of one customer: commands on the customer stream (ScheduleChange,
 * EditScheduledChange, CancelScheduledChange, decided by the customer decider) and the list, read
 * from the stream itself (so a write is visible at once). The timers that run them are kept by the
 * scheduled-change timers projection; the automation runs them.
 */
@Injectable()
export class ScheduledChanges {
  constructor(@Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor) {}

  async add(customerId: number, body: ScheduleChangeBody, options: WriteOptions): Promise<ScheduledChangeWritten> {
    const outcome = await this.executor.run(customerId, { type: 'ScheduleChange', data: body }, options);
    const added = outcome.events.find((event) => event.type === 'ScheduledChangeAdded');
    return this.answer(outcome, (added?.data as { changeId: string }).changeId);
  }

  async edit(customerId: number, changeId: string, body: EditScheduledChangeBody, options: WriteOptions): Promise<ScheduledChangeWritten> {
    return this.answer(await this.executor.run(customerId, { type: 'EditScheduledChange', data: { ...body, changeId } }, options), changeId);
  }

  async cancel(customerId: number, changeId: string, reason: string | null | undefined, options: WriteOptions): Promise<ScheduledChangeWritten> {
    return this.answer(await this.executor.run(customerId, { type: 'CancelScheduledChange', data: { changeId, reason } }, options), changeId);
  }

  /** Every scheduled change of the customer, oldest first (partner-scoped: another partner's customer is not found). */
  async list(customerId: number, options: WriteOptions): Promise<ScheduledChangeItem[]> {
    const { state } = await this.executor.loadFor(customerId, options);
    if (!state.exists) throw new DomainRuleViolation(CUSTOMER_RULES.notFound, 'The customer does not exist', { customerId });
    return (state.scheduledChanges ?? []).map((change) => toScheduledChangeItem(customerId, change));
  }

  private answer(outcome: CustomerOutcome, changeId: string): ScheduledChangeWritten {
    return { ...toScheduledChangeItem(outcome.state.id, changeOf(outcome.state, changeId)), revision: outcome.revision, position: outcome.position };
  }
}
