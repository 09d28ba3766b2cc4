/**
 * The billing-driven rules (issue "Automation"): every automatic decision through the customer
 * decider, including the refusals. Histories are built by deciding real commands one after the
 * other, so the state each rule reads (belowThresholdSince, the block's origin, the VoIP expiry)
 * is the one evolve folds.
 */
import { describe, expect, it } from '@jest/globals';
import {
  automaticDueEntries,
  decideCustomer,
  evolveCustomer,
  fold,
  customerDecider,
  initialCustomerState,
  toCustomerView,
  voipExpiresAt,
  type AutomationPolicy,
  type CreateCustomerInput,
  type Customer,
  type CustomerCommand,
  type CustomerContext,
  type CustomerEvent,
  type CustomerState,
} from '../../src/customers/domain/index.js';
import { automationPolicyFor, customerSettingsDecider, DEFAULT_CUSTOMER_SETTINGS, ValidationFailed } from '../../src/reference-data/domain/index.js';
import { assertCatalogued } from './given-when-then.js';
import { baseContext, created, customerSpec } from './fixtures.js';

const ON: AutomationPolicy = { automaticBlocking: true, automaticDeactivation: true, prepaidAutomaticBlocking: true };
const OFF: AutomationPolicy = { automaticBlocking: false, automaticDeactivation: false, prepaidAutomaticBlocking: false };

const T0 = '2026-11-01T09:00:00.000Z';
const NOV = (day: number, hour = 9): string => new Date(Date.UTC(2026, 10, day, hour)).toISOString();

/** A customer's history, built by deciding commands in turn (each checked against the catalogue). */
class Story {
  readonly events: CustomerEvent[];
  private counter = 0;

  constructor(input: Partial<CreateCustomerInput> = {}) {
    this.events = [created(input, { now: T0 })];
  }

  get state(): CustomerState {
    return fold(customerDecider, this.events);
  }

  get customer(): Customer {
    return this.state as Customer;
  }

  do(command: CustomerCommand, now: string, extra: Partial<CustomerContext> = {}): CustomerEvent[] {
    const context = { ...baseContext(), newId: `id-${++this.counter}`, now, ...extra } as never;
    const events = decideCustomer(command, this.state, context);
    assertCatalogued(events);
    this.events.push(...events);
    return events;
  }

  activate(now = T0): this {
    this.do({ type: 'ChangeStatus', data: { status: 'active' } }, now);
    return this;
  }

  charge(amount: number, now: string): this {
    this.do({ type: 'RecordCharge', data: { amount, description: 'monthly fee' } }, now);
    return this;
  }

  pay(amount: number, now: string): this {
    this.do({ type: 'RecordPayment', data: { amount } }, now);
    return this;
  }
}

/** Recurring, no payment-due days, blocking period 5 days, grace period 10 days, minimum 0. */
const RECURRING: Partial<CreateCustomerInput> = { billingType: 'recurring', billing: { paymentDueDays: 0, blockingPeriodDays: 5, gracePeriodDays: 10, minimumBalance: 0 } };
const PREPAID: Partial<CreateCustomerInput> = { billingType: 'prepaid_custom', billing: { minimumBalance: 0, gracePeriodDays: 3 } };

function debtor(input: Partial<CreateCustomerInput> = RECURRING): Story {
  return new Story(input).activate().charge(120, NOV(3));
}

