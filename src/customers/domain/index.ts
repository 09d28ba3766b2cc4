/**
 * The customer domain, pure: no Nest, no SQL, no I/O. What the application layer wires:
 * - customerDecider {initialState, decide, evolve} (stream customer-<id>), CustomerContext;
 * - toCustomerView for time travel and write answers;
 * - the error types (DomainRuleViolation → 409/404, ValidationFailed → 422);
 * - pattern helpers to generate logins, passwords, account numbers and PINs, and the password policy;
 * - the event catalogue of the whole domain.
 */
export * from '../../domain-kernel/errors.js';
export * from '../../domain-kernel/decider.js';
export * from '../../domain-kernel/patterns.js';
export type { EventCatalogEntry, JsonSchema } from '../../domain-kernel/json-schema.js';
export { FieldErrors, isEmail, isPhone, isDate, parseDateTime, isTimeZone } from '../../domain-kernel/validation.js';
export * from './customer.types.js';
export type { AdditionalFieldDefinition } from '../../reference-data/domain/index.js';
export * from './customer.commands.js';
export * from './customer.events.js';
export * from './customer.rules.js';
export * from './customer.personal-data.js';
export * from './customer.automation.js';
export { CUSTOMER_LIMITS } from './customer.limits.js';
export { customerDecider, decideCustomer, evolveCustomer, SECRET_FIELDS } from './customer.decider.js';
export { isRevertible, whyNeverRevertible, REVERTIBLE_EVENT_TYPES } from './decide/revert.js';
export { toCustomerView, bonusMegabytesTotal, isCapGrantActive, type CustomerView } from './customer.view.js';
export { definedAdditionalFields, validateAdditionalFields, VOIP_DEFAULTS, BILLING_DEFAULTS, LOGIN_MAX_LENGTH, LOGIN_PATTERN } from './customer.validation.js';
export { EVENT_CATALOG, EVENT_SCHEMA_VERSIONS, CUSTOMER_EVENT_CATALOG, REFERENCE_DATA_EVENT_CATALOG, catalogEntry } from './event-catalog.js';
