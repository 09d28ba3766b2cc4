import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { loadAggregate, runCommand } from '../../event-sourcing/command-runner.js';
import { EVENT_STORE, type EventMetadata, type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import { ReferenceDataReader } from '../../reference-data/application/reference-data.reader.js';
import { ReferenceUsage } from '../../reference-data/application/reference-usage.js';
import {
  customerDecider,
  customerStreamId,
  toCustomerView,
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
import type { WriteOptions, WriteResult } from './write-options.js';

/** A customer write's answer: the customer view after the write, plus the id of a sub-entity it created. */
export interface CustomerWrite extends WriteResult<CustomerView> {
  /** The id of the comment / note / CAP grant / contact / address / payment / charge the command created. */
  createdId?: string;
}

export interface CustomerOutcome {
  state: Customer;
  events: CustomerEvent[];
  revision: number;
  position: string | null;
}

/** Commands whose decision needs the known partner and location ids. */
const NEEDS_REFERENCES: ReadonlySet<string> = new Set(['CreateCustomer', 'EditCustomer']);
/** Commands whose decision needs the additional field definitions. */
const NEEDS_DEFINITIONS: ReadonlySet<string> = new Set(['CreateCustomer', 'EditCustomer', 'SetAdditionalFields']);
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

export function authorOf(metadata: EventMetadata): AuthorRef | null {
  return metadata.actor ? { id: metadata.actor.id, name: metadata.actor.name } : null;
}

/**
 * Runs one customer command: builds the CustomerContext (time, actor, a fresh id, and — where the
 * command needs them — known partner / location ids and field definitions from the reference-data
 * streams), then load → decide → append with the expected revision through `runCommand` (bounded
 * retry on conflict, none under If-Match). The append goes through a ReservingEventStore, which
 * keeps logins, account numbers and unique field values reserved in step with the stream.
 */
@Injectable()
export class CustomerCommandExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ReferenceDataReader) private readonly reader: ReferenceDataReader,
    @Inject(CustomerReservations) private readonly reservations: CustomerReservations,
    @Inject(ReferenceUsage) private readonly usage: ReferenceUsage,
  ) {}

  async run(
    customerId: number,
    command: CustomerCommand,
    options: WriteOptions,
    extraContext?: () => Partial<CustomerContext> | Promise<Partial<CustomerContext>>,
  ): Promise<CustomerOutcome> {
    const store = new ReservingEventStore(this.store, customerId, {
      reservations: this.reservations,
      definitions: () => this.reader.definitions(),
      recordUsage: (id, references) => this.usage.record(id, references),
    });
    const outcome = await runCommand(store, customerStreamId(customerId), customerDecider, command, {
      metadata: options.metadata,
      expectedRevision: options.expectedRevision,
      context: async () => {
        const [knownPartnerIds, knownLocationIds, additionalFieldDefinitions] = await Promise.all([
          NEEDS_REFERENCES.has(command.type) ? this.reader.knownPartnerIds() : undefined,
          NEEDS_REFERENCES.has(command.type) ? this.reader.knownLocationIds() : undefined,
          NEEDS_DEFINITIONS.has(command.type) ? this.reader.definitions() : undefined,
        ]);
        const context: CustomerContext = {
          now: new Date().toISOString(),
          actor: authorOf(options.metadata),
          newId: randomUUID(),
          ...(knownPartnerIds ? { knownPartnerIds } : {}),
          ...(knownLocationIds ? { knownLocationIds } : {}),
          ...(additionalFieldDefinitions ? { additionalFieldDefinitions } : {}),
          ...(extraContext ? await extraContext() : {}),
        };
        return context;
      },
    });
    if (!outcome.state.exists) throw new Error(`Customer ${customerId}: the command left no customer`);
    return { state: outcome.state, events: outcome.events, revision: outcome.revision, position: outcome.position };
  }

  /** Runs the command and answers the customer view. */
  async write(
    customerId: number,
    command: CustomerCommand,
    options: WriteOptions,
    extraContext?: () => Partial<CustomerContext> | Promise<Partial<CustomerContext>>,
  ): Promise<CustomerWrite> {
    return this.answer(await this.run(customerId, command, options, extraContext));
  }

  answer(outcome: CustomerOutcome): CustomerWrite {
    const resource = toCustomerView(outcome.state, { now: new Date().toISOString() }) as CustomerView;
    const created = outcome.events.find((event) => CREATING_EVENTS.has(event.type));
    const data = (created?.data ?? {}) as Record<string, unknown>;
    const createdId = CREATED_ID_KEYS.map((key) => data[key]).find((value): value is string => typeof value === 'string');
    return { resource, revision: outcome.revision, position: outcome.position, ...(createdId ? { createdId } : {}) };
  }

  /** The customer's stream folded (up to a revision), for reads of the write side. */
  async load(customerId: number, upToRevision?: number): Promise<{ state: CustomerState; revision: number; events: RecordedEvent[] }> {
    return loadAggregate(this.store, customerStreamId(customerId), customerDecider, upToRevision);
  }
}
