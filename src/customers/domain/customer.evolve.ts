/**
 * evolve(state, event) → state for the customer aggregate: folds every customer event, including
 * those written by older versions; unknown (newer) event types leave the state as it is.
 */
import { type Change } from '../../domain-kernel/decider.js';
import type { CustomerEvent } from './customer.events.js';
import { type Customer, type CustomerState } from './customer.types.js';
import { addMoney, subtractMoney } from '../../domain-kernel/money.js';
import { SECRET_FIELDS } from './decide/shared.js';
import { SCHEDULED_FIELD_OF } from './decide/schedule.js';
import type { ScheduledChange } from './customer.types.js';
import { ERASED } from './customer.personal-data.js';
import { isBelowThreshold, voipExpiresAt } from './customer.automation.js';

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  if (event.type === 'CustomerCreated') {
    if (state.exists) return state;
    const { customerId, at, ...rest } = event.data;
    return withThreshold({
      ...clone(rest),
      exists: true,
      revision: state.revision + 1,
      id: customerId,
      isLead: false,
      deleted: false,
      deletedAt: null,
      balance: 0,
      comments: [],
      notes: [],
      capGrants: [],
      hardware: [],
      contacts: [],
      addresses: [],
      personalDataErasedAt: null,
      belowThresholdSince: null,
      block: null,
      voipExpiredAt: null,
      createdAt: at,
      updatedAt: at,
    }, at);
  }
  if (!state.exists) return state;
  const next = apply(state, event);
  const at = (event.data as { at?: string }).at ?? state.updatedAt;
  return withThreshold({ ...next, revision: state.revision + 1, updatedAt: at }, at);
}

/**
 * Keeps `belowThresholdSince` in step with the balance and the billing settings after every
 * event: set to the event's time when the balance falls (or the threshold rises) below, kept
 * while it stays below, cleared when it no longer is.
 */
function withThreshold(customer: Customer, at: string): Customer {
  const below = isBelowThreshold(customer);
  const since = below ? (customer.belowThresholdSince ?? at) : null;
  return since === customer.belowThresholdSince ? customer : { ...customer, belowThresholdSince: since };
}