function autoBlocked(input: Partial<CreateCustomerInput> = RECURRING): Story {
  const story = debtor(input);
  story.do({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, NOV(8), { automation: ON });
  return story;
}

describe('the balance threshold in the state', () => {
  it('records since when the balance is below the minimum, keeps it while it stays below, clears it when paid', () => {
    const story = new Story(RECURRING).activate();
    expect(story.customer.belowThresholdSince).toBeNull();
    story.charge(120, NOV(3));
    expect(story.customer.belowThresholdSince).toBe(NOV(3));
    story.charge(10, NOV(4)).pay(20, NOV(5));
    expect(story.customer.belowThresholdSince).toBe(NOV(3));
    story.pay(110, NOV(6));
    expect(story.customer.balance).toBe(0);
    expect(story.customer.belowThresholdSince).toBeNull();
  });

  it('a raised minimum balance puts a customer below from that change on', () => {
    const story = new Story(RECURRING).activate();
    story.do({ type: 'EditCustomer', data: { billing: { minimumBalance: 10 } } }, NOV(2));
    expect(story.customer.belowThresholdSince).toBe(NOV(2));
  });

  it('a postpaid account may go down to minus its credit limit', () => {
    const story = new Story({ ...RECURRING, billing: { ...RECURRING.billing, accountType: 'postpaid', creditLimit: 100 } }).activate();
    story.charge(80, NOV(2));
    expect(story.customer.belowThresholdSince).toBeNull();
    story.charge(40, NOV(3));
    expect(story.customer.belowThresholdSince).toBe(NOV(3));
  });

  it('compares money exactly (0.1 + 0.2 paid against 0.3 owed clears the debt)', () => {
    const story = new Story(RECURRING).activate().charge(0.3, NOV(2)).pay(0.1, NOV(2)).pay(0.2, NOV(2));
    expect(story.customer.balance).toBe(0);
    expect(story.customer.belowThresholdSince).toBeNull();
  });
});

describe('BlockAutomatically (recurring / postpaid)', () => {
  it('blocks once the balance stayed below past payment due + blocking period, saying why in plain words', () => {
    const story = debtor();
    customerSpec
      .given(story.events)
      .when({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, { now: NOV(8, 10), automation: ON })
      .then([
        {
          type: 'CustomerBlocked',
          data: {
            customerId: story.customer.id,
            at: NOV(8, 10),
            from: 'active',
            to: 'blocked',
            reason: 'blocked automatically: balance \u2212120.00 below minimum 0.00 since 3 Nov, blocking period 5 days',
            changes: [{ field: 'status', from: 'active', to: 'blocked' }],
            automatic: { trigger: 'blocking_period', dueAt: NOV(8) },
          },
        },
      ]);
  });

  it('counts the payment-due days too, and names them', () => {
    const story = debtor({ ...RECURRING, billing: { ...RECURRING.billing, paymentDueDays: 10 } });
    customerSpec.given(story.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, { now: NOV(8), automation: ON }).thenRefused('customer.automation.not_due');
    const [event] = customerSpec.given(story.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(18) } }, { now: NOV(18), automation: ON }).events();
    expect((event.data as { reason: string }).reason).toBe('blocked automatically: balance \u2212120.00 below minimum 0.00 since 3 Nov, payment due 10 days + blocking period 5 days');
  });

  it('blocks a postpaid account past minus its credit limit and names the limit', () => {
    const story = new Story({ ...RECURRING, billing: { ...RECURRING.billing, accountType: 'postpaid', creditLimit: 100 } }).activate().charge(120, NOV(3));
    const [event] = customerSpec.given(story.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, { now: NOV(8), automation: ON }).events();
    expect((event.data as { reason: string }).reason).toBe('blocked automatically: balance \u2212120.00 below credit limit 100.00 (down to \u2212100.00) since 3 Nov, blocking period 5 days');
  });

  it('records the block as automatic, from its due time', () => {
    expect(autoBlocked().customer.block).toEqual({ origin: 'automatic', at: NOV(8) });
    const byHand = debtor();
    byHand.do({ type: 'ChangeStatus', data: { status: 'blocked', reason: 'fraud check' } }, NOV(4));
    expect(byHand.customer.block).toEqual({ origin: 'manual', at: NOV(4) });
  });

  it('is not taken before its time, nor when the debt was paid meanwhile, nor without a blocking period', () => {
    const story = debtor();
    customerSpec.given(story.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(7) } }, { now: NOV(7), automation: ON }).thenRefused('customer.automation.not_due', /not yet/);
    customerSpec.given(story.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(9) } }, { now: NOV(8), automation: ON }).thenRefused('customer.automation.not_due', /after now/);
    story.pay(120, NOV(6));
    customerSpec.given(story.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, { now: NOV(8), automation: ON }).thenRefused('customer.automation.not_due', /not below/);
    const never = debtor({ ...RECURRING, billing: { ...RECURRING.billing, blockingPeriodDays: null } });
    customerSpec.given(never.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(30) } }, { now: NOV(30), automation: ON }).thenRefused('customer.automation.not_due', /do not block/);
  });

  it('is not taken when automatic blocking is off (for the customer\'s partner)', () => {
    customerSpec
      .given(debtor().events)
      .when({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, { now: NOV(8), automation: { ...ON, automaticBlocking: false } })
      .thenRefused('customer.automation.disabled', /automaticBlocking/);
  });

  it('goes through the status rules: an Inactive customer is not blocked, a deleted one not touched, a lead refused', () => {
    const inactive = debtor();
    inactive.do({ type: 'ChangeStatus', data: { status: 'inactive' } }, NOV(5));
    customerSpec.given(inactive.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, { now: NOV(8), automation: ON }).thenRefused('customer.status.transition_not_allowed');
    inactive.do({ type: 'DeleteCustomer', data: {} }, NOV(6));
    customerSpec.given(inactive.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, { now: NOV(8), automation: ON }).thenRefused('customer.deleted');
    const byHand = debtor();
    byHand.do({ type: 'ChangeStatus', data: { status: 'blocked' } }, NOV(4));
    customerSpec.given(byHand.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, { now: NOV(8), automation: ON }).thenRefused('customer.status.unchanged');
    const lead = new Story(RECURRING);
    lead.do({ type: 'ConvertToLead', data: {} }, NOV(2));
    customerSpec.given(lead.events).when({ type: 'BlockAutomatically', data: { dueAt: NOV(8) } }, { now: NOV(8), automation: ON }).thenRefused('customer.lead.not_a_customer');
  });

  it('refuses a malformed due time as a field error', () => {
    customerSpec.given(debtor().events).when({ type: 'BlockAutomatically', data: { dueAt: 'soon' } }, { now: NOV(8), automation: ON }).thenInvalid({ field: 'dueAt', rule: 'format' });
  });
});

