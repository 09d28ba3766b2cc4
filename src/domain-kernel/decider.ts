/** Building blocks shared by every decider (customers, reference data, admins). */

/** A domain event as the decider sees it: a past-tense business name and plain JSON data. */
export interface DomainEvent<Type extends string = string, Data extends object = object> {
  type: Type;
  data: Data;
}

/** A JSON value, as event data must be. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * One field that changed, before and after. `field` is a dotted path into the resource
 * ('status', 'billing.creditLimit', 'voip.cps', 'additionalFields.contract_id'), so a timeline
 * can say "Status changed from new to active". Secret values appear as REDACTED.
 */
export interface Change {
  field: string;
  from: JsonValue;
  to: JsonValue;
}

/** Stands in for a secret (PIN) in `changes`; only its ciphertext travels elsewhere in the event. */
export const REDACTED = '[redacted]';

/**
 * Chassaing's decider: the pure decision logic of one aggregate type. The one declaration of it:
 * every domain's decider has this type and `runCommand` (src/event-sourcing) runs it as it is.
 */
export interface Decider<Command, State, Event extends DomainEvent, Context> {
  initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State, context: Context): Event[];
}

/** Folds events into state from the initial state. */
export function fold<State, Event extends DomainEvent>(
  decider: Pick<Decider<unknown, State, Event, unknown>, 'initialState' | 'evolve'>,
  events: readonly Event[],
): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState);
}

/** Deep equality for JSON values (arrays in order, objects by key). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  const aKeys = Object.keys(a as object).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const bKeys = Object.keys(b as object).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  return aKeys.length === bKeys.length && aKeys.every((key) => jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/**
 * The changes between `before` and `after` for the given keys, in key order; `prefix` is prepended
 * to the field names ('voip.' → 'voip.cps'). Keys absent from `after` are not compared.
 */
export function diff<T extends object>(before: T, after: Partial<T>, keys: readonly (keyof T & string)[], prefix = ''): Change[] {
  const changes: Change[] = [];
  for (const key of keys) {
    if (!(key in after) || after[key] === undefined) continue;
    const from = (before[key] ?? null) as JsonValue;
    const to = (after[key] ?? null) as JsonValue;
    if (!jsonEqual(from, to)) changes.push({ field: prefix + key, from, to });
  }
  return changes;
}

/** Present in a PATCH body: the key is there and not undefined (null is present: it clears). */
export function has<T extends object>(patch: T | undefined, key: keyof T): boolean {
  return patch !== undefined && patch !== null && Object.prototype.hasOwnProperty.call(patch, key) && patch[key] !== undefined;
}
