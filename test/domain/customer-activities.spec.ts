import { describe, expect, it } from '@jest/globals';
import { customerDecider, fold, toCustomerView, type CustomerEvent } from '../../src/customers/domain/index.js';
import { ACTOR, CUSTOMER_ID, LATER, NOW, created, customerSpec, historyTo } from './fixtures.js';

const base = { customerId: CUSTOMER_ID, at: NOW };
const active = () => historyTo('active');

describe('password, PIN and impersonation (audited)', () => {
  it('ResetPassword stores the new ciphertext from the context, never a plain password', () => {
    const events = customerSpec
      .given(active())
      .when({ type: 'ResetPassword', data: { reason: 'forgot', generated: true } })
      .then([{ type: 'CustomerPasswordReset', data: { ...base, reason: 'forgot', passwordCiphertext: 'v1:new-cipher', generated: true } }]);
    const state = customerSpec.given([...active(), ...events]).when({ type: 'RevealPassword', data: {} }).stateAfter();
    expect(state.exists && state.passwordCiphertext).toBe('v1:new-cipher');
  });

  it('ResetPassword without a ciphertext in the context is a wiring error', () => {
    expect(() => customerSpec.given(active()).when({ type: 'ResetPassword', data: {} }, { passwordCiphertext: undefined }).events()).toThrow(/passwordCiphertext/);
  });

  it('RevealPassword, RevealPin and Impersonate leave an audit event and change nothing', () => {
    customerSpec.given(active()).when({ type: 'RevealPassword', data: { reason: 'customer on the phone' } }).then([
      { type: 'CustomerPasswordRevealed', data: { ...base, reason: 'customer on the phone' } },
    ]);
    customerSpec.given(active()).when({ type: 'RevealPin', data: {} }).then([{ type: 'CustomerPinRevealed', data: { ...base, reason: null } }]);
    customerSpec
      .given(active())
      .when({ type: 'Impersonate', data: { expiresAt: '2025-03-01T10:15:00Z' } })
      .then([{ type: 'CustomerImpersonated', data: { ...base, reason: null, expiresAt: '2025-03-01T10:15:00.000Z' } }]);
    const before = fold(customerDecider, active());
    for (const type of ['RevealPassword', 'RevealPin', 'Impersonate'] as const) {
      const after = customerSpec.given(active()).when({ type, data: {} }).stateAfter();
      expect({ ...after, revision: before.revision }).toEqual(before);
    }
  });

  it('refuses an over-long reason', () => {
    customerSpec.given(active()).when({ type: 'RevealPassword', data: { reason: 'x'.repeat(501) } }).thenInvalid({ field: 'reason', rule: 'maxLength' });
  });
});

describe('comments', () => {
  const added: CustomerEvent = {
    type: 'CustomerCommentAdded',
    data: { ...base, commentId: 'id-1', text: 'Called about the router', type: 'comment', pinned: false, author: ACTOR },
  };

  it('adds a comment with the actor as author and the id from the context', () => {
    customerSpec.given(active()).when({ type: 'AddComment', data: { text: ' Called about the router ' } }).then([added]);
  });

  it('adds a typed, pinned comment', () => {
    customerSpec
      .given(active())
      .when({ type: 'AddComment', data: { text: 'Owes 3 months', type: 'finance', pinned: true } }, { newId: 'c-9' })
      .then((events) => expect(events[0].data).toMatchObject({ commentId: 'c-9', type: 'finance', pinned: true }));
  });

  it('validates text and type', () => {
    customerSpec
      .given(active())
      .when({ type: 'AddComment', data: { text: '   ', type: 'gossip' as never, pinned: 'yes' as never } })
      .thenInvalid({ field: 'text', rule: 'required' }, { field: 'type', rule: 'enum' }, { field: 'pinned', rule: 'type' });
  });

  it('edits only what changed, and nothing when nothing did', () => {
    customerSpec
      .given([...active(), added])
      .when({ type: 'EditComment', data: { commentId: 'id-1', text: 'Called about the router', pinned: true } })
      .then([{ type: 'CustomerCommentEdited', data: { ...base, commentId: 'id-1', changes: [{ field: 'pinned', from: false, to: true }] } }]);
    customerSpec.given([...active(), added]).when({ type: 'EditComment', data: { commentId: 'id-1', text: 'Called about the router' } }).thenNothingHappened();
  });

  it('deletes a comment', () => {
    const state = customerSpec.given([...active(), added]).when({ type: 'DeleteComment', data: { commentId: 'id-1' } }).stateAfter();
    expect(state.exists && state.comments).toEqual([]);
  });

  it('refuses to edit or delete a comment that does not exist', () => {
    customerSpec.given(active()).when({ type: 'EditComment', data: { commentId: 'nope', text: 'x' } }).thenRefused('customer.comment.not_found');
    customerSpec.given(active()).when({ type: 'DeleteComment', data: { commentId: 'nope' } }).thenRefused('customer.comment.not_found');
  });

  it('needs a generated id from the context', () => {
    expect(() => customerSpec.given(active()).when({ type: 'AddComment', data: { text: 'x' } }, { newId: undefined }).events()).toThrow(/newId/);
  });
});