describe('DeactivateAutomatically (grace period)', () => {
  it('makes an automatically blocked customer still unpaid Inactive after the grace period', () => {
    const story = autoBlocked();
    customerSpec
      .given(story.events)
      .when({ type: 'DeactivateAutomatically', data: { dueAt: NOV(18) } }, { now: NOV(18), automation: ON })
      .then([
        {
          type: 'CustomerDeactivated',
          data: {
            customerId: story.customer.id,
            at: NOV(18),
            from: 'blocked',
            to: 'inactive',
            reason: 'deactivated automatically: still unpaid (balance \u2212120.00 below minimum 0.00) 10 days after the automatic block of 8 Nov (grace period)',
            changes: [{ field: 'status', from: 'blocked', to: 'inactive' }],
            automatic: { trigger: 'grace_period', dueAt: NOV(18) },
          },
        },
      ]);
  });

  it('is not taken before the grace period ends, once paid, without a grace period, or when switched off', () => {
    const story = autoBlocked();
    customerSpec.given(story.events).when({ type: 'DeactivateAutomatically', data: { dueAt: NOV(17) } }, { now: NOV(17), automation: ON }).thenRefused('customer.automation.not_due');
    customerSpec
      .given(story.events)
      .when({ type: 'DeactivateAutomatically', data: { dueAt: NOV(18) } }, { now: NOV(18), automation: { ...ON, automaticDeactivation: false } })
      .thenRefused('customer.automation.disabled');
    const noGrace = autoBlocked({ ...RECURRING, billing: { ...RECURRING.billing, gracePeriodDays: null } });
    customerSpec.given(noGrace.events).when({ type: 'DeactivateAutomatically', data: { dueAt: NOV(30) } }, { now: NOV(30), automation: ON }).thenRefused('customer.automation.not_due');
  });

  it('never follows up a block by hand', () => {
    const byHand = debtor();
    byHand.do({ type: 'ChangeStatus', data: { status: 'blocked' } }, NOV(4));
    customerSpec
      .given(byHand.events)
      .when({ type: 'DeactivateAutomatically', data: { dueAt: NOV(20) } }, { now: NOV(20), automation: ON })
      .thenRefused('customer.automation.not_blocked_automatically', /by hand/);
  });
});

