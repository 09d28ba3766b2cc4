/** Shared fixtures for the customer domain specs. */
import {
  customerDecider,
  decideCustomer,
  type AdditionalFieldDefinition,
  type CreateCustomerInput,
  type CompleteCustomerContext,
  type CustomerEvent,
  type CustomerStatus,
} from '../../src/customers/domain/index.js';
import { DEFINITION_DEFAULTS } from '../../src/reference-data/domain/index.js';
import { specFor } from './given-when-then.js';

export const NOW = '2025-03-01T10:00:00.000Z';
export const LATER = '2025-03-02T10:00:00.000Z';
export const CUSTOMER_ID = 1001;
export const ACTOR = { id: 'admin-1', name: 'Alice Admin' };

export function baseContext(): CompleteCustomerContext {
  return {
    now: NOW,
    actor: ACTOR,
    newId: 'id-1',
    knownPartnerIds: [1, 2],
    knownLocationIds: [10, 11],
    additionalFieldDefinitions: [],
    creation: { customerId: CUSTOMER_ID, login: 'jdoe', passwordCiphertext: 'v1:cipher', accountNumber: '4000000001', pinCiphertext: 'v1:pin-cipher' },
    passwordCiphertext: 'v1:new-cipher',
    pinCiphertext: 'v1:new-pin-cipher',
  };
}

export const customerSpec = specFor(customerDecider, baseContext);

export const minimalInput: CreateCustomerInput = { fullName: 'John Doe', partnerId: 1, locationId: 10 };

/** A CustomerCreated event as the decider makes it. */
export function created(input: Partial<CreateCustomerInput> = {}, context: Partial<CompleteCustomerContext> = {}): CustomerEvent {
  const [event] = decideCustomer({ type: 'CreateCustomer', data: { ...minimalInput, ...input } }, { exists: false, revision: -1 }, { ...baseContext(), ...context });
  return event;
}

const STATUS_EVENT_TYPE = { active: 'CustomerActivated', blocked: 'CustomerBlocked', inactive: 'CustomerDeactivated' } as const;

export function statusChanged(from: CustomerStatus, to: Exclude<CustomerStatus, 'new'>, reason: string | null = null): CustomerEvent {
  return {
    type: STATUS_EVENT_TYPE[to],
    data: { customerId: CUSTOMER_ID, at: NOW, from, to, reason, changes: [{ field: 'status', from, to }] },
  } as CustomerEvent;
}

/** History reaching the given status from new. */
export function historyTo(status: CustomerStatus): CustomerEvent[] {
  const start = created();
  if (status === 'new') return [start];
  return [start, statusChanged('new', status)];
}

export const deletedEvent: CustomerEvent = {
  type: 'CustomerDeleted',
  data: { customerId: CUSTOMER_ID, at: NOW, status: 'inactive', reason: null, changes: [{ field: 'deleted', from: false, to: true }] },
};

export const leadEvent: CustomerEvent = {
  type: 'CustomerConvertedToLead',
  data: { customerId: CUSTOMER_ID, at: NOW, reason: null, changes: [{ field: 'isLead', from: false, to: true }] },
};

export function fieldDefinition(definition: Partial<AdditionalFieldDefinition> & Pick<AdditionalFieldDefinition, 'name' | 'type'>): AdditionalFieldDefinition {
  return { ...DEFINITION_DEFAULTS, label: definition.name, ...definition };
}

export const DEFINITIONS: AdditionalFieldDefinition[] = [
  fieldDefinition({ name: 'contract_id', type: 'string', max: 10, required: true }),
  fieldDefinition({ name: 'floors', type: 'integer', min: 1, max: 50 }),
  fieldDefinition({ name: 'discount', type: 'decimal', min: 0, max: 100, default: 0 }),
  fieldDefinition({ name: 'vip', type: 'boolean' }),
  fieldDefinition({ name: 'contract_date', type: 'date' }),
  fieldDefinition({ name: 'installed_at', type: 'datetime' }),
  fieldDefinition({ name: 'plan', type: 'select', options: ['home', 'business'] }),
  fieldDefinition({ name: 'services', type: 'multiselect', options: ['internet', 'voip', 'tv'] }),
  fieldDefinition({ name: 'company_size', type: 'integer', appliesTo: 'company', required: true }),
  fieldDefinition({ name: 'nickname', type: 'string', appliesTo: 'person' }),
];
