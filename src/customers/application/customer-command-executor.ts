import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { CLOCK, systemClock, type Clock } from '../../domain-kernel/clock.js';
import type { PartnerScope } from '../../auth/partner-scope.js';
import { PartnerScopes } from '../../auth/partner-scopes.js';
import { loadAggregate, PreconditionFailedError, runCommand, StreamHeads } from '../../event-sourcing/command-runner.js';
import type { Decider } from '../../domain-kernel/decider.js';
import { EVENT_STORE, type EventMetadata, type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import { ReferenceDataReader } from '../../reference-data/application/reference-data.reader.js';
import { ReferenceUsage } from '../../reference-data/application/reference-usage.js';
import { reasonRequired } from '../../reference-data/domain/index.js';
import {
  CUSTOMER_RULES,
  DomainRuleViolation,
  customerDecider,
  isValidationFailed,
  ValidationFailed,
  type FieldError,
  customerStreamId,
  toCustomerView,
  definedAdditionalFields,
  type AuthorRef,
  type Customer,
  type CustomerCommand,
  type CustomerContext,
  type CustomerEvent,
  type CustomerState,
  type CustomerView,
} from '../domain/index.js';
import { CustomerReservations } from './customer-reservations.js';
import { ReservingEventStore } from './reserving-event-store.js';
import type { AdditionalFieldDefinition } from '../../reference-data/domain/index.js';
import type { WriteOptions, WriteResult } from '../../event-sourcing/write-options.js';

/** A customer write's answer: the customer view after the write, plus the id of a sub-entity it created. */
export interface CustomerWrite extends WriteResult<CustomerView> {
  /** The id of the comment / note / CAP grant / contact / address / payment / charge the command created. */
  createdId?: string;
  /** The data of the event that created it (payments and charges are not part of the view). */
  createdData?: Record<string, unknown>;
}

export interface CustomerOutcome {
  state: Customer;
  events: CustomerEvent[];
  revision: number;
  position: string | null;
}

/** The rule of a write without the reason the customer settings require for its action. */
export const REASON_REQUIRED = 'reason.required';

/** Commands whose decision needs the known partner and location ids. */
const NEEDS_REFERENCES: ReadonlySet<string> = new Set(['CreateCustomer', 'EditCustomer', 'RevertChange']);
/** Commands whose decision needs the additional field definitions. */
const NEEDS_DEFINITIONS: ReadonlySet<string> = new Set(['CreateCustomer', 'EditCustomer', 'SetAdditionalFields', 'RevertChange']);
/** Where the id of a created sub-entity sits in the event data. */
const CREATED_ID_KEYS = ['commentId', 'noteId', 'grantId', 'contactId', 'addressId', 'paymentId', 'chargeId'] as const;
const CREATING_EVENTS: ReadonlySet<string> = new Set([
  'CustomerCommentAdded',
  'CustomerNoteAdded',
  'CapBonusGranted',
  'ContactPersonAdded',
  'AdditionalAddressAdded',
  'PaymentRecorded',
  'ChargeRecorded',
]);

/** What an automatic run decided on the customer's current state. */
export type AutomaticDecision =
  /** `reason` goes into the events' metadata (the timeline shows it). */
  | { command: CustomerCommand; context?: Partial<CustomerContext>; reason?: string | null }
  | { skip: string };

/** How an automatic command ended. */
export type AutomaticOutcome =
  | { kind: 'appended'; events: CustomerEvent[]; revision: number; position: string }
  /** An earlier run (this or another instance) already appended it: nothing appended now. */
  | { kind: 'already_applied'; revision: number; position: string }
  | { kind: 'skipped'; note: string; revision: number };

/**
 * The event id of the `index`-th event an automatic run identified by `seed` appends: a UUID
 * (version 8, RFC 9562) from sha256(seed:index). The same run, repeated, appends the same ids,
 * which the event store answers as a replay.
 */
export function derivedEventId(seed: string, index: number | string): string {
  const hex = createHash('sha256').update(`${seed}:${index}`).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function authorOf(metadata: EventMetadata): AuthorRef | null {
  return metadata.actor ? { id: metadata.actor.id, name: metadata.actor.name } : null;
}

function customerNotFound(customerId: number): DomainRuleViolation {
  return new DomainRuleViolation(CUSTOMER_RULES.notFound, 'The customer does not exist', { customerId });
}

/** Whether a restricted scope must not see this state: an existing customer of another partner. */
function outsideScope(state: CustomerState, scope: PartnerScope): boolean {
  return state.exists && !scope.allows(state.partnerId);
}

/**
 * The customer decider, seen through a partner scope: an existing customer outside the scope does
 * not exist (customer.not_found, 404), decided on the very state the command is decided on, so a
 * concurrent move between partners cannot slip a write past the check.
 */
function scopedDecider(scope: PartnerScope, customerId: number): Decider<CustomerCommand, CustomerState, CustomerEvent, CustomerContext> {
  if (scope.unrestricted) return customerDecider;
  return {
    initialState: customerDecider.initialState,
    evolve: customerDecider.evolve,
    decide(command, state, context) {
      if (outsideScope(state, scope)) throw customerNotFound(customerId);
      return customerDecider.decide(command, state, context);
    },
  };
}

/**
 * Runs one customer command: builds the CustomerContext (time, actor, a fresh id, and — where the
 * command needs them — known partner / location ids and field definitions from the reference-data
 * streams), then load → decide → append with the expected revision through `runCommand` (bounded
 * retry on conflict, none under If-Match). The append goes through a ReservingEventStore, which
 * keeps logins, account numbers and unique field values reserved in step with the stream.
 *
 * Partner scope: the acting admin (metadata.actor) reaches only customers of their partners. One
 * of another partner answers customer.not_found (404), as on the read side; creating a customer
 * in, or moving one to, a partner outside the scope is customer.partner.unknown (the partner does
 * not exist for them). An actor that is no known admin reaches nothing.
 */
@Injectable()
export class CustomerCommandExecutor {
  /** Customers this instance wrote last: their next command needs no stream read (see StreamHeads). */
  private readonly heads = new StreamHeads<CustomerState>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ReferenceDataReader) private readonly reader: ReferenceDataReader,
    @Inject(CustomerReservations) private readonly reservations: CustomerReservations,
    @Inject(ReferenceUsage) private readonly usage: ReferenceUsage,
    @Inject(PartnerScopes) private readonly scopes: PartnerScopes,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.clock ??= systemClock;
  }

  /**
   * Runs an automatic command (a due action, no admin behind it): unrestricted by partner scope,
   * decided by the same decider on the stream as it is now, appended at exactly the revision read
   * with event ids derived from `seed`. Crash-safe both ways: if a run appended and died before
   * its caller recorded it, the next run finds the derived id in the stream and appends nothing
   * (`already_applied`); if it died before appending, the next run decides afresh. A concurrent
   * writer makes the append fail; the decision is then made again on the new state (bounded).
   * The same load → decide → append loop as a human command (runCommand), with derived event ids.
   * A refusal of the decider is thrown (DomainRuleViolation / ValidationFailed), nothing appended.
   */
  async runAutomatic(
    customerId: number,
    decide: (state: CustomerState) => AutomaticDecision,
    options: { seed: string; metadata: EventMetadata; now: string; maxAttempts?: number },
  ): Promise<AutomaticOutcome> {
    const streamId = customerStreamId(customerId);
    const firstId = derivedEventId(options.seed, 0);
    // What the last read and decision found, for the answer (runCommand answers only events).
    const last: { earlier?: RecordedEvent; skip?: string; reason?: string | null } = {};
    const automatic: Decider<null, CustomerState, CustomerEvent, CustomerContext> = {
      initialState: customerDecider.initialState,
      evolve: customerDecider.evolve,
      decide(_command, state, context) {
        const decision = decide(state);
        last.skip = 'skip' in decision ? decision.skip : undefined;
        last.reason = 'skip' in decision ? null : (decision.reason ?? null);
        if ('skip' in decision) return [];
        return customerDecider.decide(decision.command, state, { ...context, ...(decision.context ?? {}) });
      },
    };
    const store = new ReservingEventStore(this.store, customerId, {
      reservations: this.reservations,
      definitions: () => this.reader.definitions(),
      recordUsage: (id, references) => this.usage.record(id, references),
    });
    const outcome = await runCommand(store, streamId, automatic, null, {
      metadata: { ...options.metadata, occurredAt: options.metadata.occurredAt ?? options.now },
      maxAttempts: options.maxAttempts ?? 5,
      context: () => ({ now: options.now, actor: authorOf(options.metadata), newId: derivedEventId(options.seed, 'new-id') }),
      eventId: (index) => derivedEventId(options.seed, index),
      decisionMetadata: () => (last.reason ? { reason: last.reason } : undefined),
      settledBy: (events) => (last.earlier = events.find((event) => event.id === firstId)) !== undefined,
    }).finally(() => this.heads.forget(streamId));
    if (last.earlier) return { kind: 'already_applied', revision: last.earlier.revision, position: last.earlier.position };
    if (outcome.position === null) return { kind: 'skipped', note: last.skip ?? 'the decision changed nothing', revision: outcome.revision };
    return { kind: 'appended', events: outcome.events, revision: outcome.revision, position: outcome.position };
  }

  /** The acting admin's partner scope; an actor that is no known admin is refused as not found. */
  private async scopeOf(customerId: number, options: WriteOptions): Promise<PartnerScope> {
    const scope = await this.scopes.of(options.metadata.actor);
    if (scope === null) throw customerNotFound(customerId);
    return scope;
  }

  async run(
    customerId: number,
    command: CustomerCommand,
    options: WriteOptions,
    extraContext?: () => Partial<CustomerContext> | Promise<Partial<CustomerContext>>,
  ): Promise<CustomerOutcome> {
    const scope = await this.scopeOf(customerId, options);
    await this.assertReasonGiven(command, options);
    const store = new ReservingEventStore(this.store, customerId, {
      reservations: this.reservations,
      definitions: () => this.reader.definitions(),
      recordUsage: (id, references) => this.usage.record(id, references),
    });
    const outcome = await runCommand(store, customerStreamId(customerId), scopedDecider(scope, customerId), command, {
      metadata: options.metadata,
      expectedRevision: options.expectedRevision,
      heads: this.heads,
      context: () => this.contextFor(command, scope, options, extraContext),
    }).catch(async (error: unknown) => {
      // If-Match is checked before the decision: a stale revision must not tell another partner's
      // admin that the customer exists (nor its revision).
      if (error instanceof PreconditionFailedError && !scope.unrestricted && outsideScope((await this.load(customerId)).state, scope)) {
        throw customerNotFound(customerId);
      }
      throw error;
    });
    if (!outcome.state.exists) throw new Error(`Customer ${customerId}: the command left no customer`);
    return { state: outcome.state, events: outcome.events, revision: outcome.revision, position: outcome.position };
  }

  /**
   * The customer settings can require a reason for chosen actions (reasonRequiredFor): without one
   * the command is refused with 422 `reason.required` naming the field, before anything is decided.
   */
  private async assertReasonGiven(command: CustomerCommand, options: WriteOptions): Promise<void> {
    const reason = options.metadata.reason;
    if (typeof reason === 'string' && reason.trim() !== '') return;
    const { settings } = (await this.reader.settings()).state;
    if (!reasonRequired(settings, command.type)) return;
    throw new ValidationFailed([
      { field: 'reason', rule: REASON_REQUIRED, message: `reason is required: the customer settings require a reason for ${command.type} (reasonRequiredFor)` },
    ]);
  }

  /**
   * The field errors the decider finds in a command, without appending anything: for answering
   * them together with the errors of an earlier round (format, password policy). A refusal, or a
   * customer the actor may not see, yields none here; running the command answers it.
   */
  async fieldErrors(
    customerId: number,
    command: CustomerCommand,
    options: WriteOptions,
    extraContext?: () => Partial<CustomerContext> | Promise<Partial<CustomerContext>>,
  ): Promise<FieldError[]> {
    try {
      const scope = await this.scopeOf(customerId, options);
      const state = command.type === 'CreateCustomer' ? customerDecider.initialState : (await this.load(customerId)).state;
      scopedDecider(scope, customerId).decide(command, state, await this.contextFor(command, scope, options, extraContext));
    } catch (error) {
      if (isValidationFailed(error)) return error.errors;
    }
    return [];
  }

  private async contextFor(
    command: CustomerCommand,
    scope: PartnerScope,
    options: WriteOptions,
    extraContext?: () => Partial<CustomerContext> | Promise<Partial<CustomerContext>>,
  ): Promise<CustomerContext> {
    const [knownPartnerIds, knownLocationIds, additionalFieldDefinitions] = await Promise.all([
      NEEDS_REFERENCES.has(command.type) ? this.reader.knownPartnerIds().then((known) => scope.narrow(known)) : undefined,
      NEEDS_REFERENCES.has(command.type) ? this.reader.knownLocationIds() : undefined,
      NEEDS_DEFINITIONS.has(command.type) ? this.reader.definitions() : undefined,
    ]);
    return {
      now: this.clock.now().toISOString(),
      actor: authorOf(options.metadata),
      newId: randomUUID(),
      ...(knownPartnerIds ? { knownPartnerIds } : {}),
      ...(knownLocationIds ? { knownLocationIds } : {}),
      ...(additionalFieldDefinitions ? { additionalFieldDefinitions } : {}),
      ...(extraContext ? await extraContext() : {}),
    };
  }

  /** Runs the command and answers the customer view. */
  async write(
    customerId: number,
    command: CustomerCommand,
    options: WriteOptions,
    extraContext?: () => Partial<CustomerContext> | Promise<Partial<CustomerContext>>,
  ): Promise<CustomerWrite> {
    const outcome = await this.run(customerId, command, options, extraContext);
    return this.answer(outcome, await this.reader.definitions());
  }

  /** The view after the write; additional fields only as currently defined (see definedAdditionalFields). */
  answer(outcome: CustomerOutcome, definitions: readonly AdditionalFieldDefinition[]): CustomerWrite {
    const view = toCustomerView(outcome.state, { now: new Date().toISOString() }) as CustomerView;
    const resource = { ...view, additionalFields: definedAdditionalFields(view.additionalFields, definitions) };
    const created = outcome.events.find((event) => CREATING_EVENTS.has(event.type));
    const data = (created?.data ?? {}) as Record<string, unknown>;
    const createdId = CREATED_ID_KEYS.map((key) => data[key]).find((value): value is string => typeof value === 'string');
    return { resource, revision: outcome.revision, position: outcome.position, ...(createdId ? { createdId, createdData: data } : {}) };
  }

  /** The customer's stream folded (up to a revision), for reads of the write side. Not partner-scoped: see `loadFor`. */
  async load(customerId: number, upToRevision?: number): Promise<{ state: CustomerState; revision: number; events: RecordedEvent[] }> {
    return loadAggregate(this.store, customerStreamId(customerId), customerDecider, upToRevision);
  }

  /**
   * The customer's current state as the command's actor may see it, for a handler that looks at it
   * before the command (a customer of another partner is customer.not_found, before any other
   * answer that could tell something about it). `run` checks the scope again on the state it decides on.
   */
  async loadFor(customerId: number, options: WriteOptions): Promise<{ state: CustomerState; revision: number }> {
    const scope = await this.scopeOf(customerId, options);
    const { state, revision } = await this.load(customerId);
    if (outsideScope(state, scope)) throw customerNotFound(customerId);
    return { state, revision };
  }
}
