/**
 * A tiny given / when / then harness for deciders:
 *
 *   spec.given([events]).when(command, contextOverrides?).then([events])
 *                                                       .thenRefused('rule.code')
 *                                                       .thenInvalid({field, rule}, …)
 *                                                       .thenNothingHappened()
 *
 * It takes any decider of the kernel's Decider type (customers, reference data, admins, roles):
 *
 *   const spec = specFor(decider, () => defaultContext, { catalog: THAT_DOMAINS_EVENT_CATALOG });
 *
 * Every event a decision emits is also checked against the event catalogue (type listed, data
 * valid for its JSON Schema; by default the customer and reference-data catalogue) and folded with
 * evolve, so specs exercise both halves of the decider.
 */
import { expect } from '@jest/globals';
import { DomainRuleViolation, ValidationFailed, fold, type Decider, type DomainEvent, type EventCatalogEntry, type FieldError } from '../../src/domain-kernel/index.js';
import { EVENT_CATALOG } from '../../src/customers/domain/index.js';
import { schemaErrors } from './json-schema-check.js';

export function assertCatalogued(events: readonly DomainEvent[], catalog: readonly EventCatalogEntry[] = EVENT_CATALOG): void {
  for (const event of events) {
    const entry = catalog.find((item) => item.type === event.type);
    expect({ type: event.type, catalogued: entry !== undefined }).toEqual({ type: event.type, catalogued: true });
    expect({ type: event.type, errors: schemaErrors(entry!.schema, JSON.parse(JSON.stringify(event.data))) }).toEqual({ type: event.type, errors: [] });
  }
}

export interface Outcome<State, Event> {
  then(expected: Event[] | ((events: Event[]) => void)): Event[];
  thenRefused(rule: string, detail?: RegExp): DomainRuleViolation;
  thenInvalid(...expected: Partial<FieldError>[]): FieldError[];
  thenNothingHappened(): void;
  /** The events emitted (checked against the catalogue). */
  events(): Event[];
  /** The state after the given events and the emitted ones. */
  stateAfter(): State;
}

export function specFor<Command, State, Event extends DomainEvent, Context>(
  decider: Decider<Command, State, Event, Context>,
  defaultContext: () => Context,
  options: { catalog?: readonly EventCatalogEntry[] } = {},
) {
  const catalog = options.catalog ?? EVENT_CATALOG;
  return {
    given(history: Event[] = []) {
      return {
        when(command: Command, context: Partial<Context> = {}): Outcome<State, Event> {
          const state = fold(decider, history);
          const decideNow = (): Event[] => decider.decide(command, state, { ...defaultContext(), ...context });
          const emitted = (): Event[] => {
            const events = decideNow();
            assertCatalogued(events, catalog);
            return events;
          };
          const caught = (): unknown => {
            try {
              const events = decideNow();
              return new Error(`expected a refusal, got events ${JSON.stringify(events.map((event) => event.type))}`);
            } catch (error) {
              return error;
            }
          };
          return {
            then(expected) {
              const events = emitted();
              if (typeof expected === 'function') expected(events);
              else expect(events).toEqual(expected);
              events.reduce(decider.evolve, state);
              return events;
            },
            thenRefused(rule, detail) {
              const error = caught();
              if (!(error instanceof DomainRuleViolation)) throw error;
              expect(error.rule).toBe(rule);
              expect(error.message.length).toBeGreaterThan(0);
              if (detail) expect(error.message).toMatch(detail);
              return error;
            },
            thenInvalid(...expected) {
              const error = caught();
              if (!(error instanceof ValidationFailed)) throw error;
              for (const item of expected) expect(error.errors).toContainEqual(expect.objectContaining(item));
              for (const item of error.errors) expect(item.message.length).toBeGreaterThan(0);
              return error.errors;
            },
            thenNothingHappened() {
              expect(emitted()).toEqual([]);
            },
            events: emitted,
            stateAfter() {
              return emitted().reduce(decider.evolve, state);
            },
          };
        },
      };
    },
  };
}
