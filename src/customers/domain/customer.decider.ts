/**
 * The customer decider: decide(command, state, context) → events; evolve(state, event) → state.
 * Pure: no I/O, no clock, no randomness. Refusals throw DomainRuleViolation (a stable rule code,
 * no events) or ValidationFailed (field errors). Order of checks: the customer exists → it is not
 * deleted (only Restore passes) → lead restrictions → read-only fields → value validation →
 * references (partner, location) → business rules.
 *
 * This file only dispatches; each concern decides in its own file under decide/: create, edit,
 * lifecycle, access, sub-entities, ledger, automatic (the billing-driven rules). The state folds in customer.evolve.ts.
 */
import { refuse } from '../../domain-kernel/errors.js';
import type { Decider } from '../../domain-kernel/decider.js';
import type { CustomerCommand, CustomerContext, CustomerContextFor, CustomerDecisions } from './customer.commands.js';
import type { CustomerEvent } from './customer.events.js';
import { evolveCustomer } from './customer.evolve.js';
import { CUSTOMER_RULES as RULES, REFUSED_FOR_LEADS } from './customer.rules.js';
import { initialCustomerState, type CustomerState } from './customer.types.js';
import { ACCESS_DECISIONS } from './decide/access.js';
import { AUTOMATIC_DECISIONS } from './decide/automatic.js';
import { createCustomer } from './decide/create.js';
import { EDIT_DECISIONS } from './decide/edit.js';
import { LEDGER_DECISIONS } from './decide/ledger.js';
import { LIFECYCLE_DECISIONS } from './decide/lifecycle.js';
import { SCHEDULE_DECISIONS } from './decide/schedule.js';
import { SUB_ENTITY_DECISIONS } from './decide/sub-entities.js';
import { compensationFor } from './decide/revert.js';
import { ERASURE_DECISIONS } from './decide/erasure.js';
import { holdsPersonalValue } from './customer.personal-data.js';

export { SECRET_FIELDS } from './decide/shared.js';
export { evolveCustomer };

/** Every command on an existing customer, by type: leaving one out does not compile. */
const DECISIONS: CustomerDecisions = {
  ...EDIT_DECISIONS,
  ...LIFECYCLE_DECISIONS,
  ...ACCESS_DECISIONS,
  ...SUB_ENTITY_DECISIONS,
  ...LEDGER_DECISIONS,
  ...SCHEDULE_DECISIONS,
  ...ERASURE_DECISIONS,
  ...AUTOMATIC_DECISIONS,
};

/**
 * Decides one command. The context is typed by the command: a CreateCustomer without
 * `context.creation`, or an AddComment without `context.newId`, is a compile error.
 */
export function decideCustomer<C extends CustomerCommand>(command: C, state: CustomerState, context: CustomerContextFor<C['type']>): CustomerEvent[] {
  if (!context || typeof context.now !== 'string' || Number.isNaN(Date.parse(context.now))) {
    throw new Error('decideCustomer: context.now (ISO string) is required');
  }
  const decided = command as CustomerCommand;
  if (decided.type === 'RevertChange') {
    const reverted = (context as CustomerContextFor<'RevertChange'>).reverted;
    if (!reverted || reverted.revision !== decided.data?.revision) throw new Error('decideCustomer(RevertChange): context.reverted must be the event at the revision to undo');
    if (!state.exists) refuse(RULES.notFound, 'The customer does not exist');
    // The command that takes the change back, decided like any other: every rule still holds.
    return decideCustomer(compensationFor(reverted, state), state, context as CustomerContext as never);
  }
  if (decided.type === 'CreateCustomer') return createCustomer(decided, state, context as CustomerContextFor<'CreateCustomer'>);
  if (!state.exists) refuse(RULES.notFound, 'The customer does not exist');
  const customer = state;
  // A scheduled change that falls due on a deleted customer records its failure itself.
  if (customer.deleted && decided.type !== 'RestoreCustomer' && decided.type !== 'ErasePersonalData' && decided.type !== 'RunScheduledChange') {
    refuse(RULES.deleted, `Customer ${customer.id} is deleted; only a restore is possible`, { customerId: customer.id });
  }
  if (customer.isLead && (REFUSED_FOR_LEADS as readonly string[]).includes(decided.type)) {
    refuse(RULES.isLead, `Customer ${customer.id} was converted to a lead; convert it back to a customer first`, { customerId: customer.id });
  }
  const decide = DECISIONS[decided.type] as ((command: CustomerCommand, customer: typeof state, context: CustomerContext) => CustomerEvent[]) | undefined;
  if (!decide) throw new Error(`decideCustomer: unknown command ${(command as { type: string }).type}`);
  const events = decide(decided, customer, context as CustomerContext);
  // After an erasure no new personal value is recorded: its key is gone, and so is the consent.
  if (customer.personalDataErasedAt !== null && events.some((event) => holdsPersonalValue(event.type, event.data as unknown as Record<string, unknown>))) {
    refuse(RULES.personalDataErased, `The personal data of customer ${customer.id} was erased; no new personal data can be recorded for it`, {
      erasedAt: customer.personalDataErasedAt,
    });
  }
  return events;
}

// ===== the decider ==============================================================================

export { initialCustomerState };

export const customerDecider: Decider<CustomerCommand, CustomerState, CustomerEvent, CustomerContext> = {
  initialState: initialCustomerState,
  decide: decideCustomer,
  evolve: evolveCustomer,
};

/** Chassaing-style names for this module: decide / evolve / initialState. */
export { decideCustomer as decide, evolveCustomer as evolve, initialCustomerState as initialState };
