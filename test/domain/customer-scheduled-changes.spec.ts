/** Scheduled changes in the customer decider: scheduling, editing, cancelling, and each phase running. */
import { describe, expect, it } from '@jest/globals';
import { CUSTOMER_LIMITS, type Customer, type CustomerEvent, type CustomerStatus } from '../../src/customers/domain/index.js';
import { ACTOR, CUSTOMER_ID, NOW, created, customerSpec, deletedEvent, historyTo, leadEvent, statusChanged } from './fixtures.js';

const AT = '2025-03-10T08:00:00.000Z';
const UNTIL = '2025-03-20T08:00:00.000Z';
const RUN = '2025-03-10T08:00:02.000Z';
const SYSTEM = { now: RUN, actor: { id: 'system', name: 'System' } };

function added(data: Partial<Extract<CustomerEvent, { type: 'ScheduledChangeAdded' }>['data']> = {}, changeId = 'id-1'): CustomerEvent {
  return {
    type: 'ScheduledChangeAdded',
    data: { customerId: CUSTOMER_ID, at: NOW, changeId, action: 'status', status: 'blocked', billingType: null, scheduledFor: AT, until: null, reason: 'unpaid', scheduledBy: ACTOR, ...data },
  };
}
const hold = (from: CustomerStatus = 'active') => [...historyTo(from), added({ until: UNTIL, reason: 'vacation' })];
const changesOf = (state: unknown) => (state as Customer).scheduledChanges ?? [];

describe('ScheduleChange', () => {
  it('records a status change for a future time, with who scheduled it', () => {
    customerSpec
      .given(historyTo('active'))
      .when({ type: 'ScheduleChange', data: { action: 'status', status: 'blocked', at: AT, reason: ' unpaid ' } })
      .then([added()]);
  });

  it('records a hold (until) and a billing-type change', () => {
    customerSpec.given(historyTo('active')).when({ type: 'ScheduleChange', data: { action: 'status', status: 'blocked', at: AT, until: UNTIL, reason: 'vacation' } }).then([added({ until: UNTIL, reason: 'vacation' })]);
    customerSpec
      .given(historyTo('active'))
      .when({ type: 'ScheduleChange', data: { action: 'billing_type', billingType: 'prepaid_daily', at: AT } })
      .then([added({ action: 'billing_type', status: null, billingType: 'prepaid_daily', reason: null })]);
  });

  it('folds into a pending change', () => {
    const state = customerSpec.given(historyTo('active')).when({ type: 'ScheduleChange', data: { action: 'status', status: 'blocked', at: AT, until: UNTIL } }).stateAfter();
    expect(changesOf(state)).toEqual([
      expect.objectContaining({ id: 'id-1', action: 'status', status: 'blocked', at: AT, until: UNTIL, state: 'pending', phase: 'start', scheduledBy: ACTOR, scheduledAt: NOW }),
    ]);
  });

  it('refuses a time in the past (or now), until not after at, a status no transition reaches', () => {
    customerSpec.given(historyTo('active')).when({ type: 'ScheduleChange', data: { action: 'status', status: 'blocked', at: NOW } }).thenRefused('customer.scheduled_change.in_the_past');
    customerSpec.given(historyTo('active')).when({ type: 'ScheduleChange', data: { action: 'status', status: 'blocked', at: '2020-01-01T00:00:00Z' } }).thenRefused('customer.scheduled_change.in_the_past');
    customerSpec
      .given(historyTo('active'))
      .when({ type: 'ScheduleChange', data: { action: 'status', status: 'blocked', at: UNTIL, until: AT } })
      .thenRefused('customer.scheduled_change.until_not_after_at');
    customerSpec.given(historyTo('active')).when({ type: 'ScheduleChange', data: { action: 'status', status: 'new', at: AT } }).thenRefused('customer.scheduled_change.status_unreachable');
  });

  it('refuses malformed input field by field', () => {
    customerSpec
      .given(historyTo('active'))
      .when({ type: 'ScheduleChange', data: { action: 'teleport', at: 'tomorrow' } as never })
      .thenInvalid({ field: 'action', rule: 'enum' }, { field: 'at', rule: 'dateTime' });
    customerSpec.given(historyTo('active')).when({ type: 'ScheduleChange', data: { action: 'status', at: AT } as never }).thenInvalid({ field: 'status', rule: 'required' });
    customerSpec
      .given(historyTo('active'))
      .when({ type: 'ScheduleChange', data: { action: 'billing_type', billingType: 'prepaid_daily', at: AT, until: UNTIL, status: 'active' } })
      .thenInvalid({ field: 'until', rule: 'notApplicable' }, { field: 'status', rule: 'notApplicable' });
    customerSpec
      .given(historyTo('active'))
      .when({ type: 'ScheduleChange', data: { action: 'status', status: 'blocked', at: '2099-01-01T00:00:00Z' } })
      .thenInvalid({ field: 'at', rule: 'max' });
  });

  it('refuses more pending changes than the limit, and a deleted customer', () => {
    const many = Array.from({ length: CUSTOMER_LIMITS.pendingScheduledChanges }, (_, index) => added({}, `c-${index}`));
    customerSpec.given([...historyTo('active'), ...many]).when({ type: 'ScheduleChange', data: { action: 'status', status: 'blocked', at: AT } }).thenRefused('customer.scheduled_change.too_many');
    customerSpec.given([...historyTo('inactive'), deletedEvent]).when({ type: 'ScheduleChange', data: { action: 'status', status: 'active', at: AT } }).thenRefused('customer.deleted');
  });
});