function apply(customer: Customer, event: CustomerEvent): Customer {
  switch (event.type) {
    case 'CustomerMainInfoChanged':
    case 'CustomerContactInfoChanged':
    case 'CustomerAddressChanged':
    case 'CustomerBillingSettingsChanged':
    case 'CustomerLabelsChanged':
    case 'CustomerAdditionalFieldsChanged':
    case 'CustomerBillingTypeChanged':
    case 'CustomerConvertedToLead':
    case 'LeadConvertedToCustomer':
      return applyChanges(customer, event.data.changes);
    case 'CustomerVoipSettingsChanged': {
      const changed = applyChanges(customer, event.data.changes);
      const next = event.data.pinCiphertext === undefined ? changed : { ...changed, voip: { ...changed.voip, pinCiphertext: event.data.pinCiphertext } };
      return { ...next, voipExpiredAt: stillExpired(customer.voipExpiredAt, voipExpiresAt(next)) };
    }
    case 'CustomerActivated':
    case 'CustomerDeactivated':
      return { ...customer, status: event.data.to, block: null, ...interruptHolds(customer) };
    case 'CustomerBlocked':
      return {
        ...customer,
        status: event.data.to,
        block: event.data.automatic ? { origin: 'automatic', at: event.data.automatic.dueAt } : { origin: 'manual', at: event.data.at },
        ...interruptHolds(customer),
      };
    case 'VoipAccountExpired':
      return { ...customer, voipExpiredAt: event.data.expiresAt };
    case 'CapBonusExpired':
      return {
        ...customer,
        capGrants: customer.capGrants.map((grant) => (grant.id === event.data.grantId ? { ...grant, expired: true, expiredAt: event.data.at } : grant)),
      };
    case 'ScheduledChangeAdded': {
      const { changeId, action, status, billingType, scheduledFor, until, reason, scheduledBy, at } = event.data;
      const change: ScheduledChange = {
        id: changeId,
        action,
        status,
        billingType,
        at: scheduledFor,
        until,
        reason,
        state: 'pending',
        phase: 'start',
        previousStatus: null,
        interrupted: false,
        scheduledBy: clone(scheduledBy),
        scheduledAt: at,
        ranAt: null,
        rule: null,
        message: null,
      };
      return { ...customer, scheduledChanges: [...(customer.scheduledChanges ?? []), change] };
    }
    case 'ScheduledChangeChanged':
      return mapChange(customer, event.data.changeId, (change) => {
        const next = { ...change } as Record<string, unknown>;
        for (const { field, to } of event.data.changes) if (SCHEDULED_FIELD_OF[field]) next[SCHEDULED_FIELD_OF[field]] = to;
        return next as unknown as ScheduledChange;
      });
    case 'ScheduledChangeCancelled':
      return mapChange(customer, event.data.changeId, (change) => ({ ...change, state: 'cancelled', ranAt: event.data.at }));
    case 'ScheduledChangeCompleted': {
      const { phase, outcome, previousStatus, at } = event.data;
      return mapChange(customer, event.data.changeId, (change) =>
        phase === 'start' && change.until !== null && outcome === 'applied'
          ? { ...change, phase: 'end', previousStatus, interrupted: false, ranAt: at }
          : { ...change, state: 'done', ranAt: at },
      );
    }
    case 'ScheduledChangeFailed':
      return mapChange(customer, event.data.changeId, (change) => ({ ...change, state: 'failed', rule: event.data.rule, message: event.data.message, ranAt: event.data.at }));
    case 'CustomerDeleted':
      return { ...customer, deleted: true, deletedAt: event.data.at };
    case 'CustomerRestored':
      return { ...customer, deleted: false, deletedAt: null };
    case 'CustomerPasswordReset':
      return { ...customer, passwordCiphertext: event.data.passwordCiphertext };
    case 'CustomerPasswordRevealed':
    case 'CustomerPinRevealed':
    case 'CustomerImpersonated':
      return customer;
    case 'CustomerCommentAdded': {
      const { commentId, text, type, pinned, author, at } = event.data;
      return { ...customer, comments: [...customer.comments, { id: commentId, text, type, pinned, author: clone(author), at, editedAt: null }] };
    }
    case 'CustomerCommentEdited':
      return {
        ...customer,
        comments: customer.comments.map((comment) =>
          comment.id === event.data.commentId ? { ...applyFlat(comment, event.data.changes), editedAt: event.data.at } : comment,
        ),
      };
    case 'CustomerCommentDeleted':
      return { ...customer, comments: customer.comments.filter((comment) => comment.id !== event.data.commentId) };
    case 'CustomerNoteAdded': {
      const { noteId, text, kind, popup, author, at } = event.data;
      return { ...customer, notes: [...customer.notes, { id: noteId, text, kind, popup, author: clone(author), at, editedAt: null }] };
    }
    case 'CustomerNoteEdited':
      return {
        ...customer,
        notes: customer.notes.map((note) => (note.id === event.data.noteId ? { ...applyFlat(note, event.data.changes), editedAt: event.data.at } : note)),
      };
    case 'CustomerNoteDeleted':
      return { ...customer, notes: customer.notes.filter((note) => note.id !== event.data.noteId) };
    case 'CapBonusGranted': {
      const { grantId, megabytes, reason, expiresAt, grantedBy, at } = event.data;
      return {
        ...customer,
        capGrants: [
          ...customer.capGrants,
          { id: grantId, megabytes, reason, expiresAt, revoked: false, revokedAt: null, expired: false, expiredAt: null, grantedAt: at, grantedBy: clone(grantedBy) },
        ],
      };
    }
    case 'CapBonusRevoked':
      return {
        ...customer,
        capGrants: customer.capGrants.map((grant) => (grant.id === event.data.grantId ? { ...grant, revoked: true, revokedAt: event.data.at } : grant)),
      };
    case 'HardwareAssigned': {
      const { itemId, productName, barcode, status, at } = event.data;
      return { ...customer, hardware: [...customer.hardware, { itemId, productName, barcode, status, assignedAt: at }] };
    }
    case 'HardwareUnassigned':
      return { ...customer, hardware: customer.hardware.filter((item) => item.itemId !== event.data.itemId) };
    case 'ContactPersonAdded': {
      const { contactId, name, role, email, phone, at } = event.data;
      return { ...customer, contacts: [...customer.contacts, { id: contactId, name, role, email, phone, addedAt: at }] };
    }
    case 'ContactPersonRemoved':
      return { ...customer, contacts: customer.contacts.filter((contact) => contact.id !== event.data.contactId) };
    case 'AdditionalAddressAdded': {
      const { addressId, label, street, street2, zipCode, city, country, geo, at } = event.data;
      return { ...customer, addresses: [...customer.addresses, { id: addressId, label, street, street2, zipCode, city, country, geo: clone(geo), addedAt: at }] };
    }
    case 'AdditionalAddressRemoved':
      return { ...customer, addresses: customer.addresses.filter((address) => address.id !== event.data.addressId) };
    case 'PaymentRecorded':
      return { ...customer, balance: addMoney(customer.balance, event.data.amount) };
    case 'ChargeRecorded':
      return { ...customer, balance: subtractMoney(customer.balance, event.data.amount) };
    case 'CustomerPersonalDataErased':
      return { ...erasedCustomer(customer), personalDataErasedAt: event.data.at };
    default:
      // Unknown (newer) event types leave the state as it is.
      return customer;
  }
}

