/**
 * The facts every reader takes from a recorded event's metadata, read one way everywhere
 * (projections, the live timeline, the feed).
 */
import type { Actor, RecordedEvent } from './event-store.port.js';

/** When the fact happened: the command's time (metadata.occurredAt), else the decision time in the data, else when recorded. */
export function occurredAt(event: RecordedEvent): string {
  for (const candidate of [event.metadata?.occurredAt, (event.data as { at?: unknown }).at]) {
    if (typeof candidate === 'string' && !Number.isNaN(Date.parse(candidate))) return new Date(candidate).toISOString();
  }
  return event.recordedAt.toISOString();
}

/** Who did it, as recorded in the metadata; null for events without an actor. */
export function actorOf(event: RecordedEvent): Actor | null {
  const actor = event.metadata?.actor;
  if (!actor || typeof actor !== 'object') return null;
  return { id: String(actor.id ?? ''), name: String(actor.name ?? ''), role: String(actor.role ?? '') };
}

/**
 * Why it was done: the reason the write carried (metadata.reason), else — events written before
 * every write could carry one — the reason the event's own data holds (status changes, deletes…).
 */
export function reasonOfEvent(event: Pick<RecordedEvent, 'metadata' | 'data'>): string | null {
  for (const candidate of [event.metadata?.reason, (event.data as { reason?: unknown } | undefined)?.reason]) {
    if (typeof candidate === 'string' && candidate.trim() !== '') return candidate;
  }
  return null;
}
