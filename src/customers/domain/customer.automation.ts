/**
 * The billing-driven rules as pure functions of the customer's state: the balance threshold, when
 * each automatic action falls due, and the plain words the timeline shows. The decisions that act
 * on them are in decide/automatic.ts; the application layer turns `automaticDueEntries` into rows
 * of the due-action table (timers as data) and asks the decider when one falls due.
 *
 * - Recurring (billing type `recurring`): the balance below the threshold since T → Blocked at
 *   T + payment due days + blocking period days (no blocking period: never blocked).
 * - Prepaid (`prepaid_custom`, `prepaid_daily`): the balance below the threshold → Blocked at once.
 * - Either, blocked automatically and still below the threshold the grace period after the block
 *   → Inactive (no grace period: never).
 * - Blocked automatically and no longer below → Active again. A block by hand is never lifted.
 * - VoIP: the account expires at the earlier of its expiry date and its start (first use, else
 *   creation) plus its valid days → VoipAccountExpired (no new calls after it).
 * - CAP: a grant expires at its `expiresAt` → CapBonusExpired (the bonus total no longer counts it).
 *
 * The threshold is the minimum balance, or minus the credit limit for a postpaid account that has
 * one ("may go down to −100.00"). Money is compared exactly (domain-kernel/money).
 */
import { compareMoney, formatMoney } from '../../domain-kernel/money.js';
import type { AutomationPolicy } from '../../reference-data/domain/index.js';
import type { BillingType, CapGrant, Customer } from './customer.types.js';

export type { AutomationPolicy };

export const DAY_MS = 86_400_000;

/** The kinds of automatic action, as the due-action table names them. */
export const AUTOMATIC_KINDS = ['billing.block', 'billing.deactivate', 'billing.activate', 'voip.expire', 'cap.expire'] as const;
export type AutomaticKind = (typeof AUTOMATIC_KINDS)[number];

/**
 * What an automatic status event records in `automatic`: which rule acted and when it fell due
 * (`at` is when it actually ran).
 */
export const AUTOMATIC_TRIGGERS = ['blocking_period', 'prepaid_minimum_balance', 'grace_period', 'debt_cleared'] as const;
export type AutomaticTrigger = (typeof AUTOMATIC_TRIGGERS)[number];

export interface AutomaticMark {
  trigger: AutomaticTrigger;
  /** When the rule fell due (the block's effective time; the grace period counts from it). */
  dueAt: string;
}

export function isPrepaid(billingType: BillingType): boolean {
  return billingType !== 'recurring';
}

export interface Threshold {
  /** The balance must not be below this. */
  value: number;
  /** How the timeline names it. */
  label: string;
}

/** The balance the customer must not fall below: the minimum balance, or minus a postpaid account's credit limit. */
export function thresholdOf(customer: Pick<Customer, 'billing'>): Threshold {
  const { accountType, creditLimit, minimumBalance } = customer.billing;
  if (accountType === 'postpaid' && creditLimit !== null && creditLimit !== undefined) {
    const value = creditLimit === 0 ? 0 : -creditLimit;
    return { value, label: `credit limit ${money(creditLimit)} (down to ${money(value)})` };
  }
  return { value: minimumBalance, label: `minimum ${money(minimumBalance)}` };
}

export function isBelowThreshold(customer: Pick<Customer, 'billing' | 'balance'>): boolean {
  return compareMoney(customer.balance, thresholdOf(customer).value) < 0;
}

/** The switch that governs blocking (and the return on payment) for this customer's billing type. */
export function blockingEnabled(customer: Pick<Customer, 'billingType'>, policy: AutomationPolicy): boolean {
  return isPrepaid(customer.billingType) ? policy.prepaidAutomaticBlocking : policy.automaticBlocking;
}

function plusDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString();
}

/** When the customer falls due for an automatic block (below the threshold long enough), or null. */
export function blockDueAt(customer: Customer): string | null {
  const since = customer.belowThresholdSince;
  if (since === null) return null;
  if (isPrepaid(customer.billingType)) return since;
  const { paymentDueDays, blockingPeriodDays } = customer.billing;
  if (blockingPeriodDays === null || blockingPeriodDays === undefined) return null;
  return plusDays(since, (paymentDueDays ?? 0) + blockingPeriodDays);
}

/** When an automatically blocked customer, still below, falls due to become Inactive, or null. */
export function deactivationDueAt(customer: Customer): string | null {
  if (customer.status !== 'blocked' || customer.block?.origin !== 'automatic' || customer.belowThresholdSince === null) return null;
  const grace = customer.billing.gracePeriodDays;
  if (grace === null || grace === undefined) return null;
  return plusDays(customer.block.at, grace);
}

/**
 * When the VoIP account stops taking new calls: the earlier of its expiry date and its start (first
 * use, else creation) plus its valid days; null when neither is set.
 */
