import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { chainOf, linkEvents } from '../audit/hash-chain.js';
import {
  ERASED,
  PERSONAL_DATA_ERASED_EVENT,
  PERSONAL_DATA_PATHS,
  REASON_FIELD,
  customerIdOfStream,
  reasonIsPersonal,
  isErasedValue,
  isPersonalChange,
} from '../customers/domain/index.js';
import type {
  AppendResult,
  EventStore,
  EventSubscription,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadByStreamOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../event-store/event-store.port.js';
import { PersonalDataErasedError, type DataKeyState, type PersonalDataKeys } from './personal-data-keys.js';

/**
 * The one seam of crypto-shredding: an event-store decorator. On append it encrypts the personal
 * values of customer events (which values: src/customers/domain/customer.personal-data.ts) with
 * the customer's data key and, when the events carry hash-chain links, links them again over the
 * stored form, so the chain covers the ciphertext (src/audit/hash-chain.ts) and verifies after an
 * erasure as before. On every read (stream, all, by stream, subscriptions) it decrypts, so
 * deciders, projections, the feed, SSE, Socket.IO, time travel and exports see plain values, or
 * "[erased]" where the key was destroyed. Appending CustomerPersonalDataErased destroys the key.
 *
 * Reasons (metadata.reason and data.reason of a customer event, see customer.personal-data.ts)
 * are sealed the same way; a write after the erasure, which has no key to seal with, records its
 * reason as "[erased]".
 *
 * A personal value is stored as a versioned envelope `{"$pd": "v1.<t>.<iv>.<tag>.<ciphertext>"}`
 * (`t`: s string, a array, o object, n number, b boolean: what an erased value reads as; the
 * stream id is the additional authenticated data). Values written before this existed are plain
 * and read as they are; null, empty strings and empty lists are not encrypted.
 */
export const ENVELOPE_KEY = '$pd';
const ENVELOPE_VERSION = 'v1';

type JsonType = 's' | 'a' | 'o' | 'n' | 'b';

export function isEnvelope(value: unknown): value is { [ENVELOPE_KEY]: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === ENVELOPE_KEY && typeof (value as Record<string, unknown>)[ENVELOPE_KEY] === 'string';
}

function jsonType(value: unknown): JsonType {
  if (Array.isArray(value)) return 'a';
  switch (typeof value) {
    case 'string':
      return 's';
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    default:
      return 'o';
  }
}

/** What an erased value reads as, by its JSON type: "[erased]", ["[erased]"], or null (objects such as geo, numbers, booleans). */
export function erasedValue(type: string): unknown {
  if (type === 's') return ERASED;
  if (type === 'a') return [ERASED];
  return null;
}

export function sealValue(value: unknown, key: Buffer, aad: string): { [ENVELOPE_KEY]: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { [ENVELOPE_KEY]: [ENVELOPE_VERSION, jsonType(value), iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.') };
}

/** The value inside an envelope; "[erased]" (by type) when the key is destroyed; throws when it does not open. */
export function openValue(envelope: { [ENVELOPE_KEY]: string }, key: DataKeyState | undefined, aad: string): unknown {
  const [version, type, iv, tag, ciphertext] = envelope[ENVELOPE_KEY].split('.');
  if (version !== ENVELOPE_VERSION || !type || !iv || !tag || ciphertext === undefined) throw new Error('Not a personal-data envelope');
  if (key === undefined || key === 'erased') return erasedValue(type);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8'));
}

const worthSealing = (value: unknown): boolean =>
  value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0) && !isEnvelope(value) && !isErasedValue(value);

/** The event's data with its personal values sealed (a copy; untouched parts shared; `data` itself when none). */
export function sealPersonalData(type: string, data: Record<string, unknown>, key: Buffer, aad: string): Record<string, unknown> {
  return mapPersonalValues(type, data, (value) => sealValue(value, key, aad));
}

/** Whether the event holds a personal value to seal (`reasons: false`: other than its reasons). */
export function holdsPersonalData(type: string, data: Record<string, unknown>, options: { reasons?: boolean } = {}): boolean {
  return mapPersonalValues(type, data, () => null, options) !== data;
}

/** The metadata with its reason mapped when the event type's reasons are personal (`metadata` itself when not). */
function mapMetadataReason(type: string, metadata: Record<string, unknown> | undefined, map: (value: unknown) => unknown): Record<string, unknown> | undefined {
  if (!metadata || !reasonIsPersonal(type) || !worthSealing(metadata[REASON_FIELD])) return metadata;
  return { ...metadata, [REASON_FIELD]: map(metadata[REASON_FIELD]) };
}

/** The event with its personal values (and reasons) mapped; the event itself when it holds none. */
function mapEvent<E extends { type: string; data: Record<string, unknown>; metadata?: Record<string, unknown> }>(event: E, map: (value: unknown) => unknown): E {
  const data = mapPersonalValues(event.type, event.data, map);
  const metadata = mapMetadataReason(event.type, event.metadata, map);
  return data === event.data && metadata === event.metadata ? event : { ...event, data, metadata };
}

function mapPersonalValues(type: string, data: Record<string, unknown>, map: (value: unknown) => unknown, options: { reasons?: boolean } = {}): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  const own = () => (copy ??= { ...data });
  const reasons = options.reasons !== false && reasonIsPersonal(type);
  if (reasons && worthSealing(data[REASON_FIELD])) own()[REASON_FIELD] = map(data[REASON_FIELD]);
  for (const path of PERSONAL_DATA_PATHS[type] ?? []) {
    const dot = path.indexOf('.');
    if (dot < 0) {
      if (worthSealing(data[path])) own()[path] = map(data[path]);
      continue;
    }
    const head = path.slice(0, dot);
    const rest = path.slice(dot + 1);
    const section = data[head];
    if (section && typeof section === 'object' && !Array.isArray(section) && worthSealing((section as Record<string, unknown>)[rest])) {
      const target = own();
      const sectionCopy = { ...(target[head] as Record<string, unknown>) };
      sectionCopy[rest] = map(sectionCopy[rest]);
      target[head] = sectionCopy;
    }
  }
  if (Array.isArray(data.changes)) {
    let changed = false;
    const changes = (data.changes as Record<string, unknown>[]).map((change) => {
      if (!change || typeof change.field !== 'string' || !isPersonalChange(type, change.field) || (!reasons && change.field === REASON_FIELD)) return change;
      const next = { ...change };
      if (worthSealing(change.from)) next.from = map(change.from);
      if (worthSealing(change.to)) next.to = map(change.to);
      changed ||= worthSealing(change.from) || worthSealing(change.to);
      return next;
    });
    if (changed) own().changes = changes;
  }
  return copy ?? data;
}

/** Whether any envelope is in the value (a fast check before copying). */
function holdsEnvelope(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(holdsEnvelope);
  if (isEnvelope(value)) return true;
  for (const item of Object.values(value as Record<string, unknown>)) if (holdsEnvelope(item)) return true;
  return false;
}

function openAll(value: unknown, open: (envelope: { [ENVELOPE_KEY]: string }) => unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => openAll(item, open));
  if (isEnvelope(value)) return open(value);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) copy[key] = openAll(item, open);
  return copy;
}

