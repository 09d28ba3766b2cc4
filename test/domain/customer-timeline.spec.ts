import { describe, expect, it } from '@jest/globals';
import { CUSTOMER_EVENT_TYPES, describeChange, fieldLabel, summarizeCustomerEvent, type CustomerEvent } from '../../src/customers/domain/index.js';
import { created, customerSpec, historyTo, statusChanged } from './fixtures.js';

describe('timeline summaries', () => {
  it('says status changes plainly, with the reason', () => {
    expect(summarizeCustomerEvent(statusChanged('active', 'blocked', 'unpaid invoice'))).toBe('Status changed from Active to Blocked: unpaid invoice');
    expect(summarizeCustomerEvent(statusChanged('new', 'active'))).toBe('Status changed from New to Active');
  });

  it('labels dotted fields and formats values', () => {
    expect(describeChange({ field: 'billing.creditLimit', from: null, to: 100 })).toBe('Credit limit changed from empty to 100');
    expect(describeChange({ field: 'voip.localCalls', from: false, to: true })).toBe('Local calls changed from no to yes');
    expect(describeChange({ field: 'voip.pin', from: '[redacted]', to: '[redacted]' })).toBe('PIN changed');
    expect(describeChange({ field: 'emails', from: [], to: ['a@x.io', 'b@x.io'] })).toBe('Emails changed from none to a@x.io, b@x.io');
    expect(fieldLabel('additionalFields.contract_id')).toBe('Contract id');
    expect(fieldLabel('voip.somethingNew')).toBe('Something new');
  });

  it('summarises a PATCH', () => {
    const [event] = customerSpec.given(historyTo('active')).when({ type: 'EditCustomer', data: { billing: { accountType: 'postpaid', creditLimit: 50 } } }).events();
    expect(summarizeCustomerEvent(event)).toBe('Account type changed from Prepaid to Postpaid; Credit limit changed from empty to 50');
  });

  it('has a non-empty summary for every event type', () => {
    const sample = created();
    for (const type of CUSTOMER_EVENT_TYPES) {
      const data = { ...sample.data, changes: [{ field: 'status', from: 'new', to: 'active' }], added: ['x'], removed: [], text: 't', name: 'n', megabytes: 1, productName: 'p', itemId: 'i', amount: 1, description: 'd' };
      expect(summarizeCustomerEvent({ type, data } as unknown as CustomerEvent).length).toBeGreaterThan(3);
    }
    expect(summarizeCustomerEvent({ type: 'CustomerTeleported', data: {} })).toBe('Customer Teleported');
  });
});
