import { Logger } from '@nestjs/common';
import type {
  AppendResult,
  EventStore,
  EventSubscription,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../../event-store/event-store.port.js';
import type { AdditionalFieldDefinition } from '../../reference-data/domain/index.js';
import type { CustomerReferences } from '../../reference-data/application/reference-usage.js';
import { customerDecider, type CustomerEvent, type CustomerState } from '../domain/index.js';
import { reservationKeys, reservationsOf, type CustomerReservations, type Reservation } from './customer-reservations.js';

/** Events that can change what a customer must hold (login, account number, unique fields, inventory items) or which partner / location it uses. */
const RESERVATION_EVENTS: ReadonlySet<string> = new Set([
  'CustomerCreated',
  'CustomerMainInfoChanged',
  'CustomerAdditionalFieldsChanged',
  'CustomerDeleted',
  'CustomerRestored',
  'HardwareAssigned',
  'HardwareUnassigned',
]);

export interface ReservingStoreDependencies {
  reservations: CustomerReservations;
  definitions: () => Promise<readonly AdditionalFieldDefinition[]>;
  recordUsage: (customerId: number, references: CustomerReferences) => Promise<void>;
}

const fold = (state: CustomerState, events: readonly { type: string; data: unknown }[]): CustomerState =>
  events.reduce((current, event) => customerDecider.evolve(current, event as CustomerEvent), state);

/**
 * The event store as one customer command sees it (one instance per command): `runCommand` loads,
 * decides and appends through it as usual, and the append in between keeps the reservation table
 * in step with the stream. It compares what the customer holds before the events with what it
 * holds after (login, account number, unique additional field values) and:
 *
 * 1. reserves the wanted values BEFORE appending; a value another customer holds refuses the
 *    command with `customer.login.taken` (etc.) and nothing is appended;
 * 2. appends; if the append fails, frees what step 1 newly reserved, unless the stream (reloaded)
 *    now holds it: a concurrent writer on the same customer may have taken it legitimately;
 * 3. after the append, frees what the customer no longer holds (the old login after a change, the
 *    login of a deleted customer) and records which partner and location it uses.
 *
 * So a login is taken by one customer at a time, freed by a login change or a deletion, and a
 * restore takes it back or is refused. A crash between steps only leaves a value reserved too
 * long, never given twice.
 */
export class ReservingEventStore implements EventStore {
  private readonly logger = new Logger('CustomerReservations');
  /** The stream as the command read it (unset when it was decided on a remembered head, see StreamHeads). */
  private loaded?: RecordedEvent[];

  constructor(
    private readonly inner: EventStore,
    private readonly customerId: number,
    private readonly dependencies: ReservingStoreDependencies,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    try {
      const events = await this.inner.readStream(streamId, options);
      if (!options) this.loaded = events;
      return events;
    } catch (error) {
      if (!options && (error as Error).name === 'StreamNotFoundError') this.loaded = [];
      throw error;
    }
  }

  async append(streamId: string, events: readonly NewEvent[], expectedRevision?: ExpectedRevision): Promise<AppendResult> {
    if (!events.some((event) => RESERVATION_EVENTS.has(event.type))) return this.inner.append(streamId, events, expectedRevision);
    const { reservations, definitions: loadDefinitions, recordUsage } = this.dependencies;
    const definitions = await loadDefinitions();
    const before = fold(customerDecider.initialState, this.loaded ?? (await this.eventsUpTo(streamId, expectedRevision)));
    const after = fold(before, events);
    const held = reservationsOf(before, definitions);
    const wanted = reservationsOf(after, definitions);
    const heldKeys = reservationKeys(held);
    const wantedKeys = reservationKeys(wanted);
    const changed = held.length !== wanted.length || wanted.some((reservation) => !heldKeys.has(`${reservation.kind}\u0000${reservation.value}`));

    // Reserving the whole wanted set (not only the new values) also claims values of a field made unique later.
    const made = changed ? await reservations.reserve(this.customerId, wanted) : [];
    let result: AppendResult;
    try {
      result = await this.inner.append(streamId, events, expectedRevision);
    } catch (error) {
      await this.releaseAfterFailedAppend(streamId, made, definitions);
      throw error;
    }
    if (changed) {
      const dropped = held.filter((reservation) => !wantedKeys.has(`${reservation.kind}\u0000${reservation.value}`));
      await reservations.release(this.customerId, dropped).catch((error: Error) => this.logger.warn(`Could not free ${describe(dropped)}: ${error.message}`));
    }
    if (after.exists) {
      await recordUsage(this.customerId, { partnerId: after.partnerId, locationId: after.locationId, active: !after.deleted }).catch((error: Error) =>
        this.logger.warn(`Could not record the partner / location of customer ${this.customerId}: ${error.message}`),
      );
    }
    return result;
  }

  /** The stream up to the revision the append expects (what the command was decided on). */
  private async eventsUpTo(streamId: string, expectedRevision: ExpectedRevision | undefined): Promise<RecordedEvent[]> {
    if (expectedRevision === 'no_stream') return [];
    const events = await this.inner.readStream(streamId).catch((error: Error) => {
      if (error.name === 'StreamNotFoundError') return [] as RecordedEvent[];
      throw error;
    });
    return typeof expectedRevision === 'number' ? events.filter((event) => event.revision <= expectedRevision) : events;
  }

  private async releaseAfterFailedAppend(streamId: string, made: Reservation[], definitions: readonly AdditionalFieldDefinition[]): Promise<void> {
    if (made.length === 0) return;
    try {
      const current = await this.inner.readStream(streamId).catch((error: Error) => {
        if (error.name === 'StreamNotFoundError') return [] as RecordedEvent[];
        throw error;
      });
      const keep = reservationKeys(reservationsOf(fold(customerDecider.initialState, current), definitions));
      await this.dependencies.reservations.release(
        this.customerId,
        made.filter((reservation) => !keep.has(`${reservation.kind}\u0000${reservation.value}`)),
      );
    } catch (error) {
      // Unknown outcome: keeping a value reserved too long is safe, giving it twice is not.
      this.logger.warn(`Could not check reservations of customer ${this.customerId} after a failed append: ${(error as Error).message}`);
    }
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  subscribeToAll(options?: SubscribeOptions): EventSubscription {
    return this.inner.subscribeToAll(options);
  }

  headPosition(): Promise<string | null> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    // The inner store belongs to the app, not to this per-command view.
    return Promise.resolve();
  }
}

function describe(reservations: readonly Reservation[]): string {
  return reservations.map((reservation) => `${reservation.kind}=${reservation.value}`).join(', ');
}
