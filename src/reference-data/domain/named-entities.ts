/**
 * Partners and locations: small named entities kept together in one stream each ('partners',
 * 'locations'). One generic decider serves both; ids are sequential integers allocated by the
 * decider from the stream's own state (a concurrent create conflicts on the stream revision and
 * is decided again on fresh state, so ids never clash).
 */
import { refuse } from '../../domain-kernel/errors.js';
import { REFERENCE_DATA_LIMITS } from './reference-data.limits.js';
import type { Change, Decider, DomainEvent } from '../../domain-kernel/decider.js';
import { FieldErrors, requiredText, integer } from '../../domain-kernel/validation.js';

export interface NamedEntity {
  id: number;
  name: string;
  deleted: boolean;
  createdAt: string;
}

export interface NamedEntitiesState {
  /** By id; deleted entities stay (ids are never reused), flagged deleted. */
  entities: Record<number, NamedEntity>;
  lastId: number;
}

export interface NamedEntityCreatedData {
  id: number;
  name: string;
  at: string;
}
export interface NamedEntityRenamedData {
  id: number;
  name: string;
  changes: Change[];
  at: string;
}
export interface NamedEntityDeletedData {
  id: number;
  name: string;
  at: string;
}

export type NamedEntityEvent<K extends string> =
  | DomainEvent<`${K}Created`, NamedEntityCreatedData>
  | DomainEvent<`${K}Renamed`, NamedEntityRenamedData>
  | DomainEvent<`${K}Deleted`, NamedEntityDeletedData>;

export type NamedEntityCommand<K extends string> =
  | { type: `Create${K}`; data: { name: string } }
  | { type: `Rename${K}`; data: { id: number; name: string } }
  | { type: `Delete${K}`; data: { id: number } };

export interface NamedEntityContext {
  now: string;
  /**
   * For Delete: how many (non-deleted) customers still reference the entity, from the read model.
   * More than 0 refuses the delete. Omitted: not checked.
   */
  customersReferencing?: number;
}

export const NAME_MAX_LENGTH = REFERENCE_DATA_LIMITS.name;

export interface NamedEntityRules {
  notFound: string;
  nameTaken: string;
  inUse: string;
}

export function makeNamedEntityDecider<K extends string>(
  kind: K,
  /** Lower-case word used in messages: 'partner'. */
  word: string,
  /** The rule codes of this kind, written out so every code the API emits is greppable. */
  rules: NamedEntityRules,
): Decider<NamedEntityCommand<K>, NamedEntitiesState, NamedEntityEvent<K>, NamedEntityContext> {
  const initialState: NamedEntitiesState = { entities: {}, lastId: 0 };

  const validName = (value: unknown): string => {
    const errors = new FieldErrors();
    const name = requiredText(NAME_MAX_LENGTH)(errors, 'name', value);
    errors.throwIfAny();
    return name;
  };

  const existing = (state: NamedEntitiesState, id: unknown): NamedEntity => {
    const errors = new FieldErrors();
    integer({ min: 1 })(errors, 'id', id);
    errors.throwIfAny();
    const entity = state.entities[id as number];
    if (!entity || entity.deleted) refuse(rules.notFound, `${capitalise(word)} ${String(id)} does not exist`, { id });
    return entity;
  };

  const assertNameFree = (state: NamedEntitiesState, name: string, exceptId?: number): void => {
    const clash = Object.values(state.entities).find(
      (entity) => !entity.deleted && entity.id !== exceptId && entity.name.toLowerCase() === name.toLowerCase(),
    );
    if (clash) refuse(rules.nameTaken, `A ${word} named "${clash.name}" already exists (id ${clash.id})`, { id: clash.id, name: clash.name });
  };

  const decide = (command: NamedEntityCommand<K>, state: NamedEntitiesState, context: NamedEntityContext): NamedEntityEvent<K>[] => {
    const at = context.now;
    switch (command.type) {
      case `Create${kind}`: {
        const name = validName((command.data as { name?: unknown })?.name);
        assertNameFree(state, name);
        return [{ type: `${kind}Created`, data: { id: state.lastId + 1, name, at } } as NamedEntityEvent<K>];
      }
      case `Rename${kind}`: {
        const data = command.data as { id: number; name: string };
        const entity = existing(state, data?.id);
        const name = validName(data?.name);
        if (name === entity.name) return [];
        assertNameFree(state, name, entity.id);
        return [{ type: `${kind}Renamed`, data: { id: entity.id, name, changes: [{ field: 'name', from: entity.name, to: name }], at } } as NamedEntityEvent<K>];
      }
      case `Delete${kind}`: {
        const entity = existing(state, (command.data as { id: number })?.id);
        if ((context.customersReferencing ?? 0) > 0) {
          refuse(rules.inUse, `${capitalise(word)} "${entity.name}" is still used by ${context.customersReferencing} customer(s)`, {
            id: entity.id,
            customers: context.customersReferencing,
          });
        }
        return [{ type: `${kind}Deleted`, data: { id: entity.id, name: entity.name, at } } as NamedEntityEvent<K>];
      }
      default:
        throw new Error(`Unknown ${word} command ${(command as { type: string }).type}`);
    }
  };

  const evolve = (state: NamedEntitiesState, event: NamedEntityEvent<K>): NamedEntitiesState => {
    switch (event.type) {
      case `${kind}Created`: {
        const data = event.data as NamedEntityCreatedData;
        return {
          entities: { ...state.entities, [data.id]: { id: data.id, name: data.name, deleted: false, createdAt: data.at } },
          lastId: Math.max(state.lastId, data.id),
        };
      }
      case `${kind}Renamed`: {
        const data = event.data as NamedEntityRenamedData;
        const entity = state.entities[data.id];
        return entity ? { ...state, entities: { ...state.entities, [data.id]: { ...entity, name: data.name } } } : state;
      }
      case `${kind}Deleted`: {
        const data = event.data as NamedEntityDeletedData;
        const entity = state.entities[data.id];
        return entity ? { ...state, entities: { ...state.entities, [data.id]: { ...entity, deleted: true } } } : state;
      }
      default:
        return state;
    }
  };

  return { initialState, decide, evolve };
}

/** The ids of the entities that exist (not deleted): what the customer decider needs as known ids. */
export function activeIds(state: NamedEntitiesState): number[] {
  return Object.values(state.entities)
    .filter((entity) => !entity.deleted)
    .map((entity) => entity.id);
}

export function activeEntities(state: NamedEntitiesState): NamedEntity[] {
  return Object.values(state.entities).filter((entity) => !entity.deleted);
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