/** A status change during a hold interrupts it (its own end's status event is followed at once by its completion). */
function interruptHolds(customer: Customer): Partial<Customer> {
  return mapChanges(customer, (change) => (change.state === 'pending' && change.phase === 'end' ? { ...change, interrupted: true } : change));
}

function mapChanges(customer: Customer, fn: (change: ScheduledChange) => ScheduledChange): Partial<Customer> {
  return customer.scheduledChanges ? { scheduledChanges: customer.scheduledChanges.map(fn) } : {};
}

function mapChange(customer: Customer, changeId: string, fn: (change: ScheduledChange) => ScheduledChange): Customer {
  return { ...customer, ...mapChanges(customer, (change) => (change.id === changeId ? fn(change) : change)) };
}

/**
 * The customer with every personal value reading as an erased one does (see
 * customer.personal-data.ts): what a replay reads once the key is destroyed, so the state after
 * the erasure event is the same whether it was folded before or after the key went.
 */
function erasedCustomer(customer: Customer): Customer {
  const text = <T extends string | null>(value: T): T | typeof ERASED => (value === null || value === '' ? value : ERASED);
  const list = (values: readonly string[]): string[] => (values.length === 0 ? [] : [ERASED]);
  return {
    ...customer,
    fullName: ERASED,
    emails: list(customer.emails),
    billingEmails: list(customer.billingEmails),
    phones: list(customer.phones),
    street: text(customer.street),
    street2: text(customer.street2),
    zipCode: text(customer.zipCode),
    city: text(customer.city),
    geo: null,
    dateOfBirth: text(customer.dateOfBirth),
    identification: text(customer.identification),
    companyId: text(customer.companyId),
    vatId: text(customer.vatId),
    contactPerson: text(customer.contactPerson),
    voip: { ...customer.voip, lowCreditNotificationEmail: text(customer.voip.lowCreditNotificationEmail) },
    comments: customer.comments.map((comment) => ({ ...comment, text: text(comment.text) })),
    notes: customer.notes.map((note) => ({ ...note, text: text(note.text) })),
    contacts: customer.contacts.map((contact) => ({ ...contact, name: text(contact.name), email: text(contact.email), phone: text(contact.phone) })),
    // Reasons are free text that may name the person (customer.personal-data.ts).
    capGrants: customer.capGrants.map((grant) => ({ ...grant, reason: text(grant.reason) })),
    ...(customer.scheduledChanges ? { scheduledChanges: customer.scheduledChanges.map((change) => ({ ...change, reason: text(change.reason) })) } : {}),
    addresses: customer.addresses.map((address) => ({
      ...address,
      label: text(address.label),
      street: text(address.street),
      street2: text(address.street2),
      zipCode: text(address.zipCode),
      city: text(address.city),
      geo: null,
    })),
  };
}

/**
 * An expired VoIP account stays expired while its expiry is not moved later (a new expiry date or
 * more valid days reopen it; the automation expires it again when the new time comes).
 */
function stillExpired(expiredAt: string | null, expiresAt: string | null): string | null {
  if (expiredAt === null) return null;
  return expiresAt !== null && Date.parse(expiresAt) <= Date.parse(expiredAt) ? expiredAt : null;
}

/** Applies dotted-path changes ('voip.cps', 'additionalFields.x' → null removes) to the customer. */
function applyChanges(customer: Customer, changes: readonly Change[]): Customer {
  const next = { ...customer } as unknown as Record<string, unknown>;
  for (const { field, to } of changes) {
    if ((SECRET_FIELDS as readonly string[]).includes(field)) continue;
    const dot = field.indexOf('.');
    if (dot < 0) {
      next[field] = clone(to);
      continue;
    }
    const head = field.slice(0, dot);
    const key = field.slice(dot + 1);
    const section = { ...(next[head] as Record<string, unknown>) };
    if (head === 'additionalFields' && to === null) delete section[key];
    else section[key] = clone(to);
    next[head] = section;
  }
  return next as unknown as Customer;
}

function applyFlat<T extends object>(target: T, changes: readonly Change[]): T {
  const next = { ...target } as Record<string, unknown>;
  for (const { field, to } of changes) next[field] = clone(to);
  return next as T;
}

function clone<T>(value: T): T {
  return value === null || typeof value !== 'object' ? value : structuredClone(value);
}
