/**
 * RevertChange: undoes the change one earlier event made, by the command that takes it back,
 * decided like any other (so every rule still holds: a status that can no longer be reached is
 * refused with customer.status.transition_not_allowed, a deleted customer only restores, …). The
 * application layer puts the event at that revision in the context (`reverted`); the events this
 * decides carry, in their metadata, the revision they undid (revertedRevision) and its event id
 * (causationId).
 *
 * Refused: an event that changes nothing a command can take back (creation, money, reveals,
 * logins as the customer, secrets: customer.revert.not_revertible); a change already undone
 * (customer.revert.already_reverted); a field changed again since (customer.revert.superseded:
 * revert the later change first).
 */
import { refuse } from '../../../domain-kernel/errors.js';
import { REDACTED, jsonEqual, type Change, type JsonValue } from '../../../domain-kernel/decider.js';
import type { CustomerCommand, RevertTarget } from '../customer.commands.js';
import { CUSTOMER_RULES as RULES } from '../customer.rules.js';
import type { Customer } from '../customer.types.js';

/** Event types a revert can take back, and the command that does it. */
export const REVERTIBLE_EVENT_TYPES = [
  'CustomerMainInfoChanged',
  'CustomerContactInfoChanged',
  'CustomerAddressChanged',
  'CustomerVoipSettingsChanged',
  'CustomerBillingSettingsChanged',
  'CustomerLabelsChanged',
  'CustomerAdditionalFieldsChanged',
  'CustomerActivated',
  'CustomerBlocked',
  'CustomerDeactivated',
  'CustomerBillingTypeChanged',
  'CustomerConvertedToLead',
  'LeadConvertedToCustomer',
  'CustomerDeleted',
  'CustomerRestored',
  'CustomerCommentAdded',
  'CustomerCommentEdited',
  'CustomerNoteAdded',
  'CustomerNoteEdited',
  'CapBonusGranted',
  'HardwareAssigned',
  'HardwareUnassigned',
  'ContactPersonAdded',
  'AdditionalAddressAdded',
] as const;

type Data = Record<string, unknown>;

const REVERTIBLE_TYPES: ReadonlySet<string> = new Set(REVERTIBLE_EVENT_TYPES);

/**
 * Why an event of this type, with these changes, can never be reverted; null when it can be
 * (the customer's state may still refuse it: already reverted, superseded, a transition rule).
 * The revert decider refuses with this reason and the timeline offers Revert only where it is
 * null, so the two cannot disagree. Takes only what every timeline entry carries.
 */
export function whyNeverRevertible(type: string, changes: readonly { from: unknown; to: unknown }[]): string | null {
  if (type === 'CustomerCreated') return 'a creation is undone by deleting the customer';
  if (type === 'PaymentRecorded' || type === 'ChargeRecorded') return 'money movements stay; record a charge or a payment that offsets it';
  if (!REVERTIBLE_TYPES.has(type)) return 'it records an access or a removal, not a change a command can take back';
  if (changes.some((change) => change.from === REDACTED || change.to === REDACTED)) return 'it changed a secret (the PIN), whose earlier value is not kept';
  return null;
}

/** Whether a revert of this event could ever be accepted (what the timeline's `revertible` says). */
export function isRevertible(type: string, changes: Parameters<typeof whyNeverRevertible>[1]): boolean {
  return whyNeverRevertible(type, changes) === null;
}

function changesOf(data: Data): Change[] {
  return Array.isArray(data.changes) ? (data.changes as Change[]) : [];
}

/** The current value at a change's field path ('city', 'voip.cps', 'additionalFields.x', 'labels'). */
function currentValue(customer: Customer, field: string): JsonValue {
  const [head, ...rest] = field.split('.');
  let value: unknown = (customer as unknown as Data)[head];
  for (const key of rest) value = value !== null && typeof value === 'object' ? (value as Data)[key] : undefined;
  return (value ?? null) as JsonValue;
}

function same(a: unknown, b: unknown): boolean {
  return jsonEqual((a ?? null) as JsonValue, (b ?? null) as JsonValue);
}

/** Every changed field still holds what the change made it, else the change was superseded. */
function assertNotSuperseded(target: RevertTarget, customer: Customer, changes: readonly Change[], current = (field: string) => currentValue(customer, field)): void {
  const changedSince = changes.filter((change) => !same(current(change.field), change.to)).map((change) => change.field);
  if (changedSince.length) {
    refuse(RULES.revertSuperseded, `${changedSince.join(', ')} changed again after revision ${target.revision}: revert the later change first`, {
      revision: target.revision,
      fields: changedSince,
    });
  }
}

function notRevertible(target: RevertTarget, why: string): never {
  return refuse(RULES.revertNotRevertible, `The ${target.type} at revision ${target.revision} cannot be reverted: ${why}`, { revision: target.revision, type: target.type });
}

