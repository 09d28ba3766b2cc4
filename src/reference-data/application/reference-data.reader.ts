import { Inject, Injectable } from '@nestjs/common';
import type { Decider } from '../../domain-kernel/decider.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import {
  ADDITIONAL_FIELDS_STREAM,
  CUSTOMER_SETTINGS_STREAM,
  LOCATIONS_STREAM,
  PARTNERS_STREAM,
  activeIds,
  additionalFieldDefinitionsDecider,
  customerSettingsDecider,
  definitionList,
  locationsDecider,
  partnersDecider,
  type AdditionalFieldDefinition,
  type AdditionalFieldDefinitionsState,
  type CustomerSettingsState,
  type NamedEntitiesState,
} from '../domain/index.js';

type Folder<State> = Pick<Decider<unknown, State, any, unknown>, 'initialState' | 'evolve'>;

interface Folded<State> {
  state: State;
  /** Stream revision folded in (-1: the stream is empty). */
  revision: number;
}

/**
 * The reference-data streams folded into state, for the customer command side (known partner and
 * location ids, additional field definitions, customer settings) and for the reference-data
 * handlers' answers. The streams are tiny; each call reads only the events after the revision it
 * has cached (one indexed query that usually returns nothing), so a read always reflects every
 * write committed before it, on any instance, and stays cheap.
 */
@Injectable()
export class ReferenceDataReader {
  private readonly cache = new Map<string, Folded<unknown>>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  partners(): Promise<Folded<NamedEntitiesState>> {
    return this.read(PARTNERS_STREAM, partnersDecider);
  }

  locations(): Promise<Folded<NamedEntitiesState>> {
    return this.read(LOCATIONS_STREAM, locationsDecider);
  }

  additionalFields(): Promise<Folded<AdditionalFieldDefinitionsState>> {
    return this.read(ADDITIONAL_FIELDS_STREAM, additionalFieldDefinitionsDecider);
  }

  settings(): Promise<Folded<CustomerSettingsState>> {
    return this.read(CUSTOMER_SETTINGS_STREAM, customerSettingsDecider);
  }

  async knownPartnerIds(): Promise<number[]> {
    return activeIds((await this.partners()).state);
  }

  async knownLocationIds(): Promise<number[]> {
    return activeIds((await this.locations()).state);
  }

  async definitions(): Promise<AdditionalFieldDefinition[]> {
    return definitionList((await this.additionalFields()).state);
  }

  private async read<State>(streamId: string, decider: Folder<State>): Promise<Folded<State>> {
    const cached = (this.cache.get(streamId) as Folded<State> | undefined) ?? { state: decider.initialState, revision: -1 };
    let events: RecordedEvent[];
    try {
      events = await this.store.readStream(streamId, { fromRevision: cached.revision + 1 });
    } catch (error) {
      if ((error as Error).name !== 'StreamNotFoundError') throw error;
      events = [];
    }
    // Only events that extend the cached revision without a gap are folded in.
    let next = cached;
    for (const event of events) {
      if (event.revision !== next.revision + 1) continue;
      next = { state: decider.evolve(next.state, event as never), revision: event.revision };
    }
    const latest = this.cache.get(streamId);
    if (!latest || latest.revision < next.revision) this.cache.set(streamId, next);
    return next;
  }
}
