/** The customer's ledger: payments and charges move the balance. */
import { FieldErrors, decimal, optionalOneOf, optionalText, requiredText } from '../../../domain-kernel/validation.js';
import { CUSTOMER_LIMITS } from '../customer.limits.js';
import type { RecordCharge, RecordPayment, NewIdContext, CustomerDecisions } from '../customer.commands.js';
import { type CustomerEvent } from '../customer.events.js';
import { PAYMENT_METHODS, type Customer } from '../customer.types.js';
import { newId, money, baseOf } from './shared.js';

export function recordPayment(command: RecordPayment, customer: Customer, context: NewIdContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as RecordPayment['data'];
  const errors = new FieldErrors();
  const amount = positiveAmount(errors, 'amount', input?.amount);
  const method = optionalOneOf(PAYMENT_METHODS)(errors, 'method', input?.method);
  const reference = optionalText(CUSTOMER_LIMITS.paymentReference)(errors, 'reference', input?.reference);
  const note = optionalText(CUSTOMER_LIMITS.paymentNote)(errors, 'note', input?.note);
  errors.throwIfAny();
  const to = money(customer.balance + amount);
  return [
    {
      type: 'PaymentRecorded',
      data: { ...base, paymentId: newId(context, command.type), amount, method, reference, note, changes: [{ field: 'balance', from: customer.balance, to }] },
    },
  ];
}

export function recordCharge(command: RecordCharge, customer: Customer, context: NewIdContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as RecordCharge['data'];
  const errors = new FieldErrors();
  const amount = positiveAmount(errors, 'amount', input?.amount);
  const description = requiredText(CUSTOMER_LIMITS.chargeDescription)(errors, 'description', input?.description);
  const reference = optionalText(CUSTOMER_LIMITS.chargeReference)(errors, 'reference', input?.reference);
  errors.throwIfAny();
  const to = money(customer.balance - amount);
  return [
    {
      type: 'ChargeRecorded',
      data: { ...base, chargeId: newId(context, command.type), amount, description, reference, changes: [{ field: 'balance', from: customer.balance, to }] },
    },
  ];
}

function positiveAmount(errors: FieldErrors, field: string, value: unknown): number {
  const amount = decimal({ max: CUSTOMER_LIMITS.moneyAmount })(errors, field, value);
  if (errors.errors.every((error) => error.field !== field) && amount <= 0) errors.add(field, 'range', `${field} must be greater than 0`);
  return amount;
}

/** This concern's decisions, by command type. */
export const LEDGER_DECISIONS: Pick<CustomerDecisions, 'RecordPayment' | 'RecordCharge'> = {
  RecordPayment: recordPayment,
  RecordCharge: recordCharge,
};
