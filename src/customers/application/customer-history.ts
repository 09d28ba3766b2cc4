import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import {
  CUSTOMER_RULES,
  DomainRuleViolation,
  REDACTED,
  customerDecider,
  customerStreamId,
  toCustomerView,
  type CustomerEvent,
  type CustomerState,
  type CustomerView,
} from '../domain/index.js';

export interface StreamEventView {
  id: string;
  type: string;
  schemaVersion: number;
  revision: number;
  position: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface CustomerEventsPage {
  customerId: number;
  events: StreamEventView[];
  /** Revision of the last event of the stream. */
  revision: number;
  /** Where to continue (fromRevision) when the page is full; null at the end. */
  nextRevision: number | null;
}

export interface CustomerStateAt {
  customer: CustomerView;
  revision: number;
  /** Recorded time of the last event folded in. */
  at: string;
}

/**
 * Reads of one customer's stream for auditors: the raw events and the customer as of a time or a
 * revision (time travel). They read the event store, not the read models. Secrets stay out: the
 * password and the PIN are only ever in events sealed (a plain `pin` of an older event is redacted).
 */
@Injectable()
export class CustomerHistory {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async events(customerId: number, options: { fromRevision?: number; limit?: number } = {}): Promise<CustomerEventsPage> {
    const limit = options.limit ?? 500;
    const all = await this.read(customerId);
    const from = options.fromRevision ?? 0;
    const page = all.filter((event) => event.revision >= from).slice(0, limit);
    const last = all[all.length - 1];
    const lastOfPage = page[page.length - 1];
    return {
      customerId,
      events: page.map(redactedView),
      revision: last.revision,
      nextRevision: lastOfPage && lastOfPage.revision < last.revision ? lastOfPage.revision + 1 : null,
    };
  }

  /** The customer as it was at `asOf` (recorded time) or right after `revision`. */
  async stateAt(customerId: number, at: { asOf?: Date; revision?: number }): Promise<CustomerStateAt> {
    const all = await this.read(customerId);
    const upTo = all.filter(
      (event) => (at.revision === undefined || event.revision <= at.revision) && (at.asOf === undefined || event.recordedAt.getTime() <= at.asOf.getTime()),
    );
    const state = upTo.reduce<CustomerState>((current, event) => customerDecider.evolve(current, event as unknown as CustomerEvent), customerDecider.initialState);
    const last = upTo[upTo.length - 1];
    const customer = toCustomerView(state, { now: at.asOf?.toISOString() ?? last?.recordedAt.toISOString() });
    if (!customer || !last) {
      throw new DomainRuleViolation(CUSTOMER_RULES.notFound, `Customer ${customerId} did not exist yet at that ${at.revision !== undefined ? 'revision' : 'time'}`);
    }
    return { customer, revision: last.revision, at: last.recordedAt.toISOString() };
  }

  private async read(customerId: number): Promise<RecordedEvent[]> {
    const events = await this.store.readStream(customerStreamId(customerId)).catch((error: Error) => {
      if (error.name === 'StreamNotFoundError') return [] as RecordedEvent[];
      throw error;
    });
    if (events.length === 0) throw new DomainRuleViolation(CUSTOMER_RULES.notFound, `Customer ${customerId} does not exist`);
    return events;
  }
}

function redactedView(event: RecordedEvent): StreamEventView {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    revision: event.revision,
    position: event.position,
    recordedAt: event.recordedAt.toISOString(),
    data: redact(event.data),
    metadata: event.metadata as Record<string, unknown>,
  };
}

/**
 * Events now carry the PIN only sealed (voip.pinCiphertext, pinCiphertext). Events written before
 * that carried it in plain text (CustomerCreated.voip.pin, CustomerVoipSettingsChanged.pin): such a
 * plain PIN never leaves through the API.
 */
function redact(data: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...data };
  if (typeof copy.pin === 'string') copy.pin = REDACTED;
  if (copy.voip && typeof copy.voip === 'object' && typeof (copy.voip as Record<string, unknown>).pin === 'string') {
    copy.voip = { ...(copy.voip as Record<string, unknown>), pin: REDACTED };
  }
  return copy;
}
