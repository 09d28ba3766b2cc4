/** The customer's lifecycle: status, billing type, lead conversion, delete and restore. */
import { refuse } from '../../../domain-kernel/errors.js';
import { type Change } from '../../../domain-kernel/decider.js';
import { FieldErrors, oneOf } from '../../../domain-kernel/validation.js';
import type { ChangeBillingType, ChangeStatus, ConvertLeadToCustomer, ConvertToLead, DecisionContext, DeleteCustomer, RestoreCustomer, CustomerDecisions } from '../customer.commands.js';
import { STATUS_EVENT, type CustomerEvent } from '../customer.events.js';
import { CUSTOMER_RULES as RULES, STATUS_TRANSITIONS, canChangeStatus } from '../customer.rules.js';
import { BILLING_TYPES, CUSTOMER_STATUSES, type Customer, type CustomerStatus } from '../customer.types.js';
import { STATUS_LABEL, reasonValidator, validReason, baseOf, dataOf } from './shared.js';

export function changeStatus(command: ChangeStatus, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const errors = new FieldErrors();
  const to = oneOf(CUSTOMER_STATUSES)(errors, 'status', data.status);
  const reason = reasonValidator(errors, 'reason', data.reason);
  errors.throwIfAny();
  const from = customer.status;
  if (to === from) refuse(RULES.statusUnchanged, `The customer is already ${STATUS_LABEL[to]}`, { status: to });
  if (!canChangeStatus(from, to)) {
    refuse(RULES.statusTransitionNotAllowed, `A customer cannot go from ${STATUS_LABEL[from]} to ${STATUS_LABEL[to]}`, {
      from,
      to,
      allowed: STATUS_TRANSITIONS[from],
    });
  }
  const type = STATUS_EVENT[to as Exclude<CustomerStatus, 'new'>];
  return [{ type, data: { ...base, from, to, reason, changes: [{ field: 'status', from, to }] } } as CustomerEvent];
}

export function changeBillingType(command: ChangeBillingType, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const errors = new FieldErrors();
  const to = oneOf(BILLING_TYPES)(errors, 'billingType', data.billingType);
  const reason = reasonValidator(errors, 'reason', data.reason);
  errors.throwIfAny();
  const from = customer.billingType;
  if (to === from) return [];
  return [{ type: 'CustomerBillingTypeChanged', data: { ...base, from, to, reason, changes: [{ field: 'billingType', from, to }] } }];
}

export function convertToLead(command: ConvertToLead, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const reason = validReason(data.reason);
  if (customer.status !== 'new') {
    refuse(RULES.convertToLeadRequiresNew, `Only a New customer can be converted to a lead; this one is ${STATUS_LABEL[customer.status]}`, {
      status: customer.status,
    });
  }
  return [{ type: 'CustomerConvertedToLead', data: { ...base, reason, changes: [{ field: 'isLead', from: false, to: true }] } }];
}

export function convertLeadToCustomer(command: ConvertLeadToCustomer, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const errors = new FieldErrors();
  const status = oneOf(['active', 'new'] as const)(errors, 'status', data.status ?? 'active');
  const reason = reasonValidator(errors, 'reason', data.reason);
  errors.throwIfAny();
  if (!customer.isLead) refuse(RULES.notALead, `Customer ${customer.id} is not a lead`);
  const changes: Change[] = [{ field: 'isLead', from: true, to: false }];
  if (status !== customer.status) changes.push({ field: 'status', from: customer.status, to: status });
  return [{ type: 'LeadConvertedToCustomer', data: { ...base, status, reason, changes } }];
}

export function deleteCustomer(command: DeleteCustomer, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const reason = validReason(data.reason);
  if (customer.status !== 'inactive') {
    refuse(RULES.deleteRequiresInactive, `Only an Inactive customer can be deleted; this one is ${STATUS_LABEL[customer.status]}`, {
      status: customer.status,
    });
  }
  return [{ type: 'CustomerDeleted', data: { ...base, status: customer.status, reason, changes: [{ field: 'deleted', from: false, to: true }] } }];
}

export function restoreCustomer(command: RestoreCustomer, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const reason = validReason(data.reason);
  if (!customer.deleted) refuse(RULES.restoreRequiresDeleted, `Customer ${customer.id} is not deleted`);
  return [{ type: 'CustomerRestored', data: { ...base, status: customer.status, reason, changes: [{ field: 'deleted', from: true, to: false }] } }];
}

/** This concern's decisions, by command type. */
export const LIFECYCLE_DECISIONS: Pick<CustomerDecisions, 'ChangeStatus' | 'ChangeBillingType' | 'ConvertToLead' | 'ConvertLeadToCustomer' | 'DeleteCustomer' | 'RestoreCustomer'> = {
  ChangeStatus: changeStatus,
  ChangeBillingType: changeBillingType,
  ConvertToLead: convertToLead,
  ConvertLeadToCustomer: convertLeadToCustomer,
  DeleteCustomer: deleteCustomer,
  RestoreCustomer: restoreCustomer,
};
