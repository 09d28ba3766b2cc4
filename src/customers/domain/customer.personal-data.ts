/**
 * Which values of a customer's events are personal data: what the store encrypts with the
 * customer's data key (crypto-shredding) and what reads "[erased]" once that key is destroyed.
 * Pure data, no crypto: the encrypting store (src/crypto/personal-data-event-store.ts) applies it.
 *
 * Personal: the name, emails, billing emails, phones, the main and additional addresses and their
 * geo points, date of birth, identification, company id, VAT id, contact person, the low-credit
 * notification email, the texts of comments and notes, and the contact persons' name, email and
 * phone. Not personal (kept readable for the business and the books): the login and the account
 * number (identifiers the customer is reserved under), status, billing, VoIP settings, labels,
 * additional fields (admin-defined), money movements (amounts, references, notes), CAP grants,
 * hardware and who did what.
 *
 * Reasons are free text an admin types and may name the person ("moved in with J. Smith"): the
 * reason of every customer event (metadata.reason, data.reason, a `reason` change) is sealed like a
 * personal value, except the erasure's own, which is the record of why the erasure was made.
 */

/** What a personal value reads once the customer's key is destroyed. */
export const ERASED = '[erased]';

/** Top-level fields of the customer (and dotted `changes` field names) that are personal. */
export const PERSONAL_FIELDS = [
  'fullName',
  'emails',
  'billingEmails',
  'phones',
  'street',
  'street2',
  'zipCode',
  'city',
  'geo',
  'dateOfBirth',
  'identification',
  'companyId',
  'vatId',
  'contactPerson',
  'voip.lowCreditNotificationEmail',
] as const;

const PERSONAL_CHANGE_FIELDS: ReadonlySet<string> = new Set(PERSONAL_FIELDS);

/**
 * Per event type, the dotted paths (into `data`) of personal values; `changes` entries are
 * covered separately (see isPersonalChange). Event types not listed hold no personal value
 * outside their changes.
 */
export const PERSONAL_DATA_PATHS: Readonly<Record<string, readonly string[]>> = {
  CustomerCreated: PERSONAL_FIELDS,
  CustomerCommentAdded: ['text'],
  CustomerNoteAdded: ['text'],
  ContactPersonAdded: ['name', 'email', 'phone'],
  ContactPersonRemoved: ['name'],
  AdditionalAddressAdded: ['label', 'street', 'street2', 'zipCode', 'city', 'geo'],
};

/** Event types whose `changes` entries for `text` are personal (the edited comment or note). */
const TEXT_CHANGE_EVENTS: ReadonlySet<string> = new Set(['CustomerCommentEdited', 'CustomerNoteEdited']);

/** Whether the `from` / `to` of a change entry of this event type are personal values. */
export function isPersonalChange(eventType: string, field: string): boolean {
  return PERSONAL_CHANGE_FIELDS.has(field) || (field === 'text' && TEXT_CHANGE_EVENTS.has(eventType)) || (field === REASON_FIELD && reasonIsPersonal(eventType));
}

/** The key of a reason, in the metadata and in the data of an event. */
export const REASON_FIELD = 'reason';

/** Whether the reasons of this customer event type are sealed (all but the erasure's own, see above). */
export function reasonIsPersonal(eventType: string): boolean {
  return eventType !== PERSONAL_DATA_ERASED_EVENT;
}

/** Whether a value is one an erasure left ("[erased]", ["[erased]"]). */
export function isErasedValue(value: unknown): boolean {
  return value === ERASED || (Array.isArray(value) && value.length === 1 && value[0] === ERASED);
}

const meaningful = (value: unknown): boolean =>
  value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0) && !isErasedValue(value);

/** Whether an event's data carries a personal value (what an erased customer may no longer record). */
export function holdsPersonalValue(type: string, data: Record<string, unknown>): boolean {
  for (const path of PERSONAL_DATA_PATHS[type] ?? []) {
    const [head, rest] = path.split('.', 2);
    const value = rest === undefined ? data[head] : (data[head] as Record<string, unknown> | undefined)?.[rest];
    if (meaningful(value)) return true;
  }
  const changes = Array.isArray(data.changes) ? (data.changes as { field?: unknown; to?: unknown }[]) : [];
  // A reason is no value of the person's record: an erased customer's later writes may carry one (the store erases it, see the store).
  return changes.some((change) => typeof change.field === 'string' && change.field !== REASON_FIELD && isPersonalChange(type, change.field) && meaningful(change.to));
}

/** The event recorded by an erasure: no personal value in it, only what was done and why. */
export const PERSONAL_DATA_ERASED_EVENT = 'CustomerPersonalDataErased';