describe('EditScheduledChange and CancelScheduledChange', () => {
  it('edits at, until, reason and status of a pending change, saying what changed', () => {
    customerSpec
      .given([...historyTo('active'), added()])
      .when({ type: 'EditScheduledChange', data: { changeId: 'id-1', at: UNTIL, status: 'inactive', reason: 'moved' } })
      .then([
        {
          type: 'ScheduledChangeChanged',
          data: {
            customerId: CUSTOMER_ID,
            at: NOW,
            changeId: 'id-1',
            action: 'status',
            status: 'inactive',
            billingType: null,
            scheduledFor: UNTIL,
            until: null,
            reason: 'moved',
            changes: [
              { field: 'scheduledFor', from: AT, to: UNTIL },
              { field: 'reason', from: 'unpaid', to: 'moved' },
              { field: 'status', from: 'blocked', to: 'inactive' },
            ],
          },
        },
      ]);
    const state = customerSpec.given([...historyTo('active'), added()]).when({ type: 'EditScheduledChange', data: { changeId: 'id-1', at: UNTIL } }).stateAfter();
    expect(changesOf(state)[0]).toMatchObject({ at: UNTIL, state: 'pending' });
  });

  it('an edit that changes nothing writes nothing', () => {
    customerSpec.given([...historyTo('active'), added()]).when({ type: 'EditScheduledChange', data: { changeId: 'id-1', at: AT } }).thenNothingHappened();
  });

  it('refuses an unknown, a cancelled or a done change, and a time in the past', () => {
    customerSpec.given([...historyTo('active'), added()]).when({ type: 'EditScheduledChange', data: { changeId: 'nope', at: UNTIL } }).thenRefused('customer.scheduled_change.not_found');
    const cancelled: CustomerEvent = { type: 'ScheduledChangeCancelled', data: { customerId: CUSTOMER_ID, at: NOW, changeId: 'id-1', reason: null } };
    customerSpec.given([...historyTo('active'), added(), cancelled]).when({ type: 'EditScheduledChange', data: { changeId: 'id-1', at: UNTIL } }).thenRefused('customer.scheduled_change.not_pending');
    customerSpec.given([...historyTo('active'), added(), cancelled]).when({ type: 'CancelScheduledChange', data: { changeId: 'id-1' } }).thenRefused('customer.scheduled_change.not_pending');
    customerSpec
      .given([...historyTo('active'), added()])
      .when({ type: 'EditScheduledChange', data: { changeId: 'id-1', at: '2024-01-01T00:00:00Z' } })
      .thenRefused('customer.scheduled_change.in_the_past');
  });

  it('a started hold takes a new until or reason, not a new at or status', () => {
    const started = customerSpec.given(hold()).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM).events();
    const history = [...hold(), ...started];
    customerSpec
      .given(history)
      .when({ type: 'EditScheduledChange', data: { changeId: 'id-1', until: '2025-03-25T08:00:00.000Z' } }, { now: RUN })
      .then((events) => expect(events[0].data).toMatchObject({ until: '2025-03-25T08:00:00.000Z' }));
    customerSpec.given(history).when({ type: 'EditScheduledChange', data: { changeId: 'id-1', at: '2025-03-11T08:00:00.000Z' } }, { now: RUN }).thenRefused('customer.scheduled_change.already_started');
    customerSpec.given(history).when({ type: 'EditScheduledChange', data: { changeId: 'id-1', until: null } }, { now: RUN }).thenRefused('customer.scheduled_change.already_started');
  });

  it('cancels a pending change', () => {
    const state = customerSpec
      .given([...historyTo('active'), added()])
      .when({ type: 'CancelScheduledChange', data: { changeId: 'id-1', reason: 'paid after all' } })
      .then([{ type: 'ScheduledChangeCancelled', data: { customerId: CUSTOMER_ID, at: NOW, changeId: 'id-1', reason: 'paid after all' } }]);
    expect(state).toHaveLength(1);
    expect(changesOf(customerSpec.given([...historyTo('active'), added()]).when({ type: 'CancelScheduledChange', data: { changeId: 'id-1' } }).stateAfter())[0].state).toBe('cancelled');
  });
});

