import { headOf, linkEvents } from '../audit/hash-chain.js';
import {
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../event-store/event-store.port.js';

/** The pure decision logic of one aggregate type (Chassaing's decider). */
export interface Decider<Command, State, Event extends { type: string; data: object }, Context> {
  initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State, context: Context): Event[];
}

export interface CommandOutcome<State, Event> {
  events: Event[];
  state: State;
  /** Stream revision after the command (-1 when the stream is still empty). */
  revision: number;
  /** Global position of the last event written, or null when nothing was written. */
  position: string | null;
}

export interface RunCommandOptions<Context> {
  /** Context is rebuilt on each attempt, since ids and time must be fresh for every decision. */
  context: () => Context | Promise<Context>;
  metadata: EventMetadata;
  /** From If-Match: no retry, a mismatch is the caller's conflict. */
  expectedRevision?: number;
  maxAttempts?: number;
}

/** The caller's If-Match no longer matches the stream. */
export class PreconditionFailedError extends Error {
  constructor(readonly streamId: string, readonly expected: number, readonly actual: number | 'no_stream') {
    super(`Stream ${streamId} is at revision ${actual}, not ${expected}`);
    this.name = 'PreconditionFailedError';
  }
}

/** Folds a stream's events into state; an absent stream folds to the initial state at revision -1. */
export async function loadAggregate<State, Event extends { type: string; data: object }>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<unknown, State, Event, unknown>, 'initialState' | 'evolve'>,
  upToRevision?: number,
): Promise<{ state: State; revision: number; events: RecordedEvent[] }> {
  const events = await store.readStream(streamId).catch((error: Error) => {
    if (error.name === 'StreamNotFoundError') return [] as RecordedEvent[];
    throw error;
  });
  const relevant = upToRevision === undefined ? events : events.filter((event) => event.revision <= upToRevision);
  const state = relevant.reduce((current, event) => decider.evolve(current, event as unknown as Event), decider.initialState);
  return { state, revision: relevant.length ? relevant[relevant.length - 1].revision : -1, events: relevant };
}

/**
 * Load → decide → append with the revision read. A concurrent writer makes the append fail; the command
 * is then decided again on fresh state (bounded), unless the caller pinned a revision with If-Match.
 */
export async function runCommand<Command, State, Event extends { type: string; data: object }, Context>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, State, Event, Context>,
  command: Command,
  options: RunCommandOptions<Context>,
): Promise<CommandOutcome<State, Event>> {
  const maxAttempts = options.expectedRevision === undefined ? (options.maxAttempts ?? 4) : 1;
  for (let attempt = 1; ; attempt++) {
    const { state, revision, events: loaded } = await loadAggregate(store, streamId, decider);
    if (options.expectedRevision !== undefined && options.expectedRevision !== revision) {
      throw new PreconditionFailedError(streamId, options.expectedRevision, revision < 0 ? 'no_stream' : revision);
    }
    const events = decider.decide(command, state, await options.context());
    const nextState = events.reduce(decider.evolve, state);
    if (events.length === 0) return { events, state: nextState, revision, position: null };
    // Each event is linked to the previous one of the stream (the audit hash chain, see src/audit/hash-chain.ts).
    const toAppend: NewEvent[] = linkEvents(
      streamId,
      revision + 1,
      headOf(loaded[loaded.length - 1]),
      events.map((event) => ({
        type: event.type,
        data: event.data as Record<string, unknown>,
        metadata: { ...options.metadata, occurredAt: options.metadata.occurredAt ?? new Date().toISOString() },
      })),
    );
    try {
      const result = await store.append(streamId, toAppend, revision < 0 ? 'no_stream' : revision);
      return { events, state: nextState, revision: result.nextRevision, position: result.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (options.expectedRevision !== undefined) {
        throw new PreconditionFailedError(streamId, options.expectedRevision, error.actual);
      }
      if (attempt >= maxAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * Math.random()));
    }
  }
}
