/**
 * The `activity` payload of the live gateway: a timeline entry (the shape of
 * GET /customers/{id}/activity items) plus the customer id, built from one recorded event.
 */
import type { ActivityChange, ActivityEntry } from '../../projections/customer-activity/customer-activity.queries.js';
import { customerIdOfStream, isRevertible } from '../customers/domain/index.js';
import { actorOf, occurredAt } from '../event-store/event-facts.js';
import type { RecordedEvent } from '../event-store/event-store.port.js';

export type { ActivityChange, ActivityEntry };

/** The live `activity` payload: the timeline entry, with the customer it belongs to. */
export interface ActivityPayload extends ActivityEntry {
  customerId: number;
}

/** Summary and sanitised changes of one event: what the activity timeline stores for it. */
export type ActivityDescription = Pick<ActivityEntry, 'summary' | 'changes' | 'reason' | 'revertedRevision'>;

/**
 * Describes one customer event in plain English. The timeline projection's describer is the one
 * to use (so a live entry equals the stored timeline entry); it is bound under ACTIVITY_DESCRIBER.
 */
export type DescribeActivity = (event: RecordedEvent) => ActivityDescription;

export const ACTIVITY_DESCRIBER = Symbol('ActivityDescriber');

export { customerIdOfStream };

/** The payload for a customer event; null for events of other streams. */
export function toActivityPayload(event: RecordedEvent, describe: DescribeActivity): ActivityPayload | null {
  const customerId = customerIdOfStream(event.streamId);
  if (customerId === null) return null;
  const { summary, changes, reason, revertedRevision } = describe(event);
  return {
    customerId,
    position: event.position,
    revision: event.revision,
    type: event.type,
    at: occurredAt(event),
    actor: actorOf(event),
    summary,
    changes,
    reason,
    ...(revertedRevision === undefined ? {} : { revertedRevision }),
    revertible: isRevertible(event.type, changes),
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