describe('notes (internal and debtor, optional pop-up)', () => {
  const note: CustomerEvent = {
    type: 'CustomerNoteAdded',
    data: { ...base, noteId: 'id-1', text: 'Dog on premises', kind: 'internal', popup: true, author: ACTOR },
  };

  it('adds an internal pop-up note and a debtor note', () => {
    customerSpec.given(active()).when({ type: 'AddNote', data: { text: 'Dog on premises', popup: true } }).then([note]);
    customerSpec
      .given(active())
      .when({ type: 'AddNote', data: { text: 'Promised to pay Friday', kind: 'debtor' } })
      .then((events) => expect(events[0].data).toMatchObject({ kind: 'debtor', popup: false }));
  });

  it('refuses an unknown kind', () => {
    customerSpec.given(active()).when({ type: 'AddNote', data: { text: 'x', kind: 'secret' as never } }).thenInvalid({ field: 'kind', rule: 'enum' });
  });

  it('edits and deletes notes, refusing unknown ones', () => {
    customerSpec
      .given([...active(), note])
      .when({ type: 'EditNote', data: { noteId: 'id-1', popup: false } })
      .then([{ type: 'CustomerNoteEdited', data: { ...base, noteId: 'id-1', changes: [{ field: 'popup', from: true, to: false }] } }]);
    customerSpec.given([...active(), note]).when({ type: 'DeleteNote', data: { noteId: 'id-1' } }).then([{ type: 'CustomerNoteDeleted', data: { ...base, noteId: 'id-1' } }]);
    customerSpec.given(active()).when({ type: 'EditNote', data: { noteId: 'x', text: 'y' } }).thenRefused('customer.note.not_found');
    customerSpec.given(active()).when({ type: 'DeleteNote', data: { noteId: 'x' } }).thenRefused('customer.note.not_found');
  });
});

