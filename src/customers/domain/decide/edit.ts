/** EditCustomer (PATCH) and SetAdditionalFields: changes to the customer's own fields, one event per section. */
import { refuse } from '../../../domain-kernel/errors.js';
import { REDACTED, diff, has, type Change } from '../../../domain-kernel/decider.js';
import { FieldErrors } from '../../../domain-kernel/validation.js';
import type { CustomerContextFor, EditCustomer, SetAdditionalFields, CustomerDecisions } from '../customer.commands.js';
import { type CustomerEvent } from '../customer.events.js';
import { CUSTOMER_RULES as RULES } from '../customer.rules.js';
import { ADDRESS_KEYS, BILLING_KEYS, COMPANY_ONLY_KEYS, CONTACT_INFO_KEYS, MAIN_INFO_KEYS, PERSON_ONLY_KEYS, PIN_FIELD, VOIP_EDITABLE_KEYS, VOIP_KEYS, type BillingSettings, type ContactInfo, type Customer, type MainInfo, type PostalAddress, type VoipSettings } from '../customer.types.js';
import { addressValidators, billingValidators, contactInfoValidators, labelsValidator, mainInfoValidators, rejectUnknownKeys, validateAdditionalFields, validatePresent, voipValidators } from '../customer.validation.js';
import { isObject, rejectPlainPin, requiredCiphertext, definitionsOf, checkCategoryFields, assertKnownReference, refuseCreditLimitOnPrepaid, additionalFieldChanges, baseOf } from './shared.js';

const EDIT_KEYS = [...MAIN_INFO_KEYS, ...CONTACT_INFO_KEYS, ...ADDRESS_KEYS, 'labels', 'additionalFields', 'voip', 'billing'];
const EDIT_READ_ONLY: Record<string, string> = {
  id: 'id never changes',
  status: 'status changes through ChangeStatus (POST /customers/{id}/status)',
  billingType: 'billing type changes through ChangeBillingType (POST /customers/{id}/billing-type)',
  password: 'the password changes through ResetPassword (POST /customers/{id}/password/reset)',
  balance: 'the balance changes through payments and charges',
};

