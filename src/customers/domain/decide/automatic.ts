/**
 * The automation's decisions: the billing-driven rules (customer.automation.ts) acting on one
 * customer when a due entry falls due. A status change goes through `changeStatus`, the very
 * decision an admin's status change takes, so the transition table and its refusals apply alike
 * (an Inactive customer is never blocked, a deleted one never touched); the event then carries
 * `automatic: {trigger, dueAt}` and a reason in plain words. Each decision first checks that its
 * rule is switched on and still holds at its due time (customer.automation.disabled / not_due);
 * the automation lifts only its own blocks (customer.automation.not_blocked_automatically).
 */
import { refuse } from '../../../domain-kernel/errors.js';
import { FieldErrors } from '../../../domain-kernel/validation.js';
import type {
  ActivateAutomatically,
  AutomationContext,
  BlockAutomatically,
  CustomerDecisions,
  DeactivateAutomatically,
  DecisionContext,
  ExpireCapBonus,
  ExpireVoipAccount,
} from '../customer.commands.js';
import type { CustomerEvent, StatusChangedData } from '../customer.events.js';
import { CUSTOMER_RULES as RULES } from '../customer.rules.js';
import type { Customer, CustomerStatus } from '../customer.types.js';
import {
  activationReason,
  blockDueAt,
  blockReason,
  blockingEnabled,
  capExpiryReason,
  deactivationDueAt,
  deactivationReason,
  isPrepaid,
  voipExpiresAt,
  voipExpiryReason,
  type AutomaticTrigger,
  type AutomationPolicy,
} from '../customer.automation.js';
import { changeStatus } from './lifecycle.js';
import { baseOf, dataOf } from './shared.js';

/** `dueAt` of an automatic command: an ISO time not after the decision's `now`. */
function dueAtOf(command: { data?: unknown }, context: DecisionContext): string {
  const errors = new FieldErrors();
  const raw = dataOf(command).dueAt;
  const parsed = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(parsed)) errors.add('dueAt', 'format', 'dueAt must be an ISO 8601 date-time');
  errors.throwIfAny();
  const dueAt = new Date(parsed).toISOString();
  if (parsed > Date.parse(context.now)) refuse(RULES.automationNotDue, `The rule falls due at ${dueAt}, after now (${context.now})`, { dueAt, now: context.now });
  return dueAt;
}

function policyOf(context: AutomationContext): AutomationPolicy {
  if (!context.automation) throw new Error('decideCustomer: context.automation (the billing rules\' switches) is required for an automatic status change');
  return context.automation;
}

function notDue(message: string, details: Record<string, unknown>): never {
  return refuse(RULES.automationNotDue, message, details);
}

/** The status change an admin would make, marked automatic. */
function automaticStatus(customer: Customer, context: DecisionContext, to: Exclude<CustomerStatus, 'new'>, reason: string, trigger: AutomaticTrigger, dueAt: string): CustomerEvent[] {
  const events = changeStatus({ type: 'ChangeStatus', data: { status: to, reason } }, customer, context);
  return events.map((event) => ({ ...event, data: { ...(event.data as StatusChangedData), automatic: { trigger, dueAt } } }) as CustomerEvent);
}

function refuseUnlessAutomaticallyBlocked(customer: Customer): void {
  if (customer.status !== 'blocked' || customer.block?.origin !== 'automatic') {
    const what = customer.status === 'blocked' ? 'was blocked by hand' : `is not blocked (it is ${customer.status})`;
    refuse(RULES.notBlockedAutomatically, `Customer ${customer.id} ${what}; the automation changes only the status of customers it blocked itself`, {
      status: customer.status,
      blockedBy: customer.block?.origin ?? null,
    });
  }
}

export function blockAutomatically(command: BlockAutomatically, customer: Customer, context: AutomationContext): CustomerEvent[] {
  const dueAt = dueAtOf(command, context);
  const policy = policyOf(context);
  if (!blockingEnabled(customer, policy)) {
    const which = isPrepaid(customer.billingType) ? 'prepaidAutomaticBlocking' : 'automaticBlocking';
    refuse(RULES.automationDisabled, `Automatic blocking is off for this customer (${which})`, { setting: which });
  }
  const blockAt = blockDueAt(customer);
  if (blockAt === null) {
    notDue(
      customer.belowThresholdSince === null
        ? `The balance ${customer.balance} is not below the customer's threshold`
        : 'The customer has no blocking period ("do not block")',
      { balance: customer.balance },
    );
  }
  if (Date.parse(blockAt) > Date.parse(dueAt)) notDue(`The block falls due at ${blockAt}, not yet at ${dueAt}`, { blockDueAt: blockAt, dueAt });
  const trigger: AutomaticTrigger = isPrepaid(customer.billingType) ? 'prepaid_minimum_balance' : 'blocking_period';
  return automaticStatus(customer, context, 'blocked', blockReason(customer, context.now), trigger, blockAt);
}