describe('CAP bonus data', () => {
  const grant = (grantId: string, megabytes: number, expiresAt: string | null = null): CustomerEvent => ({
    type: 'CapBonusGranted',
    data: { ...base, grantId, megabytes, reason: 'outage', expiresAt, grantedBy: ACTOR },
  });
  const revoke = (grantId: string, megabytes: number): CustomerEvent => ({ type: 'CapBonusRevoked', data: { ...base, grantId, megabytes, reason: null } });

  it('grants bonus megabytes with a reason and an optional expiry', () => {
    customerSpec
      .given(active())
      .when({ type: 'GrantCapBonus', data: { megabytes: 500, reason: ' outage ', expiresAt: '2025-04-01T00:00:00Z' } }, { newId: 'g-1' })
      .then([{ type: 'CapBonusGranted', data: { ...base, grantId: 'g-1', megabytes: 500, reason: 'outage', expiresAt: '2025-04-01T00:00:00.000Z', grantedBy: ACTOR } }]);
  });

  it('refuses zero or negative megabytes, a missing reason and an expiry in the past', () => {
    customerSpec
      .given(active())
      .when({ type: 'GrantCapBonus', data: { megabytes: 0, reason: '', expiresAt: '2025-02-01T00:00:00Z' } })
      .thenInvalid({ field: 'megabytes', rule: 'range' }, { field: 'reason', rule: 'required' }, { field: 'expiresAt', rule: 'future' });
    customerSpec.given(active()).when({ type: 'GrantCapBonus', data: { megabytes: -5, reason: 'x' } }).thenInvalid({ field: 'megabytes', rule: 'range' });
    customerSpec.given(active()).when({ type: 'GrantCapBonus', data: { megabytes: 1.5, reason: 'x' } }).thenInvalid({ field: 'megabytes', rule: 'integer' });
  });

  it('revokes a grant, and refuses an unknown or already revoked one', () => {
    customerSpec.given([...active(), grant('g-1', 100)]).when({ type: 'RevokeCapBonus', data: { grantId: 'g-1' } }).then([revoke('g-1', 100)]);
    customerSpec.given(active()).when({ type: 'RevokeCapBonus', data: { grantId: 'g-1' } }).thenRefused('customer.cap.grant.not_found');
    customerSpec.given([...active(), grant('g-1', 100), revoke('g-1', 100)]).when({ type: 'RevokeCapBonus', data: { grantId: 'g-1' } }).thenRefused('customer.cap.grant_already_revoked');
  });

  it('totals the bonus of grants neither revoked nor expired', () => {
    const history = [
      ...active(),
      grant('g-1', 100),
      grant('g-2', 250, '2025-03-01T12:00:00.000Z'),
      grant('g-3', 1000),
      revoke('g-3', 1000),
      grant('g-4', 50, '2025-03-10T00:00:00.000Z'),
    ];
    const state = customerSpec.given(history).when({ type: 'RevealPin', data: {} }).stateAfter();
    expect(toCustomerView(state, { now: NOW })?.cap.bonusMegabytesTotal).toBe(400);
    expect(toCustomerView(state, { now: LATER })?.cap.bonusMegabytesTotal).toBe(150);
    expect(toCustomerView(state, { now: '2025-03-10T00:00:00.000Z' })?.cap.bonusMegabytesTotal).toBe(100);
    expect(toCustomerView(state, { now: NOW })?.cap.grants.map((item) => [item.id, item.revoked])).toEqual([
      ['g-1', false],
      ['g-2', false],
      ['g-3', true],
      ['g-4', false],
    ]);
  });
});

describe('hardware', () => {
  const assigned: CustomerEvent = {
    type: 'HardwareAssigned',
    data: { ...base, itemId: '77', productName: 'MikroTik hAP', barcode: 'BC-77', status: 'rent' },
  };

  it('assigns an inventory item (numeric ids become strings)', () => {
    customerSpec
      .given(active())
      .when({ type: 'AssignHardware', data: { itemId: 77 as never, productName: 'MikroTik hAP', barcode: 'BC-77', status: 'rent' } })
      .then([assigned]);
  });

  it('refuses an item already assigned, an unknown status and a missing product name', () => {
    customerSpec.given([...active(), assigned]).when({ type: 'AssignHardware', data: { itemId: '77', productName: 'X' } }).thenRefused('customer.hardware.already_assigned');
    customerSpec
      .given(active())
      .when({ type: 'AssignHardware', data: { itemId: '1', productName: '', status: 'lost' as never } })
      .thenInvalid({ field: 'productName', rule: 'required' }, { field: 'status', rule: 'enum' });
  });

  it('unassigns, and refuses an item not assigned', () => {
    const state = customerSpec.given([...active(), assigned]).when({ type: 'UnassignHardware', data: { itemId: '77', reason: 'returned' } }).stateAfter();
    expect(state.exists && state.hardware).toEqual([]);
    customerSpec.given(active()).when({ type: 'UnassignHardware', data: { itemId: '77' } }).thenRefused('customer.hardware.not_found');
  });
});