export function voipExpiresAt(customer: Pick<Customer, 'voip' | 'createdAt'>): string | null {
  const candidates: number[] = [];
  const { expiryDate, validDays, firstUsedAt } = customer.voip;
  if (expiryDate) candidates.push(Date.parse(expiryDate));
  if (validDays !== null && validDays !== undefined) candidates.push(Date.parse(firstUsedAt ?? customer.createdAt) + validDays * DAY_MS);
  const valid = candidates.filter((time) => Number.isFinite(time));
  return valid.length === 0 ? null : new Date(Math.min(...valid)).toISOString();
}

/** A grant the automation will expire: neither revoked nor expired, with an expiry time. */
export function capGrantExpiring(grant: CapGrant): boolean {
  return !grant.revoked && !grant.expired && grant.expiresAt !== null;
}

/** One thing that falls due for a customer: the application layer keeps one due row per entry. */
export interface AutomaticDueEntry {
  kind: AutomaticKind;
  /** Stable within the customer: the same entry keeps its key while its time moves (a new occurrence gets a new key). */
  key: string;
  dueAt: string;
  /** What the decision needs besides the customer (the CAP grant). */
  payload: { grantId?: string };
}

/**
 * What falls due for this customer, whatever the switches say (the decision reads them when the
 * entry falls due). Recomputed after every event: an entry that disappears is cancelled, one whose
 * time moved is rescheduled.
 */
export function automaticDueEntries(customer: Customer): AutomaticDueEntry[] {
  if (customer.deleted) return [];
  const entries: AutomaticDueEntry[] = [];
  if (!customer.isLead) {
    const blockAt = blockDueAt(customer);
    if (blockAt !== null && (customer.status === 'active' || customer.status === 'new')) {
      entries.push({ kind: 'billing.block', key: customer.belowThresholdSince!, dueAt: blockAt, payload: {} });
    }
    const deactivateAt = deactivationDueAt(customer);
    if (deactivateAt !== null) entries.push({ kind: 'billing.deactivate', key: customer.block!.at, dueAt: deactivateAt, payload: {} });
    if (customer.status === 'blocked' && customer.block?.origin === 'automatic' && customer.belowThresholdSince === null) {
      entries.push({ kind: 'billing.activate', key: customer.block.at, dueAt: customer.updatedAt, payload: {} });
    }
  }
  const voipAt = voipExpiresAt(customer);
  if (voipAt !== null && customer.voipExpiredAt === null) entries.push({ kind: 'voip.expire', key: voipAt, dueAt: voipAt, payload: {} });
  for (const grant of customer.capGrants) {
    if (capGrantExpiring(grant)) entries.push({ kind: 'cap.expire', key: grant.id, dueAt: grant.expiresAt!, payload: { grantId: grant.id } });
  }
  return entries;
}

// ===== words ===================================================================================

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "3 Nov" (UTC), with the year when it is not the year of `relativeTo`. */
export function shortDate(iso: string, relativeTo: string): string {
  const date = new Date(iso);
  const year = date.getUTCFullYear();
  const text = `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
  return year === new Date(relativeTo).getUTCFullYear() ? text : `${text} ${year}`;
}

/** Money as the timeline shows it: two decimals at least, a true minus sign. */
export function money(value: number): string {
  return formatMoney(value).replace(/^-/, '\u2212');
}

function days(count: number): string {
  return `${count} day${count === 1 ? '' : 's'}`;
}

export function blockReason(customer: Customer, now: string): string {
  const threshold = thresholdOf(customer);
  const since = shortDate(customer.belowThresholdSince!, now);
  if (isPrepaid(customer.billingType)) {
    return `blocked automatically: prepaid balance ${money(customer.balance)} below ${threshold.label} since ${since}`;
  }
  const { paymentDueDays, blockingPeriodDays } = customer.billing;
  const period = paymentDueDays ? `payment due ${days(paymentDueDays)} + blocking period ${days(blockingPeriodDays ?? 0)}` : `blocking period ${days(blockingPeriodDays ?? 0)}`;
  return `blocked automatically: balance ${money(customer.balance)} below ${threshold.label} since ${since}, ${period}`;
}

export function deactivationReason(customer: Customer, now: string): string {
  const threshold = thresholdOf(customer);
  return (
    `deactivated automatically: still unpaid (balance ${money(customer.balance)} below ${threshold.label}) ` +
    `${days(customer.billing.gracePeriodDays ?? 0)} after the automatic block of ${shortDate(customer.block!.at, now)} (grace period)`
  );
}

export function activationReason(customer: Customer): string {
  return `activated automatically: the debt is cleared, balance ${money(customer.balance)} is no longer below ${thresholdOf(customer).label}`;
}

export function voipExpiryReason(expiresAt: string, now: string): string {
  return `VoIP account expired automatically on ${shortDate(expiresAt, now)}: no new calls`;
}

export function capExpiryReason(grant: CapGrant, now: string): string {
  const why = grant.reason.length > 120 ? `${grant.reason.slice(0, 119)}…` : grant.reason;
  return `CAP bonus of ${grant.megabytes} MB ("${why}") expired automatically on ${shortDate(grant.expiresAt!, now)}`;
}