describe('ActivateAutomatically (the debt cleared)', () => {
  it('returns an automatically blocked customer to Active once a payment clears the debt', () => {
    const story = autoBlocked().pay(150, NOV(9));
    customerSpec
      .given(story.events)
      .when({ type: 'ActivateAutomatically', data: { dueAt: NOV(9) } }, { now: NOV(9), automation: ON })
      .then([
        {
          type: 'CustomerActivated',
          data: {
            customerId: story.customer.id,
            at: NOV(9),
            from: 'blocked',
            to: 'active',
            reason: 'activated automatically: the debt is cleared, balance 30.00 is no longer below minimum 0.00',
            changes: [{ field: 'status', from: 'blocked', to: 'active' }],
            automatic: { trigger: 'debt_cleared', dueAt: NOV(9) },
          },
        },
      ]);
  });

  it('is not taken while a part of the debt is still open', () => {
    const story = autoBlocked().pay(100, NOV(9));
    customerSpec.given(story.events).when({ type: 'ActivateAutomatically', data: { dueAt: NOV(9) } }, { now: NOV(9), automation: ON }).thenRefused('customer.automation.not_due', /still below/);
  });

  it('never returns a customer an admin blocked by hand, even once paid', () => {
    const byHand = debtor();
    byHand.do({ type: 'ChangeStatus', data: { status: 'blocked', reason: 'abuse' } }, NOV(4));
    byHand.pay(200, NOV(5));
    customerSpec
      .given(byHand.events)
      .when({ type: 'ActivateAutomatically', data: { dueAt: NOV(5) } }, { now: NOV(5), automation: ON })
      .thenRefused('customer.automation.not_blocked_automatically');
  });

  it('does not reopen an Inactive customer (deactivated after grace)', () => {
    const story = autoBlocked();
    story.do({ type: 'DeactivateAutomatically', data: { dueAt: NOV(18) } }, NOV(18), { automation: ON });
    story.pay(200, NOV(19));
    customerSpec.given(story.events).when({ type: 'ActivateAutomatically', data: { dueAt: NOV(19) } }, { now: NOV(19), automation: ON }).thenRefused('customer.automation.not_blocked_automatically');
  });
});

describe('prepaid', () => {
  it('blocks as soon as the balance falls below the minimum, and a top-up that restores it returns the customer', () => {
    const story = new Story(PREPAID).activate().charge(5, NOV(3));
    const [blocked] = story.do({ type: 'BlockAutomatically', data: { dueAt: NOV(3) } }, NOV(3), { automation: ON });
    expect(blocked).toMatchObject({
      type: 'CustomerBlocked',
      data: { reason: 'blocked automatically: prepaid balance \u22125.00 below minimum 0.00 since 3 Nov', automatic: { trigger: 'prepaid_minimum_balance', dueAt: NOV(3) } },
    });
    story.pay(2, NOV(4));
    customerSpec.given(story.events).when({ type: 'ActivateAutomatically', data: { dueAt: NOV(4) } }, { now: NOV(4), automation: ON }).thenRefused('customer.automation.not_due');
    story.pay(10, NOV(5));
    const [active] = story.do({ type: 'ActivateAutomatically', data: { dueAt: NOV(5) } }, NOV(5), { automation: ON });
    expect(active).toMatchObject({ type: 'CustomerActivated', data: { from: 'blocked', to: 'active', automatic: { trigger: 'debt_cleared' } } });
  });

  it('follows its own switch (prepaidAutomaticBlocking), not the recurring one', () => {
    const story = new Story(PREPAID).activate().charge(5, NOV(3));
    customerSpec
      .given(story.events)
      .when({ type: 'BlockAutomatically', data: { dueAt: NOV(3) } }, { now: NOV(3), automation: { ...OFF, automaticBlocking: true } })
      .thenRefused('customer.automation.disabled', /prepaidAutomaticBlocking/);
    customerSpec
      .given(story.events)
      .when({ type: 'BlockAutomatically', data: { dueAt: NOV(3) } }, { now: NOV(3), automation: { ...OFF, prepaidAutomaticBlocking: true } })
      .then((events) => expect(events.map((event) => event.type)).toEqual(['CustomerBlocked']));
  });
});

