import { describe, expect, it } from '@jest/globals';
import { customerDecider, fold, toCustomerView, type CustomerEvent } from '../../src/customers/domain/index.js';
import { CUSTOMER_ID, NOW, created, statusChanged } from './fixtures.js';

const base = { customerId: CUSTOMER_ID, at: NOW };

describe('toCustomerView', () => {
  const history: CustomerEvent[] = [
    created({ emails: ['a@example.com'], labels: ['vip'], voip: { currency: 'USD' }, billing: { accountType: 'postpaid', creditLimit: 50 } }),
    statusChanged('new', 'active'),
    { type: 'CustomerCommentAdded', data: { ...base, at: '2025-03-05T00:00:00.000Z', commentId: 'c1', text: 'hi', type: 'comment', pinned: true, author: null } },
    { type: 'PaymentRecorded', data: { ...base, at: '2025-03-06T00:00:00.000Z', paymentId: 'p1', amount: 20, method: 'cash', reference: null, note: null, changes: [{ field: 'balance', from: 0, to: 20 }] } },
  ];

  it('is null before the customer exists', () => {
    expect(toCustomerView(customerDecider.initialState)).toBeNull();
  });

  it('has the API resource shape and leaves out the password ciphertext and the PIN', () => {
    const view = toCustomerView(fold(customerDecider, history))!;
    expect(view).toMatchObject({
      id: CUSTOMER_ID,
      login: 'jdoe',
      status: 'active',
      billingType: 'recurring',
      category: 'person',
      fullName: 'John Doe',
      emails: ['a@example.com'],
      partnerId: 1,
      locationId: 10,
      labels: ['vip'],
      balance: 20,
      revision: 3,
      voip: { accountNumber: '4000000001', currency: 'USD', concurrentCalls: 0 },
      billing: { accountType: 'postpaid', creditLimit: 50 },
      comments: [{ id: 'c1', text: 'hi', type: 'comment', pinned: true, author: null, at: '2025-03-05T00:00:00.000Z' }],
      notes: [],
      cap: { grants: [], bonusMegabytesTotal: 0 },
      hardware: [],
      contacts: [],
      addresses: [],
      updatedAt: '2025-03-06T00:00:00.000Z',
    });
    expect(view.voip).not.toHaveProperty('pin');
    expect(view).not.toHaveProperty('passwordCiphertext');
    const json = JSON.stringify(view);
    expect(json).not.toContain('v1:cipher');
    expect(json).not.toContain('123456');
  });

  it('supports time travel: the view as of any prefix of the stream', () => {
    const asOf = (revision: number) => toCustomerView(fold(customerDecider, history.slice(0, revision + 1)))!;
    expect(asOf(0)).toMatchObject({ status: 'new', balance: 0, comments: [], revision: 0 });
    expect(asOf(1)).toMatchObject({ status: 'active', comments: [], revision: 1 });
    expect(asOf(2).comments).toHaveLength(1);
    expect(asOf(3).balance).toBe(20);
  });

  it('is a copy: mutating the view does not touch the state', () => {
    const state = fold(customerDecider, history);
    const view = toCustomerView(state)!;
    view.emails.push('x@example.com');
    view.billing.taxes.push('VAT');
    expect(toCustomerView(state)!.emails).toEqual(['a@example.com']);
    expect(toCustomerView(state)!.billing.taxes).toEqual([]);
  });

  it('evolve does not share arrays with the events it folds', () => {
    const first = created({ labels: ['a'] });
    const state = fold(customerDecider, [first]);
    (first.data as { labels: string[] }).labels.push('mutated');
    expect(state.exists && state.labels).toEqual(['a']);
  });
});
