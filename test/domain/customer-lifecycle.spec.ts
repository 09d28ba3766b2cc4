import { describe, expect, it } from '@jest/globals';
import {
  CUSTOMER_STATUSES,
  REFUSED_FOR_LEADS,
  STATUS_TRANSITIONS,
  type CustomerCommand,
  type CustomerStatus,
} from '../../src/customers/domain/index.js';
import { CUSTOMER_ID, NOW, created, customerSpec, deletedEvent, historyTo, leadEvent, statusChanged } from './fixtures.js';

/** The full table: every (from, to) pair, allowed or not. */
const TABLE: [CustomerStatus, CustomerStatus, 'allowed' | 'refused' | 'unchanged'][] = [
  ['new', 'new', 'unchanged'],
  ['new', 'active', 'allowed'],
  ['new', 'blocked', 'allowed'],
  ['new', 'inactive', 'allowed'],
  ['active', 'new', 'refused'],
  ['active', 'active', 'unchanged'],
  ['active', 'blocked', 'allowed'],
  ['active', 'inactive', 'allowed'],
  ['blocked', 'new', 'refused'],
  ['blocked', 'active', 'allowed'],
  ['blocked', 'blocked', 'unchanged'],
  ['blocked', 'inactive', 'allowed'],
  ['inactive', 'new', 'refused'],
  ['inactive', 'active', 'allowed'],
  ['inactive', 'blocked', 'refused'],
  ['inactive', 'inactive', 'unchanged'],
];

const EVENT_FOR: Record<Exclude<CustomerStatus, 'new'>, string> = { active: 'CustomerActivated', blocked: 'CustomerBlocked', inactive: 'CustomerDeactivated' };

describe('ChangeStatus: the transition table', () => {
  it('covers every pair and agrees with STATUS_TRANSITIONS', () => {
    expect(TABLE).toHaveLength(CUSTOMER_STATUSES.length ** 2);
    for (const [from, to, outcome] of TABLE) expect(STATUS_TRANSITIONS[from].includes(to)).toBe(outcome === 'allowed');
  });

  it.each(TABLE.filter(([, , outcome]) => outcome === 'allowed'))('%s → %s is allowed', (from, to) => {
    const target = to as Exclude<CustomerStatus, 'new'>;
    customerSpec
      .given(historyTo(from))
      .when({ type: 'ChangeStatus', data: { status: target, reason: ' unpaid invoice ' } })
      .then([
        {
          type: EVENT_FOR[target],
          data: { customerId: CUSTOMER_ID, at: NOW, from, to, reason: 'unpaid invoice', changes: [{ field: 'status', from, to }] },
        } as never,
      ]);
  });

  it.each(TABLE.filter(([, , outcome]) => outcome === 'refused'))('%s → %s is refused', (from, to) => {
    const error = customerSpec.given(historyTo(from)).when({ type: 'ChangeStatus', data: { status: to } }).thenRefused('customer.status.transition_not_allowed');
    expect(error.details).toMatchObject({ from, to });
  });

  it.each(TABLE.filter(([, , outcome]) => outcome === 'unchanged'))('%s → %s (same status) is refused', (from, to) => {
    customerSpec.given(historyTo(from)).when({ type: 'ChangeStatus', data: { status: to } }).thenRefused('customer.status.unchanged');
  });

  it('reads the status from the whole history (new → active → blocked → active)', () => {
    const history = [created(), statusChanged('new', 'active'), statusChanged('active', 'blocked')];
    customerSpec.given(history).when({ type: 'ChangeStatus', data: { status: 'active' } }).then((events) => expect(events[0].type).toBe('CustomerActivated'));
    customerSpec.given([...history, statusChanged('blocked', 'active')]).when({ type: 'ChangeStatus', data: { status: 'active' } }).thenRefused('customer.status.unchanged');
  });

  it('refuses an unknown status value as a validation error', () => {
    customerSpec
      .given(historyTo('new'))
      .when({ type: 'ChangeStatus', data: { status: 'disabled' as CustomerStatus } })
      .thenInvalid({ field: 'status', rule: 'enum' });
  });
});

