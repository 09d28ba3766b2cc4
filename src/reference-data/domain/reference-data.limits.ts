/**
 * The size limits of reference data, one constant per field, read by the deciders' validators and
 * by the HTTP DTOs alike. Lengths are in characters.
 */
import { PORTAL_PASSWORD_MAX_LENGTH, PORTAL_PASSWORD_MIN_LENGTH } from '../../domain-kernel/limits.js';

export const REFERENCE_DATA_LIMITS = {
  /** The name of a partner or a location. */
  name: 128,
  additionalFieldName: 64,
  additionalFieldLabel: 128,
  additionalFieldOptions: { items: 200, length: 128 },
  // customer settings: the credential generators
  credentialPattern: 64,
  credentialCharset: 256,
  accountNumberPrefixDigits: 19,
  loginLength: { min: 1, max: 32 },
  /** Generated portal passwords obey the portal-password limits. */
  passwordLength: { min: PORTAL_PASSWORD_MIN_LENGTH, max: PORTAL_PASSWORD_MAX_LENGTH },
  accountNumberLength: { min: 4, max: 20 },
  pinLength: { min: 4, max: 20 },
  /** Partners with their own automation switches in the customer settings. */
  automationPartners: 1000,
} as const;
