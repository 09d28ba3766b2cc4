/** The customer's sub-entities: comments, notes, CAP bonus grants, hardware, contact persons, addresses. */
import { refuse } from '../../../domain-kernel/errors.js';
import { diff } from '../../../domain-kernel/decider.js';
import { FieldErrors, boolean, integer, oneOf, optionalCountry, optionalDateTime, optionalEmail, optionalGeo, optionalPhone, optionalText, requiredText } from '../../../domain-kernel/validation.js';
import { CUSTOMER_LIMITS } from '../customer.limits.js';
import type { AddAddress, AddComment, AddContact, AddNote, AssignHardware, DecisionContext, DeleteComment, DeleteNote, EditComment, EditNote, GrantCapBonus, RemoveAddress, RemoveContact, RevokeCapBonus, UnassignHardware, NewIdContext, CustomerDecisions } from '../customer.commands.js';
import { type CustomerEvent } from '../customer.events.js';
import { CUSTOMER_RULES as RULES } from '../customer.rules.js';
import { COMMENT_TYPES, HARDWARE_STATUSES, NOTE_KINDS, type Customer } from '../customer.types.js';
import { validatePresent } from '../customer.validation.js';
import { validReason, newId, baseOf, dataOf } from './shared.js';

export function addComment(command: AddComment, customer: Customer, context: NewIdContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as AddComment['data'];
  const errors = new FieldErrors();
  const text = requiredText(CUSTOMER_LIMITS.noteText)(errors, 'text', input?.text);
  const type = oneOf(COMMENT_TYPES)(errors, 'type', input?.type ?? 'comment');
  const pinned = boolean()(errors, 'pinned', input?.pinned ?? false);
  errors.throwIfAny();
  const commentId = newId(context, command.type);
  return [{ type: 'CustomerCommentAdded', data: { ...base, commentId, text, type, pinned, author: context.actor ?? null } }];
}

export function editComment(command: EditComment, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as EditComment['data'];
  const comment = customer.comments.find((item) => item.id === input?.commentId);
  if (!comment) refuse(RULES.commentNotFound, `Comment ${String(input?.commentId)} does not exist on this customer`, { commentId: input?.commentId });
  const errors = new FieldErrors();
  const next = validatePresent<{ text: string; type: (typeof COMMENT_TYPES)[number]; pinned: boolean }>(
    errors,
    input as unknown as Record<string, unknown>,
    { text: requiredText(CUSTOMER_LIMITS.noteText), type: oneOf(COMMENT_TYPES), pinned: boolean() },
    ['text', 'type', 'pinned'],
  );
  errors.throwIfAny();
  const changes = diff(comment, next, ['text', 'type', 'pinned']);
  return changes.length ? [{ type: 'CustomerCommentEdited', data: { ...base, commentId: comment.id, changes } }] : [];
}

export function deleteComment(command: DeleteComment, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const comment = customer.comments.find((item) => item.id === data.commentId);
  if (!comment) refuse(RULES.commentNotFound, `Comment ${String(data.commentId)} does not exist on this customer`, { commentId: data.commentId });
  return [{ type: 'CustomerCommentDeleted', data: { ...base, commentId: comment.id } }];
}

export function addNote(command: AddNote, customer: Customer, context: NewIdContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as AddNote['data'];
  const errors = new FieldErrors();
  const text = requiredText(CUSTOMER_LIMITS.noteText)(errors, 'text', input?.text);
  const kind = oneOf(NOTE_KINDS)(errors, 'kind', input?.kind ?? 'internal');
  const popup = boolean()(errors, 'popup', input?.popup ?? false);
  errors.throwIfAny();
  const noteId = newId(context, command.type);
  return [{ type: 'CustomerNoteAdded', data: { ...base, noteId, text, kind, popup, author: context.actor ?? null } }];
}

