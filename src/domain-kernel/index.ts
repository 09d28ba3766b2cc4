/**
 * The shared domain kernel: what every pure domain (customers, reference data, admins) builds on,
 * and nothing that belongs to one of them. No Nest, no SQL, no I/O.
 * - the Decider type (also what src/event-sourcing runs), DomainEvent, Change, fold, diff;
 * - the refusals (DomainRuleViolation → 409/404, ValidationFailed → 422) and field validators;
 * - credential patterns (logins, passwords, account numbers, PINs) and the portal-password policy;
 * - the limits more than one domain or layer shares (limits.ts);
 * - JSON Schema helpers for the event catalogue.
 */
export * from './errors.js';
export * from './decider.js';
export * from './patterns.js';
export * from './limits.js';
export * from './clock.js';
export { js, type EventCatalogEntry, type JsonSchema } from './json-schema.js';
export { FieldErrors, isEmail, isPhone, isDate, parseDateTime, isTimeZone } from './validation.js';
