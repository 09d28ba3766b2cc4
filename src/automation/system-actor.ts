import type { Actor } from '../event-store/event-store.port.js';

/** Who acts when nobody does: every automatic event carries this actor (and a causationId). */
export const SYSTEM_ACTOR: Actor = Object.freeze({ id: 'system', name: 'Automation', role: 'system' });

export function isSystemActor(actor: { id?: string } | null | undefined): boolean {
  return actor?.id === SYSTEM_ACTOR.id;
}