export function editNote(command: EditNote, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as EditNote['data'];
  const note = customer.notes.find((item) => item.id === input?.noteId);
  if (!note) refuse(RULES.noteNotFound, `Note ${String(input?.noteId)} does not exist on this customer`, { noteId: input?.noteId });
  const errors = new FieldErrors();
  const next = validatePresent<{ text: string; kind: (typeof NOTE_KINDS)[number]; popup: boolean }>(
    errors,
    input as unknown as Record<string, unknown>,
    { text: requiredText(CUSTOMER_LIMITS.noteText), kind: oneOf(NOTE_KINDS), popup: boolean() },
    ['text', 'kind', 'popup'],
  );
  errors.throwIfAny();
  const changes = diff(note, next, ['text', 'kind', 'popup']);
  return changes.length ? [{ type: 'CustomerNoteEdited', data: { ...base, noteId: note.id, changes } }] : [];
}

export function deleteNote(command: DeleteNote, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const note = customer.notes.find((item) => item.id === data.noteId);
  if (!note) refuse(RULES.noteNotFound, `Note ${String(data.noteId)} does not exist on this customer`, { noteId: data.noteId });
  return [{ type: 'CustomerNoteDeleted', data: { ...base, noteId: note.id } }];
}

export function grantCapBonus(command: GrantCapBonus, customer: Customer, context: NewIdContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as GrantCapBonus['data'];
  const errors = new FieldErrors();
  const megabytes = integer({ min: 1, max: CUSTOMER_LIMITS.capMegabytes })(errors, 'megabytes', input?.megabytes);
  const reason = requiredText(CUSTOMER_LIMITS.capReason)(errors, 'reason', input?.reason);
  const expiresAt = optionalDateTime()(errors, 'expiresAt', input?.expiresAt);
  if (expiresAt !== null && Date.parse(expiresAt) <= Date.parse(context.now)) errors.add('expiresAt', 'future', 'expiresAt must be in the future');
  errors.throwIfAny();
  const grantId = newId(context, command.type);
  return [{ type: 'CapBonusGranted', data: { ...base, grantId, megabytes, reason, expiresAt, grantedBy: context.actor ?? null } }];
}

export function revokeCapBonus(command: RevokeCapBonus, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const grant = customer.capGrants.find((item) => item.id === data.grantId);
  if (!grant) refuse(RULES.capGrantNotFound, `CAP grant ${String(data.grantId)} does not exist on this customer`, { grantId: data.grantId });
  const reason = validReason(data.reason);
  if (grant.revoked) refuse(RULES.capGrantAlreadyRevoked, `CAP grant ${grant.id} is already revoked`, { grantId: grant.id });
  return [{ type: 'CapBonusRevoked', data: { ...base, grantId: grant.id, megabytes: grant.megabytes, reason } }];
}

export function assignHardware(command: AssignHardware, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as AssignHardware['data'];
  const errors = new FieldErrors();
  const itemId = requiredText(CUSTOMER_LIMITS.hardwareItemId)(errors, 'itemId', typeof input?.itemId === 'number' ? String(input.itemId) : input?.itemId);
  const productName = requiredText(CUSTOMER_LIMITS.hardwareProductName)(errors, 'productName', input?.productName);
  const barcode = optionalText(CUSTOMER_LIMITS.hardwareBarcode)(errors, 'barcode', input?.barcode);
  const status = oneOf(HARDWARE_STATUSES)(errors, 'status', input?.status ?? 'assigned');
  errors.throwIfAny();
  if (customer.hardware.some((item) => item.itemId === itemId)) {
    refuse(RULES.hardwareAlreadyAssigned, `Item ${itemId} is already assigned to this customer`, { itemId });
  }
  return [{ type: 'HardwareAssigned', data: { ...base, itemId, productName, barcode, status } }];
}