describe('ChangeBillingType', () => {
  it('records from / to', () => {
    customerSpec
      .given(historyTo('active'))
      .when({ type: 'ChangeBillingType', data: { billingType: 'prepaid_daily' } })
      .then([
        {
          type: 'CustomerBillingTypeChanged',
          data: { customerId: CUSTOMER_ID, at: NOW, from: 'recurring', to: 'prepaid_daily', reason: null, changes: [{ field: 'billingType', from: 'recurring', to: 'prepaid_daily' }] },
        },
      ]);
  });

  it('does nothing when the billing type is already that', () => {
    customerSpec.given(historyTo('active')).when({ type: 'ChangeBillingType', data: { billingType: 'recurring' } }).thenNothingHappened();
  });

  it('refuses an unknown billing type', () => {
    customerSpec.given(historyTo('active')).when({ type: 'ChangeBillingType', data: { billingType: 'prepaid' as never } }).thenInvalid({ field: 'billingType', rule: 'enum' });
  });
});

describe('ConvertToLead and back', () => {
  it('converts a New customer to a lead', () => {
    customerSpec.given(historyTo('new')).when({ type: 'ConvertToLead', data: {} }).then([leadEvent]);
  });

  it.each(['active', 'blocked', 'inactive'] as const)('refuses to convert a %s customer', (status) => {
    customerSpec.given(historyTo(status)).when({ type: 'ConvertToLead', data: {} }).thenRefused('customer.convert_to_lead.requires_new');
  });

  it.each(REFUSED_FOR_LEADS)('a lead refuses %s', (type) => {
    const data: Record<string, unknown> = { status: 'active', megabytes: 100, reason: 'r', itemId: 'i', productName: 'p', amount: 1, description: 'd' };
    customerSpec.given([created(), leadEvent]).when({ type, data } as CustomerCommand).thenRefused('customer.lead.not_a_customer');
  });

  it('a lead can still be edited and commented', () => {
    customerSpec.given([created(), leadEvent]).when({ type: 'EditCustomer', data: { fullName: 'Lead Name' } }).then((events) => expect(events).toHaveLength(1));
    customerSpec.given([created(), leadEvent]).when({ type: 'AddComment', data: { text: 'called' } }).then((events) => expect(events).toHaveLength(1));
  });

  it('converts a lead back to an Active customer (default) or a New one', () => {
    customerSpec
      .given([created(), leadEvent])
      .when({ type: 'ConvertLeadToCustomer', data: {} })
      .then([
        {
          type: 'LeadConvertedToCustomer',
          data: {
            customerId: CUSTOMER_ID,
            at: NOW,
            status: 'active',
            reason: null,
            changes: [
              { field: 'isLead', from: true, to: false },
              { field: 'status', from: 'new', to: 'active' },
            ],
          },
        },
      ]);
    const state = customerSpec.given([created(), leadEvent]).when({ type: 'ConvertLeadToCustomer', data: { status: 'new' } }).stateAfter();
    expect(state).toMatchObject({ isLead: false, status: 'new' });
  });

  it('refuses to convert a customer that is not a lead', () => {
    customerSpec.given(historyTo('new')).when({ type: 'ConvertLeadToCustomer', data: {} }).thenRefused('customer.lead.not_a_lead');
  });
});