/** The PATCH body that puts the changed fields back (nested for voip.* and billing.*). */
function patchOf(changes: readonly Change[]): Record<string, unknown> {
  const patch: Record<string, Record<string, unknown> | unknown> = {};
  for (const { field, from } of changes) {
    const [head, ...rest] = field.split('.');
    if (rest.length === 0) patch[head] = from;
    else patch[head] = { ...((patch[head] as Record<string, unknown> | undefined) ?? {}), [rest.join('.')]: from };
  }
  return patch;
}

/** The command that takes back the change of `target`, on the customer as it is now. */
export function compensationFor(target: RevertTarget, customer: Customer): CustomerCommand {
  if (target.revertedLater) {
    refuse(RULES.revertAlreadyReverted, `The change at revision ${target.revision} was already reverted`, { revision: target.revision });
  }
  const data = target.data;
  const changes = changesOf(data);
  const never = whyNeverRevertible(target.type, changes);
  if (never !== null) notRevertible(target, never);
  switch (target.type) {
    case 'CustomerMainInfoChanged':
    case 'CustomerContactInfoChanged':
    case 'CustomerAddressChanged':
    case 'CustomerBillingSettingsChanged':
    case 'CustomerVoipSettingsChanged':
    case 'CustomerLabelsChanged': {
      assertNotSuperseded(target, customer, changes);
      return { type: 'EditCustomer', data: patchOf(changes) as never };
    }
    case 'CustomerAdditionalFieldsChanged': {
      assertNotSuperseded(target, customer, changes);
      const values = Object.fromEntries(changes.map((change) => [change.field.replace(/^additionalFields\./, ''), change.from ?? null]));
      return { type: 'SetAdditionalFields', data: { values: values as never } };
    }
    case 'CustomerActivated':
    case 'CustomerBlocked':
    case 'CustomerDeactivated': {
      assertNotSuperseded(target, customer, [{ field: 'status', from: data.from as JsonValue, to: data.to as JsonValue }]);
      // Back to the earlier status by the ordinary transition rules (nothing returns to New).
      return { type: 'ChangeStatus', data: { status: data.from as never } };
    }
    case 'CustomerBillingTypeChanged':
      assertNotSuperseded(target, customer, [{ field: 'billingType', from: data.from as JsonValue, to: data.to as JsonValue }]);
      return { type: 'ChangeBillingType', data: { billingType: data.from as never } };
    case 'CustomerConvertedToLead':
      return { type: 'ConvertLeadToCustomer', data: { status: 'new' } };
    case 'LeadConvertedToCustomer':
      return { type: 'ConvertToLead', data: {} };
    case 'CustomerDeleted':
      return { type: 'RestoreCustomer', data: {} };
    case 'CustomerRestored':
      return { type: 'DeleteCustomer', data: {} };
    case 'CustomerCommentAdded':
      return { type: 'DeleteComment', data: { commentId: String(data.commentId) } };
    case 'CustomerCommentEdited': {
      const comment = customer.comments.find((item) => item.id === data.commentId);
      if (!comment) refuse(RULES.commentNotFound, `Comment ${String(data.commentId)} does not exist on this customer any more`, { commentId: data.commentId });
      assertNotSuperseded(target, customer, changes, (field) => ((comment as unknown as Data)[field] ?? null) as JsonValue);
      return { type: 'EditComment', data: { commentId: comment.id, ...(patchOf(changes) as object) } };
    }
    case 'CustomerNoteAdded':
      return { type: 'DeleteNote', data: { noteId: String(data.noteId) } };
    case 'CustomerNoteEdited': {
      const note = customer.notes.find((item) => item.id === data.noteId);
      if (!note) refuse(RULES.noteNotFound, `Note ${String(data.noteId)} does not exist on this customer any more`, { noteId: data.noteId });
      assertNotSuperseded(target, customer, changes, (field) => ((note as unknown as Data)[field] ?? null) as JsonValue);
      return { type: 'EditNote', data: { noteId: note.id, ...(patchOf(changes) as object) } };
    }
    case 'CapBonusGranted':
      return { type: 'RevokeCapBonus', data: { grantId: String(data.grantId) } };
    case 'HardwareAssigned':
      return { type: 'UnassignHardware', data: { itemId: String(data.itemId) } };
    case 'HardwareUnassigned':
      return { type: 'AssignHardware', data: { itemId: String(data.itemId), productName: String(data.productName) } };
    case 'ContactPersonAdded':
      return { type: 'RemoveContact', data: { contactId: String(data.contactId) } };
    case 'AdditionalAddressAdded':
      return { type: 'RemoveAddress', data: { addressId: String(data.addressId) } };
    default:
      // Unreachable while every REVERTIBLE_EVENT_TYPES entry has its case above.
      return notRevertible(target, 'it records an access or a removal, not a change a command can take back');
  }
}