describe('ExpireVoipAccount', () => {
  const EXPIRY = '2026-12-01T00:00:00.000Z';

  it('records the expiry once the expiry date is reached (no new calls)', () => {
    const story = new Story({ voip: { expiryDate: EXPIRY } }).activate();
    customerSpec
      .given(story.events)
      .when({ type: 'ExpireVoipAccount', data: { dueAt: EXPIRY } }, { now: '2026-12-01T00:00:02.000Z' })
      .then([
        {
          type: 'VoipAccountExpired',
          data: {
            customerId: story.customer.id,
            at: '2026-12-01T00:00:02.000Z',
            accountNumber: story.customer.voip.accountNumber,
            expiresAt: EXPIRY,
            expiryDate: EXPIRY,
            validDays: null,
            dueAt: EXPIRY,
            reason: 'VoIP account expired automatically on 1 Dec: no new calls',
          },
        },
      ]);
    story.do({ type: 'ExpireVoipAccount', data: { dueAt: EXPIRY } }, EXPIRY);
    expect(story.customer.voipExpiredAt).toBe(EXPIRY);
    customerSpec.given(story.events).when({ type: 'ExpireVoipAccount', data: { dueAt: EXPIRY } }, { now: EXPIRY }).thenRefused('customer.voip.already_expired');
  });

  it('is not taken before the expiry, nor for an account without one', () => {
    const story = new Story({ voip: { expiryDate: EXPIRY } });
    customerSpec.given(story.events).when({ type: 'ExpireVoipAccount', data: { dueAt: NOV(30) } }, { now: NOV(30) }).thenRefused('customer.automation.not_due');
    customerSpec.given(new Story().events).when({ type: 'ExpireVoipAccount', data: { dueAt: NOV(30) } }, { now: NOV(30) }).thenRefused('customer.automation.not_due');
  });

  it('recomputes the expiry from the valid days (from the first use, else from creation)', () => {
    const story = new Story({ voip: { expiryDate: EXPIRY } });
    expect(voipExpiresAt(story.customer)).toBe(EXPIRY);
    story.do({ type: 'EditCustomer', data: { voip: { validDays: 10 } } }, NOV(2));
    expect(voipExpiresAt(story.customer)).toBe(NOV(11));
    story.do({ type: 'EditCustomer', data: { voip: { firstUsedAt: NOV(5) } } }, NOV(5));
    expect(voipExpiresAt(story.customer)).toBe(NOV(15));
    const [expired] = story.do({ type: 'ExpireVoipAccount', data: { dueAt: NOV(15) } }, NOV(15));
    expect(expired.data).toMatchObject({ expiresAt: NOV(15), validDays: 10 });
  });

  it('an expiry moved later reopens the account; the new expiry falls due again', () => {
    const story = new Story({ voip: { expiryDate: NOV(10) } });
    story.do({ type: 'ExpireVoipAccount', data: { dueAt: NOV(10) } }, NOV(10));
    expect(automaticDueEntries(story.customer).filter((entry) => entry.kind === 'voip.expire')).toEqual([]);
    story.do({ type: 'EditCustomer', data: { voip: { expiryDate: NOV(20) } } }, NOV(12));
    expect(story.customer.voipExpiredAt).toBeNull();
    expect(automaticDueEntries(story.customer).filter((entry) => entry.kind === 'voip.expire')).toEqual([{ kind: 'voip.expire', key: NOV(20), dueAt: NOV(20), payload: {} }]);
  });
});