export function editCustomer(command: EditCustomer, customer: Customer, context: CustomerContextFor<'EditCustomer'>): CustomerEvent[] {
  const patch = command.data;
  const data = (patch ?? {}) as unknown as Record<string, unknown>;
  const errors = new FieldErrors();
  rejectUnknownKeys(errors, data, EDIT_KEYS, '', EDIT_READ_ONLY);

  // Read-only: the ASTPP account number (sending it unchanged is harmless).
  if (isObject(data.voip) && has(data.voip, 'accountNumber') && data.voip.accountNumber !== customer.voip.accountNumber) {
    refuse(RULES.accountNumberReadOnly, 'The VoIP account number cannot change after the customer is created', {
      accountNumber: customer.voip.accountNumber,
    });
  }

  const main = validatePresent<MainInfo>(errors, data, mainInfoValidators(context.now), MAIN_INFO_KEYS);
  const category = main.category ?? customer.category;
  checkCategoryFields(errors, category, main);
  if (main.category !== undefined && main.category !== customer.category) {
    // Switching category clears the other category's fields (recorded in the changes).
    for (const key of category === 'person' ? COMPANY_ONLY_KEYS : PERSON_ONLY_KEYS) if (main[key] === undefined) main[key] = null;
  }
  const contact = validatePresent<ContactInfo>(errors, data, contactInfoValidators, CONTACT_INFO_KEYS);
  const address = validatePresent<PostalAddress>(errors, data, addressValidators, ADDRESS_KEYS);
  rejectPlainPin(data.voip, 'EditCustomer');
  rejectUnknownKeys(errors, data.voip, [...VOIP_KEYS, 'pinChanged'], 'voip.');
  const voip = validatePresent<Omit<VoipSettings, 'pinCiphertext'>>(errors, isObject(data.voip) ? data.voip : undefined, voipValidators, VOIP_EDITABLE_KEYS, 'voip.');
  const pinChanged = isObject(data.voip) && data.voip.pinChanged !== undefined ? data.voip.pinChanged : false;
  if (pinChanged !== false && pinChanged !== true) errors.add('voip.pinChanged', 'type', 'voip.pinChanged may only be true (the new PIN, sealed, travels in the context)');
  rejectUnknownKeys(errors, data.billing, BILLING_KEYS, 'billing.');
  const billing = validatePresent<BillingSettings>(errors, isObject(data.billing) ? data.billing : undefined, billingValidators, BILLING_KEYS, 'billing.');
  const labels = has(data, 'labels') ? labelsValidator(errors, 'labels', data.labels) : undefined;
  const additionalFields = has(data, 'additionalFields')
    ? validateAdditionalFields(errors, data.additionalFields as Record<string, unknown>, definitionsOf(context), {
        mode: 'edit',
        category,
        current: customer.additionalFields,
      })
    : undefined;
  errors.throwIfAny();

  if (main.partnerId !== undefined && main.partnerId !== customer.partnerId) {
    assertKnownReference(context.knownPartnerIds, main.partnerId, RULES.partnerUnknown, 'partner', 'knownPartnerIds');
  }
  if (main.locationId !== undefined && main.locationId !== customer.locationId) {
    assertKnownReference(context.knownLocationIds, main.locationId, RULES.locationUnknown, 'location', 'knownLocationIds');
  }
  const accountType = billing.accountType ?? customer.billing.accountType;
  if (accountType === 'prepaid' && billing.creditLimit !== undefined && billing.creditLimit !== null) refuseCreditLimitOnPrepaid(billing.creditLimit);
  if (billing.accountType !== undefined && billing.accountType !== customer.billing.accountType && billing.creditLimit === undefined) {
    billing.creditLimit = accountType === 'prepaid' ? null : (customer.billing.creditLimit ?? 0);
  }

  const base = { customerId: customer.id, at: context.now };
  const events: CustomerEvent[] = [];
  const mainChanges = diff(customer, main, MAIN_INFO_KEYS);
  if (mainChanges.length) events.push({ type: 'CustomerMainInfoChanged', data: { ...base, changes: mainChanges } });
  const contactChanges = diff(customer, contact, CONTACT_INFO_KEYS);
  if (contactChanges.length) events.push({ type: 'CustomerContactInfoChanged', data: { ...base, changes: contactChanges } });
  const addressChanges = diff(customer, address, ADDRESS_KEYS);
  if (addressChanges.length) events.push({ type: 'CustomerAddressChanged', data: { ...base, changes: addressChanges } });
  // The PIN's value is never compared or recorded here: only its ciphertext, and REDACTED in changes.
  const pinCiphertext = pinChanged === true ? requiredCiphertext(context.pinCiphertext, 'EditCustomer', 'context.pinCiphertext (voip.pinChanged)') : null;
  const voipChanges: Change[] = [
    ...(pinCiphertext !== null ? [{ field: PIN_FIELD, from: REDACTED, to: REDACTED }] : []),
    ...diff(customer.voip, voip, VOIP_EDITABLE_KEYS, 'voip.'),
  ];
  if (voipChanges.length) {
    events.push({ type: 'CustomerVoipSettingsChanged', data: pinCiphertext !== null ? { ...base, changes: voipChanges, pinCiphertext } : { ...base, changes: voipChanges } });
  }
  const billingChanges = diff(customer.billing, billing, BILLING_KEYS, 'billing.');
  if (billingChanges.length) events.push({ type: 'CustomerBillingSettingsChanged', data: { ...base, changes: billingChanges } });
  if (labels !== undefined) {
    const added = labels.filter((label) => !customer.labels.includes(label));
    const removed = customer.labels.filter((label) => !labels.includes(label));
    if (added.length || removed.length) {
      events.push({ type: 'CustomerLabelsChanged', data: { ...base, added, removed, changes: [{ field: 'labels', from: customer.labels, to: labels }] } });
    }
  }
  if (additionalFields !== undefined) {
    const changes = additionalFieldChanges(customer.additionalFields, additionalFields);
    if (changes.length) events.push({ type: 'CustomerAdditionalFieldsChanged', data: { ...base, changes } });
  }
  return events;
}
export function setAdditionalFields(command: SetAdditionalFields, customer: Customer, context: CustomerContextFor<'SetAdditionalFields'>): CustomerEvent[] {
  const base = baseOf(customer, context);
  const errors = new FieldErrors();
  const next = validateAdditionalFields(errors, command.data?.values, definitionsOf(context), {
    mode: 'edit',
    category: customer.category,
    current: customer.additionalFields,
  });
  errors.throwIfAny();
  const changes = additionalFieldChanges(customer.additionalFields, next);
  return changes.length ? [{ type: 'CustomerAdditionalFieldsChanged', data: { ...base, changes } }] : [];
}

/** This concern's decisions, by command type. */
export const EDIT_DECISIONS: Pick<CustomerDecisions, 'EditCustomer' | 'SetAdditionalFields'> = {
  EditCustomer: editCustomer,
  SetAdditionalFields: setAdditionalFields,
};