export function unassignHardware(command: UnassignHardware, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const itemId = typeof data.itemId === 'number' ? String(data.itemId) : data.itemId;
  const item = customer.hardware.find((entry) => entry.itemId === itemId);
  if (!item) refuse(RULES.hardwareNotFound, `Item ${String(itemId)} is not assigned to this customer`, { itemId });
  return [{ type: 'HardwareUnassigned', data: { ...base, itemId: item.itemId, productName: item.productName, reason: validReason(data.reason) } }];
}

export function addContact(command: AddContact, customer: Customer, context: NewIdContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as AddContact['data'];
  const errors = new FieldErrors();
  const name = requiredText(CUSTOMER_LIMITS.contactName)(errors, 'name', input?.name);
  const role = optionalText(CUSTOMER_LIMITS.contactRole)(errors, 'role', input?.role);
  const email = optionalEmail()(errors, 'email', input?.email);
  const phone = optionalPhone()(errors, 'phone', input?.phone);
  errors.throwIfAny();
  return [{ type: 'ContactPersonAdded', data: { ...base, contactId: newId(context, command.type), name, role, email, phone } }];
}

export function removeContact(command: RemoveContact, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const contact = customer.contacts.find((item) => item.id === data.contactId);
  if (!contact) refuse(RULES.contactNotFound, `Contact ${String(data.contactId)} does not exist on this customer`, { contactId: data.contactId });
  return [{ type: 'ContactPersonRemoved', data: { ...base, contactId: contact.id, name: contact.name } }];
}

export function addAddress(command: AddAddress, customer: Customer, context: NewIdContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const input = command.data as AddAddress['data'];
  const errors = new FieldErrors();
  const label = optionalText(CUSTOMER_LIMITS.addressLabel)(errors, 'label', input?.label);
  const street = requiredText(CUSTOMER_LIMITS.street)(errors, 'street', input?.street);
  const street2 = optionalText(CUSTOMER_LIMITS.street2)(errors, 'street2', input?.street2);
  const zipCode = optionalText(CUSTOMER_LIMITS.zipCode)(errors, 'zipCode', input?.zipCode);
  const city = optionalText(CUSTOMER_LIMITS.city)(errors, 'city', input?.city);
  const country = optionalCountry()(errors, 'country', input?.country);
  const geo = optionalGeo()(errors, 'geo', input?.geo);
  errors.throwIfAny();
  return [
    {
      type: 'AdditionalAddressAdded',
      data: { ...base, addressId: newId(context, command.type), label, street, street2, zipCode, city, country, geo },
    },
  ];
}

export function removeAddress(command: RemoveAddress, customer: Customer, context: DecisionContext): CustomerEvent[] {
  const base = baseOf(customer, context);
  const data = dataOf(command);
  const address = customer.addresses.find((item) => item.id === data.addressId);
  if (!address) refuse(RULES.addressNotFound, `Address ${String(data.addressId)} does not exist on this customer`, { addressId: data.addressId });
  return [{ type: 'AdditionalAddressRemoved', data: { ...base, addressId: address.id } }];
}

/** This concern's decisions, by command type. */
export const SUB_ENTITY_DECISIONS: Pick<CustomerDecisions, 'AddComment' | 'EditComment' | 'DeleteComment' | 'AddNote' | 'EditNote' | 'DeleteNote' | 'GrantCapBonus' | 'RevokeCapBonus' | 'AssignHardware' | 'UnassignHardware' | 'AddContact' | 'RemoveContact' | 'AddAddress' | 'RemoveAddress'> = {
  AddComment: addComment,
  EditComment: editComment,
  DeleteComment: deleteComment,
  AddNote: addNote,
  EditNote: editNote,
  DeleteNote: deleteNote,
  GrantCapBonus: grantCapBonus,
  RevokeCapBonus: revokeCapBonus,
  AssignHardware: assignHardware,
  UnassignHardware: unassignHardware,
  AddContact: addContact,
  RemoveContact: removeContact,
  AddAddress: addAddress,
  RemoveAddress: removeAddress,
};