describe('contacts and additional addresses', () => {
  it('adds and removes a contact person, validating email and phone', () => {
    const events = customerSpec
      .given(active())
      .when({ type: 'AddContact', data: { name: 'Ann Site', role: 'caretaker', email: 'ann@example.com', phone: '+27 21 555 0100' } }, { newId: 'k-1' })
      .then([{ type: 'ContactPersonAdded', data: { ...base, contactId: 'k-1', name: 'Ann Site', role: 'caretaker', email: 'ann@example.com', phone: '+27 21 555 0100' } }]);
    customerSpec.given([...active(), ...events]).when({ type: 'RemoveContact', data: { contactId: 'k-1' } }).then([{ type: 'ContactPersonRemoved', data: { ...base, contactId: 'k-1', name: 'Ann Site' } }]);
    customerSpec.given(active()).when({ type: 'RemoveContact', data: { contactId: 'k-1' } }).thenRefused('customer.contact.not_found');
    customerSpec
      .given(active())
      .when({ type: 'AddContact', data: { name: '', email: 'ann@', phone: 'call me' } })
      .thenInvalid({ field: 'name', rule: 'required' }, { field: 'email', rule: 'email' }, { field: 'phone', rule: 'phone' });
  });

  it('adds and removes an additional address', () => {
    const events = customerSpec
      .given(active())
      .when({ type: 'AddAddress', data: { label: 'Business', street: '1 Dock Rd', city: 'Cape Town', country: 'za', geo: { lat: -33.9, lng: 18.42 } } }, { newId: 'a-1' })
      .then([
        {
          type: 'AdditionalAddressAdded',
          data: { ...base, addressId: 'a-1', label: 'Business', street: '1 Dock Rd', street2: null, zipCode: null, city: 'Cape Town', country: 'ZA', geo: { lat: -33.9, lng: 18.42 } },
        },
      ]);
    const state = customerSpec.given([...active(), ...events]).when({ type: 'RevealPin', data: {} }).stateAfter();
    expect(toCustomerView(state)?.addresses).toHaveLength(1);
    customerSpec.given([...active(), ...events]).when({ type: 'RemoveAddress', data: { addressId: 'a-1' } }).then([{ type: 'AdditionalAddressRemoved', data: { ...base, addressId: 'a-1' } }]);
    customerSpec.given(active()).when({ type: 'RemoveAddress', data: { addressId: 'a-1' } }).thenRefused('customer.address.not_found');
    customerSpec.given(active()).when({ type: 'AddAddress', data: { street: '', geo: { lat: 100, lng: 0 } } }).thenInvalid({ field: 'street', rule: 'required' }, { field: 'geo.lat', rule: 'range' });
  });
});

describe('balance: payments and charges', () => {
  it('records a payment and a charge with the balance before and after', () => {
    const payment = customerSpec
      .given(active())
      .when({ type: 'RecordPayment', data: { amount: 100.1, method: 'eft', reference: 'INV-1' } }, { newId: 'p-1' })
      .then([
        {
          type: 'PaymentRecorded',
          data: { ...base, paymentId: 'p-1', amount: 100.1, method: 'eft', reference: 'INV-1', note: null, changes: [{ field: 'balance', from: 0, to: 100.1 }] },
        },
      ]);
    const charge = customerSpec
      .given([...active(), ...payment])
      .when({ type: 'RecordCharge', data: { amount: 0.2, description: 'Call fees' } }, { newId: 'c-1' })
      .then([
        {
          type: 'ChargeRecorded',
          data: { ...base, chargeId: 'c-1', amount: 0.2, description: 'Call fees', reference: null, changes: [{ field: 'balance', from: 100.1, to: 99.9 }] },
        },
      ]);
    const state = customerSpec.given([...active(), ...payment, ...charge]).when({ type: 'RevealPin', data: {} }).stateAfter();
    expect(state.exists && state.balance).toBe(99.9);
  });

  it('lets a charge take the balance below zero', () => {
    const state = customerSpec.given(active()).when({ type: 'RecordCharge', data: { amount: 30, description: 'Monthly fee' } }).stateAfter();
    expect(state.exists && state.balance).toBe(-30);
  });

  it('refuses non-positive amounts, unknown methods and a charge without description', () => {
    customerSpec.given(active()).when({ type: 'RecordPayment', data: { amount: 0 } }).thenInvalid({ field: 'amount', rule: 'range' });
    customerSpec.given(active()).when({ type: 'RecordPayment', data: { amount: 5, method: 'bitcoin' as never } }).thenInvalid({ field: 'method', rule: 'enum' });
    customerSpec
      .given(active())
      .when({ type: 'RecordCharge', data: { amount: -1, description: '' } })
      .thenInvalid({ field: 'amount', rule: 'range' }, { field: 'description', rule: 'required' });
  });
});

