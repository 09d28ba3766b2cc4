/** The customer's business rules as data: stable rule codes and the status transition table. */
import type { CustomerStatus } from './customer.types.js';

/**
 * Stable codes of the DomainRuleViolations the customer decider throws. Codes ending in
 * `.not_found` mean "the addressed thing does not exist" (HTTP 404); the others are 409.
 */
export const CUSTOMER_RULES = {
  notFound: 'customer.not_found',
  alreadyExists: 'customer.already_exists',
  deleted: 'customer.deleted',
  partnerUnknown: 'customer.partner.unknown',
  locationUnknown: 'customer.location.unknown',
  statusUnchanged: 'customer.status.unchanged',
  statusTransitionNotAllowed: 'customer.status.transition_not_allowed',
  deleteRequiresInactive: 'customer.delete.requires_inactive',
  restoreRequiresDeleted: 'customer.restore.requires_deleted',
  convertToLeadRequiresNew: 'customer.convert_to_lead.requires_new',
  isLead: 'customer.lead.not_a_customer',
  notALead: 'customer.lead.not_a_lead',
  accountNumberReadOnly: 'customer.voip.account_number_read_only',
  creditLimitRequiresPostpaid: 'customer.billing.credit_limit_requires_postpaid',
  commentNotFound: 'customer.comment.not_found',
  noteNotFound: 'customer.note.not_found',
  capGrantNotFound: 'customer.cap.grant.not_found',
  capGrantAlreadyRevoked: 'customer.cap.grant_already_revoked',
  hardwareAlreadyAssigned: 'customer.hardware.already_assigned',
  balanceOutOfRange: 'customer.balance.out_of_range',
  hardwareNotFound: 'customer.hardware.not_found',
  contactNotFound: 'customer.contact.not_found',
  addressNotFound: 'customer.address.not_found',
  scheduledChangeNotFound: 'customer.scheduled_change.not_found',
  scheduledChangeInPast: 'customer.scheduled_change.in_the_past',
  scheduledChangeUnreachableStatus: 'customer.scheduled_change.status_unreachable',
  scheduledChangeUntilNotAfterAt: 'customer.scheduled_change.until_not_after_at',
  scheduledChangeNotPending: 'customer.scheduled_change.not_pending',
  scheduledChangeAlreadyStarted: 'customer.scheduled_change.already_started',
  scheduledChangeTooMany: 'customer.scheduled_change.too_many',
  eraseBalanceNotZero: 'customer.erase.balance_not_zero',
  eraseAlreadyErased: 'customer.erase.already_erased',
  eraseRequiresInactive: 'customer.erase.requires_inactive',
  eraseRequiresDeleted: 'customer.erase.requires_deleted',
  personalDataErased: 'customer.personal_data_erased',
  capGrantAlreadyExpired: 'customer.cap.grant_already_expired',
  voipAlreadyExpired: 'customer.voip.already_expired',
  automationDisabled: 'customer.automation.disabled',
  automationNotDue: 'customer.automation.not_due',
  notBlockedAutomatically: 'customer.automation.not_blocked_automatically',
  revertRevisionNotFound: 'customer.revert.revision.not_found',
  revertNotRevertible: 'customer.revert.not_revertible',
  revertAlreadyReverted: 'customer.revert.already_reverted',
  revertSuperseded: 'customer.revert.superseded',
} as const;

export type CustomerRule = (typeof CUSTOMER_RULES)[keyof typeof CUSTOMER_RULES];

/**
 * Allowed status transitions (Splynx semantics: New is the default; Active uses services; Blocked
 * suspends services but keeps billing; Inactive stops services and billing). Nothing returns to New.
 */
export const STATUS_TRANSITIONS: Readonly<Record<CustomerStatus, readonly CustomerStatus[]>> = {
  new: ['active', 'inactive', 'blocked'],
  active: ['blocked', 'inactive'],
  blocked: ['active', 'inactive'],
  inactive: ['active'],
};

export function canChangeStatus(from: CustomerStatus, to: CustomerStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

/** Commands a lead (converted from a New customer) refuses with `customer.lead.not_a_customer`. */
export const REFUSED_FOR_LEADS = [
  'ChangeStatus',
  'ConvertToLead',
  'GrantCapBonus',
  'AssignHardware',
  'RecordPayment',
  'RecordCharge',
  'Impersonate',
  'BlockAutomatically',
  'DeactivateAutomatically',
  'ActivateAutomatically',
] as const;