describe('ExpireCapBonus', () => {
  const EXPIRES = '2026-11-10T00:00:00.000Z';

  function withGrant(): Story {
    const story = new Story().activate();
    story.do({ type: 'GrantCapBonus', data: { megabytes: 500, reason: 'outage compensation', expiresAt: EXPIRES } }, NOV(2));
    story.do({ type: 'GrantCapBonus', data: { megabytes: 200, reason: 'loyalty' } }, NOV(2));
    return story;
  }

  it('records the expiry of a grant at its expiresAt; the bonus total follows', () => {
    const story = withGrant();
    const grantId = story.customer.capGrants[0].id;
    expect(toCustomerView(story.state, { now: NOV(3) })?.cap.bonusMegabytesTotal).toBe(700);
    customerSpec
      .given(story.events)
      .when({ type: 'ExpireCapBonus', data: { grantId, dueAt: EXPIRES } }, { now: EXPIRES })
      .then([
        {
          type: 'CapBonusExpired',
          data: {
            customerId: story.customer.id,
            at: EXPIRES,
            grantId,
            megabytes: 500,
            expiresAt: EXPIRES,
            dueAt: EXPIRES,
            reason: 'CAP bonus of 500 MB ("outage compensation") expired automatically on 10 Nov',
          },
        },
      ]);
    story.do({ type: 'ExpireCapBonus', data: { grantId, dueAt: EXPIRES } }, EXPIRES);
    expect(story.customer.capGrants[0]).toMatchObject({ expired: true, expiredAt: EXPIRES });
    // Even read "as of" an earlier time, a recorded expiry no longer counts.
    expect(toCustomerView(story.state, { now: NOV(3) })?.cap.bonusMegabytesTotal).toBe(200);
  });

  it('refuses an unknown, revoked or already expired grant, and one not yet due', () => {
    const story = withGrant();
    const [first, second] = story.customer.capGrants.map((grant) => grant.id);
    customerSpec.given(story.events).when({ type: 'ExpireCapBonus', data: { grantId: 'nope', dueAt: EXPIRES } }, { now: EXPIRES }).thenRefused('customer.cap.grant.not_found');
    customerSpec.given(story.events).when({ type: 'ExpireCapBonus', data: { grantId: first, dueAt: NOV(9) } }, { now: NOV(9) }).thenRefused('customer.automation.not_due');
    customerSpec.given(story.events).when({ type: 'ExpireCapBonus', data: { grantId: second, dueAt: EXPIRES } }, { now: EXPIRES }).thenRefused('customer.automation.not_due', /does not expire/);
    const expired = withGrant();
    expired.do({ type: 'ExpireCapBonus', data: { grantId: first, dueAt: EXPIRES } }, EXPIRES);
    customerSpec.given(expired.events).when({ type: 'ExpireCapBonus', data: { grantId: first, dueAt: EXPIRES } }, { now: EXPIRES }).thenRefused('customer.cap.grant_already_expired');
    const revoked = withGrant();
    revoked.do({ type: 'RevokeCapBonus', data: { grantId: first } }, NOV(4));
    customerSpec.given(revoked.events).when({ type: 'ExpireCapBonus', data: { grantId: first, dueAt: EXPIRES } }, { now: EXPIRES }).thenRefused('customer.cap.grant_already_revoked');
  });
});