describe('balance: money is exact', () => {
  const payment = (amount: number, from: number, to: number): CustomerEvent =>
    ({ type: 'PaymentRecorded', data: { ...base, paymentId: `p-${amount}`, amount, method: null, reference: null, note: null, changes: [{ field: 'balance', from, to }] } }) as CustomerEvent;
  const charge = (amount: number, from: number, to: number): CustomerEvent =>
    ({ type: 'ChargeRecorded', data: { ...base, chargeId: `c-${amount}`, amount, description: 'x', reference: null, changes: [{ field: 'balance', from, to }] } }) as CustomerEvent;

  it('refuses more decimals than the minor unit (0.001, 1e-7) with the precision rule, never rounds', () => {
    customerSpec.given(active()).when({ type: 'RecordPayment', data: { amount: 0.001 } }).thenInvalid({ field: 'amount', rule: 'precision' });
    customerSpec.given(active()).when({ type: 'RecordCharge', data: { amount: 1e-7, description: 'x' } }).thenInvalid({ field: 'amount', rule: 'precision' });
  });

  it('takes the minor unit from the customer currency (JPY: none, KWD: 3)', () => {
    const yen = [created({ voip: { currency: 'JPY' } } as never), ...active().slice(1)];
    customerSpec.given(yen).when({ type: 'RecordPayment', data: { amount: 10.5 } }).thenInvalid({ field: 'amount', rule: 'precision' });
    customerSpec.given(yen).when({ type: 'RecordPayment', data: { amount: 1000 } }).then((events) => expect(events).toHaveLength(1));
    const dinar = [created({ voip: { currency: 'KWD' } } as never), ...active().slice(1)];
    customerSpec.given(dinar).when({ type: 'RecordPayment', data: { amount: 1.125 } }).then((events) => expect(events).toHaveLength(1));
  });

  it('sums exactly: ten thousand payments of 0.10 are 1000', () => {
    const events: CustomerEvent[] = [];
    let balance = 0;
    for (let index = 0; index < 10_000; index++) {
      const to = Math.round((balance + 0.1) * 100) / 100;
      events.push(payment(0.1, balance, to));
      balance = to;
    }
    const state = customerSpec.given([...active(), ...events]).when({ type: 'RevealPin', data: {} }).stateAfter();
    expect(state.exists && state.balance).toBe(1000);
  });

  it('replays events written before the rules (6 decimals) to the exact balance', () => {
    const state = customerSpec.given([...active(), charge(50, 0, -50), payment(0.011, -50, -49.989), payment(1e-6, -49.989, -49.988999)]).when({ type: 'RevealPin', data: {} }).stateAfter();
    expect(state.exists && state.balance).toBe(-49.988999);
  });

  it('refuses a minimum balance of 1e21 or with 3 decimals, and a balance beyond the bound', () => {
    customerSpec.given(active()).when({ type: 'EditCustomer', data: { billing: { minimumBalance: 1e21 } } } as never).thenInvalid({ field: 'billing.minimumBalance', rule: 'range' });
    customerSpec.given(active()).when({ type: 'EditCustomer', data: { billing: { minimumBalance: 1.005 } } } as never).thenInvalid({ field: 'billing.minimumBalance', rule: 'precision' });
    customerSpec.given([...active(), payment(999_999_999_999.99, 0, 999_999_999_999.99)]).when({ type: 'RecordPayment', data: { amount: 1 } }).thenRefused('customer.balance.out_of_range');
  });
});

it('a blocked customer still accepts payments, comments and CAP (billing continues)', () => {
  const blocked = [created(), { type: 'CustomerBlocked', data: { ...base, from: 'new', to: 'blocked', reason: null, changes: [{ field: 'status', from: 'new', to: 'blocked' }] } } as CustomerEvent];
  customerSpec.given(blocked).when({ type: 'RecordPayment', data: { amount: 10 } }).then((events) => expect(events).toHaveLength(1));
  customerSpec.given(blocked).when({ type: 'GrantCapBonus', data: { megabytes: 10, reason: 'x' } }).then((events) => expect(events).toHaveLength(1));
});
