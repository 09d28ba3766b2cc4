/**
 * Reference data, pure deciders: partners ('partners' stream), locations ('locations'),
 * additional field definitions ('additional-field-definitions'), customer settings
 * ('settings-customers'). Errors are the customer domain's (shared kernel).
 */
export { DomainRuleViolation, ValidationFailed, type FieldError } from '../../domain-kernel/errors.js';
export * from './named-entities.js';
export { REFERENCE_DATA_LIMITS } from './reference-data.limits.js';
export * from './partners.js';
export * from './locations.js';
export * from './additional-field-definitions.js';
export * from './customer-settings.js';
export { REFERENCE_DATA_EVENT_CATALOG } from './event-catalog.js';
