import type { CustomerState } from '../customers/domain/index.js';
import type { DueActionHandler } from './due-action-registry.js';

/** The due-action kinds of scheduled changes (rows written by projections/scheduled-change-timers). */
export const SCHEDULED_CHANGE_KINDS = { start: 'scheduled_change.start', end: 'scheduled_change.end' } as const;

/** The due-action id of a scheduled change's phase: stable, so the events it appends have stable ids. */
export function scheduledChangeTimerId(changeId: string, phase: 'start' | 'end'): string {
  return `scheduled-change:${changeId}:${phase}`;
}

/** Thrown while a hold's end falls due before its start ran (another instance has it): retried later. */
export class StartNotRunYet extends Error {
  constructor(changeId: string) {
    super(`The start of the hold ${changeId} has not run yet`);
    this.name = 'StartNotRunYet';
  }
}

function handler(phase: 'start' | 'end'): DueActionHandler {
  return {
    decide(action, customer: CustomerState) {
      const changeId = String(action.payload.changeId ?? '');
      const change = customer.exists ? customer.scheduledChanges?.find((item) => item.id === changeId) : undefined;
      // Two instances may claim a hold's start and end at once after downtime: the end waits.
      if (phase === 'end' && change?.state === 'pending' && change.phase === 'start') throw new StartNotRunYet(changeId);
      return { command: { type: 'RunScheduledChange', data: { changeId, phase } } };
    },
  };
}

/** The handlers of both phases: RunScheduledChange, decided by the customer decider. */
export const SCHEDULED_CHANGE_HANDLERS: ReadonlyArray<[string, DueActionHandler]> = [
  [SCHEDULED_CHANGE_KINDS.start, handler('start')],
  [SCHEDULED_CHANGE_KINDS.end, handler('end')],
];
