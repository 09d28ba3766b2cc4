/**
 * Pure projection of the aggregate state to the customer resource of docs/api.md (used for time travel
 * and for answering writes). Secrets are left out: no password ciphertext, no PIN.
 */
import type {
  AdditionalAddress,
  AdditionalFieldValue,
  AuthorRef,
  BillingSettings,
  BillingType,
  CapGrant,
  Category,
  CommentType,
  ContactPerson,
  Customer,
  CustomerState,
  CustomerStatus,
  GeoPoint,
  HardwareStatus,
  NoteKind,
  VoipSettings,
} from './customer.types.js';

export interface CustomerView {
  id: number;
  login: string;
  status: CustomerStatus;
  billingType: BillingType;
  category: Category;
  fullName: string;
  emails: string[];
  billingEmails: string[];
  phones: string[];
  partnerId: number;
  locationId: number;
  street: string | null;
  street2: string | null;
  zipCode: string | null;
  city: string | null;
  geo: GeoPoint | null;
  dateOfBirth: string | null;
  identification: string | null;
  companyId: string | null;
  vatId: string | null;
  contactPerson: string | null;
  labels: string[];
  dateAdded: string;
  additionalFields: Record<string, AdditionalFieldValue>;
  balance: number;
  revision: number;
  isLead: boolean;
  deleted: boolean;
  deletedAt: string | null;
  createdAt: string;
  updatedAt: string;
  voip: Omit<VoipSettings, 'pinCiphertext'>;
  billing: BillingSettings;
  comments: { id: string; text: string; type: CommentType; pinned: boolean; author: AuthorRef | null; at: string; editedAt: string | null }[];
  notes: { id: string; text: string; kind: NoteKind; popup: boolean; author: AuthorRef | null; at: string; editedAt: string | null }[];
  cap: {
    grants: { id: string; megabytes: number; reason: string; expiresAt: string | null; revoked: boolean; grantedAt: string; grantedBy: AuthorRef | null }[];
    bonusMegabytesTotal: number;
  };
  hardware: { itemId: string; productName: string; barcode: string | null; status: HardwareStatus; assignedAt: string }[];
  contacts: ContactPerson[];
  addresses: AdditionalAddress[];
  /** When the personal data was erased (its fields read "[erased]"); null while it is not. */
  personalDataErasedAt: string | null;
}

/** A grant counts while it is neither revoked nor expired at `now`. */
export function isCapGrantActive(grant: Pick<CapGrant, 'revoked' | 'expiresAt'> & { expired?: boolean }, now: string): boolean {
  return !grant.revoked && grant.expired !== true && (grant.expiresAt === null || Date.parse(grant.expiresAt) > Date.parse(now));
}

/** Sum of the megabytes of the grants active at `now`. */
export function bonusMegabytesTotal(grants: readonly (Pick<CapGrant, 'megabytes' | 'revoked' | 'expiresAt'> & { expired?: boolean })[], now: string): number {
  return grants.filter((grant) => isCapGrantActive(grant, now)).reduce((sum, grant) => sum + grant.megabytes, 0);
}

/**
 * The resource shape. `now` decides which CAP grants have expired: pass the request time for a live
 * view, the as-of time for time travel; it defaults to the time of the last event. Returns null
 * when the customer does not exist (at that point in its history).
 */
export function toCustomerView(state: CustomerState, options: { now?: string } = {}): CustomerView | null {
  if (!state.exists) return null;
  const customer: Customer = state;
  const now = options.now ?? customer.updatedAt;
  const { pinCiphertext: _pinCiphertext, ...voip } = customer.voip;
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    id: customer.id,
    login: customer.login,
    status: customer.status,
    billingType: customer.billingType,
    category: customer.category,
    fullName: customer.fullName,
    emails: [...customer.emails],
    billingEmails: [...customer.billingEmails],
    phones: [...customer.phones],
    partnerId: customer.partnerId,
    locationId: customer.locationId,
    street: customer.street,
    street2: customer.street2,
    zipCode: customer.zipCode,
    city: customer.city,
    geo: customer.geo ? { ...customer.geo } : null,
    dateOfBirth: customer.dateOfBirth,
    identification: customer.identification,
    companyId: customer.companyId,
    vatId: customer.vatId,
    contactPerson: customer.contactPerson,
    labels: [...customer.labels],
    dateAdded: customer.dateAdded,
    additionalFields: copy(customer.additionalFields),
    balance: customer.balance,
    revision: customer.revision,
    isLead: customer.isLead,
    deleted: customer.deleted,
    deletedAt: customer.deletedAt,
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    voip,
    billing: copy(customer.billing),
    comments: customer.comments.map(({ id, text, type, pinned, author, at, editedAt }) => ({ id, text, type, pinned, author: copy(author), at, editedAt })),
    notes: customer.notes.map(({ id, text, kind, popup, author, at, editedAt }) => ({ id, text, kind, popup, author: copy(author), at, editedAt })),
    cap: {
      grants: customer.capGrants.map(({ id, megabytes, reason, expiresAt, revoked, grantedAt, grantedBy }) => ({
        id,
        megabytes,
        reason,
        expiresAt,
        revoked,
        grantedAt,
        grantedBy: copy(grantedBy),
      })),
      bonusMegabytesTotal: bonusMegabytesTotal(customer.capGrants, now),
    },
    hardware: customer.hardware.map((item) => ({ ...item })),
    contacts: customer.contacts.map((contact) => ({ ...contact })),
    addresses: customer.addresses.map((address) => copy(address)),
    personalDataErasedAt: customer.personalDataErasedAt ?? null,
  };
}
