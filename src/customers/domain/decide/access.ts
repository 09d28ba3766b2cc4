/** Access to the customer's accounts: the portal password, the PIN, impersonation (each recorded). */
import { FieldErrors, optionalDateTime } from '../../../domain-kernel/validation.js';
import type { CustomerContextFor, DecisionContext, Impersonate, ResetPassword, RevealPassword, RevealPin, CustomerDecisions } from '../customer.commands.js';
import { type CustomerEvent } from '../customer.events.js';
import { type Customer } from '../customer.types.js';
import { reasonValidator, validReason, baseOf, dataOf } from './shared.js';

export function resetPassword(command: ResetPassword, customer: Customer, context: CustomerContextFor<'ResetPassword'>): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const reason = validReason(data.reason);
  if (typeof context.passwordCiphertext !== 'string' || context.passwordCiphertext === '') {
    throw new Error('decideCustomer(ResetPassword): context.passwordCiphertext is required');
  }
  return [{ type: 'CustomerPasswordReset', data: { ...base, reason, passwordCiphertext: context.passwordCiphertext, generated: data.generated === true } }];
}

export function revealPassword(command: RevealPassword, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  return [{ type: 'CustomerPasswordRevealed', data: { ...base, reason: validReason(data.reason) } }];
}

export function revealPin(command: RevealPin, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  return [{ type: 'CustomerPinRevealed', data: { ...base, reason: validReason(data.reason) } }];
}

export function impersonate(command: Impersonate, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const errors = new FieldErrors();
  const reason = reasonValidator(errors, 'reason', data.reason);
  const expiresAt = optionalDateTime()(errors, 'expiresAt', data.expiresAt);
  errors.throwIfAny();
  return [{ type: 'CustomerImpersonated', data: { ...base, reason, expiresAt } }];
}

/** This concern's decisions, by command type. */
export const ACCESS_DECISIONS: Pick<CustomerDecisions, 'ResetPassword' | 'RevealPassword' | 'RevealPin' | 'Impersonate'> = {
  ResetPassword: resetPassword,
  RevealPassword: revealPassword,
  RevealPin: revealPin,
  Impersonate: impersonate,
};
