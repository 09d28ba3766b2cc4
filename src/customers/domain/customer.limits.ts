/**
 * The size limits of a customer's fields, one constant per field. The decider's validators and the
 * HTTP DTOs both read them, so the request check and the domain check can never disagree.
 * Lengths are in characters; `items` is the longest list.
 */
import { LOGIN_MAX_LENGTH, PHONE_MAX_LENGTH } from '../../domain-kernel/limits.js';

export const CUSTOMER_LIMITS = {
  // main information
  login: LOGIN_MAX_LENGTH,
  fullName: 255,
  identification: 64,
  companyId: 64,
  vatId: 64,
  contactPerson: 255,
  labels: { items: 50, length: 64 },
  // contact information
  emails: { items: 20 },
  phones: { items: 20, length: PHONE_MAX_LENGTH },
  // postal address (the customer's own and each additional address)
  street: 255,
  street2: 255,
  zipCode: 16,
  city: 100,
  addressLabel: 64,
  // VoIP settings
  accountNumberDigits: 20,
  province: 64,
  validDays: 36500,
  concurrentCalls: 100000,
  cps: 100000,
  // billing settings
  rateGroup: 64,
  taxes: { items: 20, length: 64 },
  taxNumber: 64,
  invoiceNote: 110,
  billingReference: 128,
  billingDay: 28,
  paymentDueDays: 365,
  blockingPeriodDays: 99,
  gracePeriodDays: 99,
  // actions and sub-entities
  reason: 500,
  /** A `from` / `to` of GET /customers/{id}/diff: a revision or an ISO time. */
  diffBound: 40,
  noteText: 10000,
  capReason: 500,
  capMegabytes: 100_000_000,
  hardwareItemId: 64,
  hardwareProductName: 255,
  hardwareBarcode: 128,
  contactName: 255,
  contactRole: 64,
  paymentReference: 128,
  paymentNote: 500,
  chargeDescription: 255,
  chargeReference: 128,
  /** Scheduled changes waiting to run on one customer. */
  pendingScheduledChanges: 50,
  /** How far ahead a change may be scheduled, in days (10 years). */
  scheduleHorizonDays: 3660,
  /** The largest payment or charge, in the customer's currency. */
  moneyAmount: 1_000_000_000,
} as const;
