/** The customer's ledger: payments and charges move the balance. */
import { refuse } from '../../../domain-kernel/errors.js';
import { MONEY_BALANCE_MAX, addMoney, checkMoney, minorUnitDigits, subtractMoney } from '../../../domain-kernel/money.js';
import { FieldErrors, optionalOneOf, optionalText, requiredText } from '../../../domain-kernel/validation.js';
import { CUSTOMER_LIMITS } from '../customer.limits.js';
import type { RecordCharge, RecordPayment, NewIdContext, CustomerDecisions } from '../customer.commands.js';
import { type CustomerEvent } from '../customer.events.js';
import { PAYMENT_METHODS, type Customer } from '../customer.types.js';
import { CUSTOMER_RULES as RULES } from '../customer.rules.js';
import { newId, baseOf } from './shared.js';

export function recordPayment(command: RecordPayment, customer: Customer, context: NewIdContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as RecordPayment['data'];
  const errors = new FieldErrors();
  const amount = positiveAmount(errors, 'amount', input?.amount, customer);
  const method = optionalOneOf(PAYMENT_METHODS)(errors, 'method', input?.method);
  const reference = optionalText(CUSTOMER_LIMITS.paymentReference)(errors, 'reference', input?.reference);
  const note = optionalText(CUSTOMER_LIMITS.paymentNote)(errors, 'note', input?.note);
  errors.throwIfAny();
  const to = balanceWithin(addMoney(customer.balance, amount));
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
  const amount = positiveAmount(errors, 'amount', input?.amount, customer);
  const description = requiredText(CUSTOMER_LIMITS.chargeDescription)(errors, 'description', input?.description);
  const reference = optionalText(CUSTOMER_LIMITS.chargeReference)(errors, 'reference', input?.reference);
  errors.throwIfAny();
  const to = balanceWithin(subtractMoney(customer.balance, amount));
  return [
    {
      type: 'ChargeRecorded',
      data: { ...base, chargeId: newId(context, command.type), amount, description, reference, changes: [{ field: 'balance', from: customer.balance, to }] },
    },
  ];
}

/** A payment or charge: more than 0, at most the limit, no more decimals than the customer's currency has (refused, never rounded). */
function positiveAmount(errors: FieldErrors, field: string, value: unknown, customer: Customer): number {
  if (value === undefined || value === null) {
    errors.add(field, 'required', `${field} is required`);
    return 0;
  }
  const currency = customer.voip.currency;
  return checkMoney(errors, field, value, { min: 0, exclusiveMin: true, max: CUSTOMER_LIMITS.moneyAmount, digits: minorUnitDigits(currency), currency }) ? value : 0;
}

/** A balance must stay where money is exact; beyond it the payment or charge is refused, not rounded. */
function balanceWithin(balance: number): number {
  if (Math.abs(balance) > MONEY_BALANCE_MAX) {
    refuse(RULES.balanceOutOfRange, `The balance would be ${balance}, beyond ±${MONEY_BALANCE_MAX}`, { balance, limit: MONEY_BALANCE_MAX });
  }
  return balance;
}

/** This concern's decisions, by command type. */
export const LEDGER_DECISIONS: Pick<CustomerDecisions, 'RecordPayment' | 'RecordCharge'> = {
  RecordPayment: recordPayment,
  RecordCharge: recordCharge,
};
