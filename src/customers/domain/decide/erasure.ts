/** Erasure of the customer's personal data (crypto-shredding): what must hold before it, and what it records. */
import { refuse } from '../../../domain-kernel/errors.js';
import { FieldErrors, requiredText } from '../../../domain-kernel/validation.js';
import { CUSTOMER_LIMITS } from '../customer.limits.js';
import type { CustomerContextFor, CustomerDecisions, ErasePersonalData } from '../customer.commands.js';
import type { CustomerEvent } from '../customer.events.js';
import { PERSONAL_FIELDS } from '../customer.personal-data.js';
import { CUSTOMER_RULES as RULES } from '../customer.rules.js';
import type { Customer } from '../customer.types.js';
import { STATUS_LABEL, baseOf, dataOf } from './shared.js';

/** What an erasure names as erased: the personal fields, and the personal parts of the sub-entities. */
export const ERASED_FIELDS: readonly string[] = [...PERSONAL_FIELDS, 'comments.text', 'notes.text', 'contacts', 'addresses'];

/**
 * Refused while the balance is not zero (the books must be settled first: money movements stay,
 * and a debt cannot be chased without a name), when the settings require an inactive or deleted
 * customer and it is not, and when already erased. The reason is required.
 */
export function erasePersonalData(command: ErasePersonalData, customer: Customer, context: CustomerContextFor<'ErasePersonalData'>): CustomerEvent[] {
  const errors = new FieldErrors();
  const reason = requiredText(CUSTOMER_LIMITS.reason)(errors, 'reason', dataOf(command).reason);
  errors.throwIfAny();
  if (customer.personalDataErasedAt !== null) {
    refuse(RULES.eraseAlreadyErased, `The personal data of customer ${customer.id} was already erased`, { erasedAt: customer.personalDataErasedAt });
  }
  if (customer.balance !== 0) {
    refuse(RULES.eraseBalanceNotZero, `Customer ${customer.id} has a balance of ${customer.balance}: settle it to zero before erasing`, { balance: customer.balance });
  }
  const requires = context.erasureRequires ?? 'nothing';
  if (requires === 'deleted' && !customer.deleted) {
    refuse(RULES.eraseRequiresDeleted, `The customer settings allow erasing only a deleted customer; customer ${customer.id} is not deleted`, { erasureRequires: requires });
  }
  if (requires === 'inactive' && customer.status !== 'inactive') {
    refuse(RULES.eraseRequiresInactive, `The customer settings allow erasing only an Inactive customer; this one is ${STATUS_LABEL[customer.status]}`, {
      erasureRequires: requires,
      status: customer.status,
    });
  }
  return [{ type: 'CustomerPersonalDataErased', data: { ...baseOf(customer, context), reason, fields: [...ERASED_FIELDS] } }];
}

export const ERASURE_DECISIONS: Pick<CustomerDecisions, 'ErasePersonalData'> = {
  ErasePersonalData: erasePersonalData,
};