describe('DeleteCustomer and RestoreCustomer', () => {
  it('deletes an Inactive customer (soft)', () => {
    customerSpec.given(historyTo('inactive')).when({ type: 'DeleteCustomer', data: {} }).then([deletedEvent]);
    const state = customerSpec.given(historyTo('inactive')).when({ type: 'DeleteCustomer', data: {} }).stateAfter();
    expect(state).toMatchObject({ deleted: true, deletedAt: NOW, status: 'inactive' });
  });

  it.each(['new', 'active', 'blocked'] as const)('refuses to delete a %s customer', (status) => {
    customerSpec.given(historyTo(status)).when({ type: 'DeleteCustomer', data: {} }).thenRefused('customer.delete.requires_inactive');
  });

  it('restores a deleted customer, still Inactive', () => {
    customerSpec
      .given([...historyTo('inactive'), deletedEvent])
      .when({ type: 'RestoreCustomer', data: { reason: 'asked by customer' } })
      .then([
        {
          type: 'CustomerRestored',
          data: { customerId: CUSTOMER_ID, at: NOW, status: 'inactive', reason: 'asked by customer', changes: [{ field: 'deleted', from: true, to: false }] },
        },
      ]);
  });

  it('refuses to restore a customer that is not deleted', () => {
    customerSpec.given(historyTo('inactive')).when({ type: 'RestoreCustomer', data: {} }).thenRefused('customer.restore.requires_deleted');
  });
});

/** One well-formed command of every type except CreateCustomer. */
const EVERY_COMMAND: CustomerCommand[] = [
  { type: 'EditCustomer', data: { fullName: 'X' } },
  { type: 'SetAdditionalFields', data: { values: {} } },
  { type: 'ChangeStatus', data: { status: 'active' } },
  { type: 'ChangeBillingType', data: { billingType: 'prepaid_daily' } },
  { type: 'ConvertToLead', data: {} },
  { type: 'ConvertLeadToCustomer', data: {} },
  { type: 'DeleteCustomer', data: {} },
  { type: 'RestoreCustomer', data: {} },
  { type: 'ResetPassword', data: {} },
  { type: 'RevealPassword', data: {} },
  { type: 'RevealPin', data: {} },
  { type: 'Impersonate', data: {} },
  { type: 'AddComment', data: { text: 'hi' } },
  { type: 'EditComment', data: { commentId: 'c', text: 'hi' } },
  { type: 'DeleteComment', data: { commentId: 'c' } },
  { type: 'AddNote', data: { text: 'hi' } },
  { type: 'EditNote', data: { noteId: 'n', text: 'hi' } },
  { type: 'DeleteNote', data: { noteId: 'n' } },
  { type: 'GrantCapBonus', data: { megabytes: 100, reason: 'outage' } },
  { type: 'RevokeCapBonus', data: { grantId: 'g' } },
  { type: 'AssignHardware', data: { itemId: 'i', productName: 'Router' } },
  { type: 'UnassignHardware', data: { itemId: 'i' } },
  { type: 'AddContact', data: { name: 'Ann' } },
  { type: 'RemoveContact', data: { contactId: 'c' } },
  { type: 'AddAddress', data: { street: 'Main St 1' } },
  { type: 'RemoveAddress', data: { addressId: 'a' } },
  { type: 'RecordPayment', data: { amount: 10 } },
  { type: 'RecordCharge', data: { amount: 10, description: 'Fee' } },
];

describe('commands on a customer that does not exist or is deleted', () => {
  it('lists every command type but CreateCustomer', () => {
    expect(new Set(EVERY_COMMAND.map((command) => command.type)).size).toBe(EVERY_COMMAND.length);
    expect(EVERY_COMMAND).toHaveLength(28);
  });

  it.each(EVERY_COMMAND.map((command) => [command.type, command] as const))('%s on no customer is refused customer.not_found', (_type, command) => {
    const error = customerSpec.given([]).when(command).thenRefused('customer.not_found');
    expect(error.isNotFound).toBe(true);
  });

  it.each(EVERY_COMMAND.filter((command) => command.type !== 'RestoreCustomer').map((command) => [command.type, command] as const))(
    '%s on a deleted customer is refused customer.deleted',
    (_type, command) => {
      customerSpec.given([...historyTo('inactive'), deletedEvent]).when(command).thenRefused('customer.deleted');
    },
  );

  it('CreateCustomer on a deleted customer is still "already exists"', () => {
    customerSpec.given([...historyTo('inactive'), deletedEvent]).when({ type: 'CreateCustomer', data: { fullName: 'A', partnerId: 1, locationId: 10 } }).thenRefused('customer.already_exists');
  });
});
