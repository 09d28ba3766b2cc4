/**
 * The `activity` payload of the live gateway: a timeline entry (the shape of
 * GET /customers/{id}/activity items) plus the customer id, built from one recorded event.
 */
import type { Actor, RecordedEvent } from '../event-store/event-store.port.js';

export interface ActivityChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface ActivityPayload {
  customerId: number;
  /** Global position: what a client passes back as `after` to resume. */
  position: string;
  /** Revision of the event in the customer's stream. */
  revision: number;
  type: string;
  /** When it happened (ISO-8601, UTC). */
  at: string;
  actor: Actor | null;
  summary: string;
  changes: ActivityChange[];
}

/** Summary and sanitised changes of one event: what the activity timeline stores for it. */
export interface ActivityDescription {
  summary: string;
  changes: ActivityChange[];
}

/**
 * Describes one customer event in plain English. The timeline projection's describer is the one
 * to use (so a live entry equals the stored timeline entry); it is bound under ACTIVITY_DESCRIBER.
 */
export type DescribeActivity = (event: RecordedEvent) => ActivityDescription;

export const ACTIVITY_DESCRIBER = Symbol('ActivityDescriber');

const CUSTOMER_STREAM = /^customer-([1-9][0-9]{0,15})$/;

/** The customer id of a `customer-<id>` stream, else null. */
export function customerIdOfStream(streamId: string): number | null {
  const match = CUSTOMER_STREAM.exec(streamId);
  if (!match) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : null;
}

/** When the fact happened: the command's time, else the decision time in the data, else when recorded. */
export function occurredAt(event: RecordedEvent): string {
  for (const candidate of [event.metadata?.occurredAt, (event.data as { at?: unknown }).at]) {
    if (typeof candidate === 'string' && !Number.isNaN(Date.parse(candidate))) return new Date(candidate).toISOString();
  }
  return event.recordedAt.toISOString();
}

export function actorOf(event: RecordedEvent): Actor | null {
  const actor = event.metadata?.actor;
  if (!actor || typeof actor !== 'object') return null;
  return { id: String(actor.id ?? ''), name: String(actor.name ?? ''), role: String(actor.role ?? '') };
}

/** The payload for a customer event; null for events of other streams. */
export function toActivityPayload(event: RecordedEvent, describe: DescribeActivity): ActivityPayload | null {
  const customerId = customerIdOfStream(event.streamId);
  if (customerId === null) return null;
  const { summary, changes } = describe(event);
  return {
    customerId,
    position: event.position,
    revision: event.revision,
    type: event.type,
    at: occurredAt(event),
    actor: actorOf(event),
    summary,
    changes,
  };
}

/**
 * `toActivityPayload` built once per recorded event object: the tail hands the same event object
 * to every subscription, so 2,000 subscribers share one payload (and one description) instead of
 * building 2,000 equal ones. Events read by a replay are new objects and get their own.
 */
export function sharedActivityPayloads(describe: DescribeActivity): (event: RecordedEvent) => ActivityPayload | null {
  const built = new WeakMap<RecordedEvent, ActivityPayload | null>();
  return (event) => {
    let payload = built.get(event);
    if (payload === undefined) {
      payload = toActivityPayload(event, describe);
      built.set(event, payload);
    }
    return payload;
  };
}
