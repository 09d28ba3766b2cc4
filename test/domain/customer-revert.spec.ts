/** RevertChange: the decider decides the command that takes one earlier change back, under every rule. */
import { describe, expect, it } from '@jest/globals';
import { REDACTED, isRevertible, whyNeverRevertible, type CustomerEvent, type RevertTarget } from '../../src/customers/domain/index.js';
import { CUSTOMER_ID, NOW, created, customerSpec, statusChanged } from './fixtures.js';

const target = (event: CustomerEvent, revision: number, revertedLater = false): RevertTarget => ({ revision, type: event.type, data: event.data as unknown as Record<string, unknown>, revertedLater });
const cityChanged = (from: string | null, to: string): CustomerEvent =>
  ({ type: 'CustomerAddressChanged', data: { customerId: CUSTOMER_ID, at: NOW, changes: [{ field: 'city', from, to }] } }) as CustomerEvent;

describe('RevertChange', () => {
  it('puts the earlier values of an edit back', () => {
    const edit = cityChanged(null, 'Lyon');
    customerSpec
      .given([created(), edit])
      .when({ type: 'RevertChange', data: { revision: 1 } }, { reverted: target(edit, 1) })
      .then([{ type: 'CustomerAddressChanged', data: { customerId: CUSTOMER_ID, at: NOW, changes: [{ field: 'city', from: 'Lyon', to: null }] } } as CustomerEvent]);
  });

  it('refuses a change superseded by a later one, naming the fields', () => {
    const first = cityChanged(null, 'Lyon');
    const error = customerSpec
      .given([created(), first, cityChanged('Lyon', 'Nice')])
      .when({ type: 'RevertChange', data: { revision: 1 } }, { reverted: target(first, 1) })
      .thenRefused('customer.revert.superseded');
    expect(error.details).toMatchObject({ fields: ['city'] });
  });

  it('takes a status change back by the transition rules: nothing returns to New', () => {
    const activated = statusChanged('new', 'active');
    customerSpec.given([created(), activated]).when({ type: 'RevertChange', data: { revision: 1 } }, { reverted: target(activated, 1) }).thenRefused('customer.status.transition_not_allowed');
    const blocked = statusChanged('active', 'blocked');
    customerSpec
      .given([created(), activated, blocked])
      .when({ type: 'RevertChange', data: { revision: 2 } }, { reverted: target(blocked, 2) })
      .then((events) => expect(events.map((event) => event.type)).toEqual(['CustomerActivated']));
  });

  it('refuses creations, money, and what a later revert already undid', () => {
    const creation = created();
    customerSpec.given([creation]).when({ type: 'RevertChange', data: { revision: 0 } }, { reverted: target(creation, 0) }).thenRefused('customer.revert.not_revertible');
    const edit = cityChanged(null, 'Lyon');
    customerSpec.given([creation, edit]).when({ type: 'RevertChange', data: { revision: 1 } }, { reverted: target(edit, 1, true) }).thenRefused('customer.revert.already_reverted');
  });
});

describe('isRevertible (the timeline entry `revertible`)', () => {
  it('is false exactly where the decider refuses whatever the state: creation, money, reveals, secrets', () => {
    expect(isRevertible('CustomerAddressChanged', [{ from: 'Lyon', to: 'Nice' }])).toBe(true);
    expect(isRevertible('CustomerCommentAdded', [])).toBe(true);
    expect(isRevertible('CustomerCreated', [])).toBe(false);
    expect(isRevertible('PaymentRecorded', [])).toBe(false);
    expect(isRevertible('ChargeRecorded', [])).toBe(false);
    expect(isRevertible('CustomerPinRevealed', [])).toBe(false);
    expect(isRevertible('CustomerVoipSettingsChanged', [{ from: REDACTED, to: REDACTED }])).toBe(false);
  });

  it('and the decider refuses a payment with the same reason, customer.revert.not_revertible', () => {
    // Only the recorded type matters, so the payment need not be folded into the state.
    const payment = { type: 'PaymentRecorded', data: { customerId: CUSTOMER_ID, at: NOW } } as unknown as CustomerEvent;
    const error = customerSpec
      .given([created()])
      .when({ type: 'RevertChange', data: { revision: 1 } }, { reverted: target(payment, 1) })
      .thenRefused('customer.revert.not_revertible');
    expect(error.message).toContain(whyNeverRevertible('PaymentRecorded', [])!);
  });
});