describe('RunScheduledChange', () => {
  it('a status change runs as ChangeStatus would, and says who scheduled it and why', () => {
    const events = customerSpec.given([...historyTo('active'), added()]).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM).events();
    expect(events).toEqual([
      {
        type: 'CustomerBlocked',
        data: { customerId: CUSTOMER_ID, at: RUN, from: 'active', to: 'blocked', reason: 'Scheduled by Alice Admin on 1 Mar 2025: unpaid', changes: [{ field: 'status', from: 'active', to: 'blocked' }] },
      },
      { type: 'ScheduledChangeCompleted', data: { customerId: CUSTOMER_ID, at: RUN, changeId: 'id-1', phase: 'start', outcome: 'applied', previousStatus: null, note: null } },
    ]);
    const state = customerSpec.given([...historyTo('active'), added()]).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM).stateAfter();
    expect(state).toMatchObject({ status: 'blocked' });
    expect(changesOf(state)[0]).toMatchObject({ state: 'done', ranAt: RUN });
  });

  it('an illegal transition is not taken: the failure is recorded with the rule', () => {
    // Inactive → Blocked is not allowed (an automatic block of an Inactive customer is not taken).
    customerSpec
      .given([...historyTo('inactive'), added()])
      .when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM)
      .then((events) => {
        expect(events).toEqual([
          {
            type: 'ScheduledChangeFailed',
            data: { customerId: CUSTOMER_ID, at: RUN, changeId: 'id-1', phase: 'start', rule: 'customer.status.transition_not_allowed', message: expect.stringContaining('Inactive to Blocked') },
          },
        ]);
      });
    const state = customerSpec.given([...historyTo('inactive'), added()]).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM).stateAfter();
    expect(state).toMatchObject({ status: 'inactive' });
    expect(changesOf(state)[0]).toMatchObject({ state: 'failed', rule: 'customer.status.transition_not_allowed' });
  });

  it('records a failure for an unchanged status, a lead and a deleted customer', () => {
    const run = { type: 'RunScheduledChange' as const, data: { changeId: 'id-1', phase: 'start' as const } };
    const ruleOf = (history: CustomerEvent[]) => (customerSpec.given(history).when(run, SYSTEM).events()[0].data as { rule?: string }).rule;
    expect(ruleOf([...historyTo('blocked'), added()])).toBe('customer.status.unchanged');
    expect(ruleOf([created(), leadEvent, added()])).toBe('customer.lead.not_a_customer');
    expect(ruleOf([...historyTo('inactive'), added({ status: 'active' }), deletedEvent])).toBe('customer.deleted');
  });

  it('a cancelled, done or not-yet-started phase does nothing', () => {
    const cancelled: CustomerEvent = { type: 'ScheduledChangeCancelled', data: { customerId: CUSTOMER_ID, at: NOW, changeId: 'id-1', reason: null } };
    customerSpec.given([...historyTo('active'), added(), cancelled]).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM).thenNothingHappened();
    customerSpec.given(hold()).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'end' } }, SYSTEM).thenNothingHappened();
    const done = customerSpec.given([...historyTo('active'), added()]).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM).events();
    customerSpec.given([...historyTo('active'), added(), ...done]).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM).thenNothingHappened();
  });

  it('a hold blocks at its start and returns to the previous status at its end', () => {
    const start = customerSpec.given(hold('active')).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM).events();
    expect(start.map((event) => event.type)).toEqual(['CustomerBlocked', 'ScheduledChangeCompleted']);
    expect(start[1].data).toMatchObject({ phase: 'start', previousStatus: 'active' });
    const midway = customerSpec.given([...hold('active'), ...start]).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM);
    expect(changesOf(midway.stateAfter())[0]).toMatchObject({ state: 'pending', phase: 'end', previousStatus: 'active', interrupted: false });
    const end = customerSpec
      .given([...hold('active'), ...start])
      .when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'end' } }, { ...SYSTEM, now: UNTIL })
      .events();
    expect(end).toEqual([
      expect.objectContaining({ type: 'CustomerActivated', data: expect.objectContaining({ from: 'blocked', to: 'active', reason: 'End of the hold scheduled by Alice Admin on 1 Mar 2025: vacation' }) }),
      expect.objectContaining({ type: 'ScheduledChangeCompleted', data: expect.objectContaining({ phase: 'end', outcome: 'applied' }) }),
    ]);
    const after = customerSpec.given([...hold('active'), ...start, ...end]).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'end' } }, SYSTEM);
    after.thenNothingHappened();
    expect(after.stateAfter()).toMatchObject({ status: 'active' });
    expect(changesOf(after.stateAfter())[0]).toMatchObject({ state: 'done' });
  });

  it('a hold whose status an admin changed meanwhile ends without changing it', () => {
    const start = customerSpec.given(hold('active')).when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM).events();
    const byAdmin = statusChanged('blocked', 'inactive', 'moved away');
    customerSpec
      .given([...hold('active'), ...start, byAdmin])
      .when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'end' } }, { ...SYSTEM, now: UNTIL })
      .then([
        {
          type: 'ScheduledChangeCompleted',
          data: { customerId: CUSTOMER_ID, at: UNTIL, changeId: 'id-1', phase: 'end', outcome: 'skipped', previousStatus: null, note: 'The status was changed during the hold, so it is left as it is' },
        },
      ]);
  });

  it('a billing-type change runs as ChangeBillingType would; the same type is skipped', () => {
    const change = added({ action: 'billing_type', status: null, billingType: 'prepaid_daily', reason: null });
    customerSpec
      .given([...historyTo('active'), change])
      .when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM)
      .then((events) => expect(events.map((event) => event.type)).toEqual(['CustomerBillingTypeChanged', 'ScheduledChangeCompleted']));
    const same = added({ action: 'billing_type', status: null, billingType: 'recurring', reason: null });
    customerSpec
      .given([...historyTo('active'), same])
      .when({ type: 'RunScheduledChange', data: { changeId: 'id-1', phase: 'start' } }, SYSTEM)
      .then((events) => expect(events).toEqual([expect.objectContaining({ type: 'ScheduledChangeCompleted', data: expect.objectContaining({ outcome: 'skipped' }) })]));
  });
});
