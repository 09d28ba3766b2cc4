import type { Actor } from '../event-store/event-store.port.js';

/**
 * Who acts when no admin does: the due-action runner (scheduled changes, the billing rules), the
 * first admin's creation, password rehashes, and a request without an authenticated admin. The one
 * system actor of the app (docs/api.md, "The system actor"); automatic events also carry a causationId.
 */
export const SYSTEM_ACTOR: Actor = Object.freeze({ id: 'system', name: 'System', role: 'system' });

export function isSystemActor(actor: { id?: string } | null | undefined): boolean {
  return actor?.id === SYSTEM_ACTOR.id;
}