describe('automaticDueEntries: what falls due, from the state', () => {
  const kinds = (story: Story) => automaticDueEntries(story.customer).map(({ kind, key, dueAt }) => ({ kind, key, dueAt }));

  it('a debtor falls due for a block; paying cancels it', () => {
    const story = debtor();
    expect(kinds(story)).toEqual([{ kind: 'billing.block', key: NOV(3), dueAt: NOV(8) }]);
    story.do({ type: 'EditCustomer', data: { billing: { blockingPeriodDays: 7 } } }, NOV(4));
    expect(kinds(story)).toEqual([{ kind: 'billing.block', key: NOV(3), dueAt: NOV(10) }]);
    story.pay(120, NOV(5));
    expect(kinds(story)).toEqual([]);
  });

  it('an automatic block falls due for deactivation, a payment then for the return', () => {
    const story = autoBlocked();
    expect(kinds(story)).toEqual([{ kind: 'billing.deactivate', key: NOV(8), dueAt: NOV(18) }]);
    story.pay(120, NOV(9));
    expect(kinds(story)).toEqual([{ kind: 'billing.activate', key: NOV(8), dueAt: NOV(9) }]);
  });

  it('a block by hand, an Inactive or a deleted customer fall due for nothing of the billing rules', () => {
    const byHand = debtor();
    byHand.do({ type: 'ChangeStatus', data: { status: 'blocked' } }, NOV(4));
    expect(kinds(byHand)).toEqual([]);
    byHand.pay(200, NOV(5));
    expect(kinds(byHand)).toEqual([]);
    const inactive = debtor();
    inactive.do({ type: 'ChangeStatus', data: { status: 'inactive' } }, NOV(4));
    expect(kinds(inactive)).toEqual([]);
  });

  it('VoIP and CAP expiries fall due at their times; a revoked grant no longer', () => {
    const story = new Story({ voip: { expiryDate: '2026-12-01T00:00:00.000Z' } });
    story.do({ type: 'GrantCapBonus', data: { megabytes: 5, reason: 'x', expiresAt: NOV(20) } }, NOV(2));
    const grantId = story.customer.capGrants[0].id;
    expect(kinds(story)).toEqual([
      { kind: 'voip.expire', key: '2026-12-01T00:00:00.000Z', dueAt: '2026-12-01T00:00:00.000Z' },
      { kind: 'cap.expire', key: grantId, dueAt: NOV(20) },
    ]);
    story.do({ type: 'RevokeCapBonus', data: { grantId } }, NOV(3));
    expect(kinds(story).map((entry) => entry.kind)).toEqual(['voip.expire']);
  });
});

describe('older histories', () => {
  it('fold as before: a status event without `automatic` is a block by hand', () => {
    const events = debtor().events;
    const state = [...events, { type: 'CustomerBlocked', data: { customerId: 1001, at: NOV(9), from: 'active', to: 'blocked', reason: null, changes: [{ field: 'status', from: 'active', to: 'blocked' }] } } as CustomerEvent].reduce(
      evolveCustomer,
      initialCustomerState,
    ) as Customer;
    expect(state.block).toEqual({ origin: 'manual', at: NOV(9) });
  });
});

describe('the settings of the rules', () => {
  const settings = (data: Record<string, unknown>) => customerSettingsDecider.decide({ type: 'ChangeCustomerSettings', data }, customerSettingsDecider.initialState, { now: T0 });

  it('are off by default', () => {
    expect(automationPolicyFor(DEFAULT_CUSTOMER_SETTINGS, 1)).toEqual(OFF);
  });

  it('a partner may differ from the general switches', () => {
    const [event] = settings({ automaticBlocking: true, automationByPartner: { '2': { automaticBlocking: false, automaticDeactivation: true } } });
    const state = customerSettingsDecider.evolve(customerSettingsDecider.initialState, event);
    expect(automationPolicyFor(state.settings, 1)).toEqual({ ...OFF, automaticBlocking: true });
    expect(automationPolicyFor(state.settings, 2)).toEqual({ ...OFF, automaticDeactivation: true });
  });

  it('refuse a non-boolean switch, a key that is no partner id, an unknown switch', () => {
    const error = (() => {
      try {
        settings({ automaticBlocking: 'yes', automationByPartner: { abc: { automaticBlocking: true }, '3': { autoPilot: true } } });
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ValidationFailed);
    const found = (error as ValidationFailed).errors.map(({ field, rule }) => ({ field, rule })).sort((a, b) => a.field.localeCompare(b.field));
    expect(found).toEqual([
      { field: 'automaticBlocking', rule: 'type' },
      { field: 'automationByPartner.3.autoPilot', rule: 'unknownField' },
      { field: 'automationByPartner.abc', rule: 'format' },
    ]);
  });
});