export class PersonalDataEventStore implements EventStore {
  private readonly logger = new Logger('PersonalData');

  constructor(
    private readonly inner: EventStore,
    readonly keys: PersonalDataKeys,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  /** The store as it holds the events (ciphertext): what the hash chain is verified over. */
  get stored(): EventStore {
    return this.inner;
  }

  async append(streamId: string, events: readonly NewEvent[], expectedRevision?: ExpectedRevision): Promise<AppendResult> {
    const customerId = customerIdOfStream(streamId);
    if (customerId === null) return this.inner.append(streamId, events, expectedRevision);
    const needsKey = events.some((event) => holdsPersonalData(event.type, event.data) || mapMetadataReason(event.type, event.metadata, () => null) !== event.metadata);
    let sealed: readonly NewEvent[] = events;
    if (needsKey) {
      const key = await this.keys.keyForWrite(customerId).catch((error: unknown) => {
        // After an erasure only reasons may still come (the decider refuses personal values): they are recorded erased.
        if (error instanceof PersonalDataErasedError && !events.some((event) => holdsPersonalData(event.type, event.data, { reasons: false }))) return 'erased' as const;
        throw error;
      });
      sealed = events.map((event) => mapEvent(event, key === 'erased' ? (value) => erasedValue(jsonType(value)) : (value) => sealValue(value, key, streamId)));
    }
    let chainHead: string | null | undefined;
    const firstLink = chainOf(sealed[0]?.metadata);
    if (needsKey && firstLink) {
      // The chain as the caller linked it covers the plain values: link again over what is stored.
      const firstRevision = await this.firstRevision(streamId, expectedRevision);
      sealed = linkEvents(streamId, firstRevision, firstLink.prev, sealed);
      chainHead = chainOf(sealed[sealed.length - 1].metadata)?.hash ?? null;
    }
    const result = await this.inner.append(streamId, sealed, expectedRevision);
    if (events.some((event) => event.type === PERSONAL_DATA_ERASED_EVENT)) await this.keys.destroy(customerId);
    return chainHead === undefined ? result : { ...result, chainHead };
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.openEvents(await this.inner.readStream(streamId, options));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.openEvents(await this.inner.readAll(options));
  }

  get readByStream(): ((options: ReadByStreamOptions) => Promise<RecordedEvent[]>) | undefined {
    const inner = this.inner.readByStream?.bind(this.inner);
    return inner ? async (options) => this.openEvents(await inner(options)) : undefined;
  }

  subscribeToAll(options?: SubscribeOptions): EventSubscription {
    const subscription = this.inner.subscribeToAll(options);
    const open = (event: RecordedEvent) => this.openEvents([event]).then((opened) => opened[0]);
    return {
      close: () => subscription.close(),
      [Symbol.asyncIterator]: async function* () {
        for await (const event of subscription) yield await open(event);
      },
    };
  }

  headPosition(): Promise<string | null> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * The events with their personal values opened (events without any are passed on as they are).
   * For an erased customer every personal value reads erased, also a plain one of an event
   * written before the encryption existed (that one is still in the event table, see SECURITY.md).
   */
  async openEvents(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    const customers = new Set<number>();
    for (const event of events) {
      const customerId = customerIdOfStream(event.streamId);
      if (customerId === null) continue;
      // An erasure read here (written by any instance) ends this instance's trust in the key at once.
      if (event.type === PERSONAL_DATA_ERASED_EVENT) this.keys.forgetKey(customerId);
      const sealedReason = isEnvelope(event.metadata?.[REASON_FIELD]);
      if (sealedReason || holdsEnvelope(event.data) || holdsPersonalData(event.type, event.data) || mapMetadataReason(event.type, event.metadata, () => null) !== event.metadata) {
        customers.add(customerId);
      }
    }
    if (customers.size === 0) return events;
    const keys = await this.keys.keysFor(customers);
    return events.map((event) => {
      const customerId = customerIdOfStream(event.streamId);
      if (customerId === null || !customers.has(customerId)) return event;
      const key = keys.get(customerId);
      const metadataReason = event.metadata?.[REASON_FIELD];
      if (key === 'erased') {
        const erasedEnvelope = (envelope: { [ENVELOPE_KEY]: string }) => erasedValue(envelope[ENVELOPE_KEY].split('.')[1] ?? 's');
        const opened = holdsEnvelope(event.data) ? (openAll(event.data, erasedEnvelope) as Record<string, unknown>) : event.data;
        const metadata = isEnvelope(metadataReason) ? { ...event.metadata, [REASON_FIELD]: erasedEnvelope(metadataReason) } : event.metadata;
        const erased = mapEvent({ type: event.type, data: opened, metadata: metadata as Record<string, unknown> }, (value) => erasedValue(jsonType(value)));
        return erased.data === event.data && erased.metadata === event.metadata ? event : ({ ...event, data: erased.data, metadata: erased.metadata } as RecordedEvent);
      }
      const open = (envelope: { [ENVELOPE_KEY]: string }) => {
        try {
          return openValue(envelope, key, event.streamId);
        } catch (error) {
          this.logger.warn(`A personal value of ${event.streamId}@${event.revision} does not open: ${(error as Error).message}`);
          return erasedValue(envelope[ENVELOPE_KEY].split('.')[1] ?? 's');
        }
      };
      const sealedReason = isEnvelope(metadataReason);
      if (!holdsEnvelope(event.data) && !sealedReason) return event;
      const data = holdsEnvelope(event.data) ? (openAll(event.data, open) as Record<string, unknown>) : event.data;
      const metadata = sealedReason ? { ...event.metadata, [REASON_FIELD]: open(metadataReason) } : event.metadata;
      return { ...event, data, metadata } as RecordedEvent;
    });
  }

  private async firstRevision(streamId: string, expectedRevision: ExpectedRevision | undefined): Promise<number> {
    if (expectedRevision === 'no_stream') return 0;
    if (typeof expectedRevision === 'number') return expectedRevision + 1;
    const [last] = await this.inner.readStream(streamId, { direction: 'backwards', maxCount: 1 }).catch((error: Error) => {
      if (error.name === 'StreamNotFoundError') return [] as RecordedEvent[];
      throw error;
    });
    return last ? last.revision + 1 : 0;
  }
}