export function deactivateAutomatically(command: DeactivateAutomatically, customer: Customer, context: AutomationContext): CustomerEvent[] {
  const dueAt = dueAtOf(command, context);
  const policy = policyOf(context);
  if (!policy.automaticDeactivation) refuse(RULES.automationDisabled, 'Automatic deactivation is off for this customer (automaticDeactivation)', { setting: 'automaticDeactivation' });
  refuseUnlessAutomaticallyBlocked(customer);
  if (customer.belowThresholdSince === null) notDue('The debt is cleared: the customer is not deactivated', { balance: customer.balance });
  const deactivateAt = deactivationDueAt(customer);
  if (deactivateAt === null) notDue('The customer has no grace period: it stays Blocked', {});
  if (Date.parse(deactivateAt) > Date.parse(dueAt)) notDue(`The deactivation falls due at ${deactivateAt}, not yet at ${dueAt}`, { deactivationDueAt: deactivateAt, dueAt });
  return automaticStatus(customer, context, 'inactive', deactivationReason(customer, context.now), 'grace_period', deactivateAt);
}

export function activateAutomatically(command: ActivateAutomatically, customer: Customer, context: AutomationContext): CustomerEvent[] {
  const dueAt = dueAtOf(command, context);
  const policy = policyOf(context);
  if (!blockingEnabled(customer, policy)) {
    const which = isPrepaid(customer.billingType) ? 'prepaidAutomaticBlocking' : 'automaticBlocking';
    refuse(RULES.automationDisabled, `Automatic blocking (and its return on payment) is off for this customer (${which})`, { setting: which });
  }
  refuseUnlessAutomaticallyBlocked(customer);
  if (customer.belowThresholdSince !== null) notDue(`The balance ${customer.balance} is still below the customer's threshold`, { balance: customer.balance });
  return automaticStatus(customer, context, 'active', activationReason(customer), 'debt_cleared', dueAt);
}

export function expireVoipAccount(command: ExpireVoipAccount, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const dueAt = dueAtOf(command, context);
  const expiresAt = voipExpiresAt(customer);
  if (expiresAt === null) notDue('The VoIP account has neither an expiry date nor valid days', {});
  if (customer.voipExpiredAt !== null) refuse(RULES.voipAlreadyExpired, `The VoIP account already expired at ${customer.voipExpiredAt}`, { expiredAt: customer.voipExpiredAt });
  if (Date.parse(expiresAt) > Date.parse(dueAt)) notDue(`The VoIP account expires at ${expiresAt}, not yet at ${dueAt}`, { expiresAt, dueAt });
  const { accountNumber, expiryDate, validDays } = customer.voip;
  return [
    {
      type: 'VoipAccountExpired',
      data: { ...baseOf(customer, context), accountNumber, expiresAt, expiryDate, validDays, dueAt: expiresAt, reason: voipExpiryReason(expiresAt, context.now) },
    },
  ];
}

export function expireCapBonus(command: ExpireCapBonus, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const dueAt = dueAtOf(command, context);
  const grantId = dataOf(command).grantId;
  if (typeof grantId !== 'string' || grantId === '') {
    const errors = new FieldErrors();
    errors.add('grantId', 'required', 'grantId is required');
    errors.throwIfAny();
  }
  const grant = customer.capGrants.find((item) => item.id === grantId);
  if (!grant) refuse(RULES.capGrantNotFound, `CAP grant ${String(grantId)} does not exist on this customer`, { grantId });
  if (grant.revoked) refuse(RULES.capGrantAlreadyRevoked, `CAP grant ${grant.id} is revoked`, { grantId: grant.id });
  if (grant.expired) refuse(RULES.capGrantAlreadyExpired, `CAP grant ${grant.id} already expired`, { grantId: grant.id });
  if (grant.expiresAt === null) notDue(`CAP grant ${grant.id} does not expire`, { grantId: grant.id });
  if (Date.parse(grant.expiresAt) > Date.parse(dueAt)) notDue(`CAP grant ${grant.id} expires at ${grant.expiresAt}, not yet at ${dueAt}`, { grantId: grant.id, expiresAt: grant.expiresAt, dueAt });
  return [
    {
      type: 'CapBonusExpired',
      data: {
        ...baseOf(customer, context),
        grantId: grant.id,
        megabytes: grant.megabytes,
        expiresAt: grant.expiresAt,
        dueAt: grant.expiresAt,
        reason: capExpiryReason(grant, context.now),
      },
    },
  ];
}

/** This concern's decisions, by command type. */
export const AUTOMATIC_DECISIONS: Pick<CustomerDecisions, 'BlockAutomatically' | 'DeactivateAutomatically' | 'ActivateAutomatically' | 'ExpireVoipAccount' | 'ExpireCapBonus'> = {
  BlockAutomatically: blockAutomatically,
  DeactivateAutomatically: deactivateAutomatically,
  ActivateAutomatically: activateAutomatically,
  ExpireVoipAccount: expireVoipAccount,
  ExpireCapBonus: expireCapBonus,
};
