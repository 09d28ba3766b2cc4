import { headOf, linkEvents } from '../audit/hash-chain.js';
import {
  IdempotencyConflictError,
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../event-store/event-store.port.js';
import type { Decider, DomainEvent } from '../domain-kernel/decider.js';

export interface CommandOutcome<State, Event> {
  events: Event[];
  state: State;
  /** Stream revision after the command (-1 when the stream is still empty). */
  revision: number;
  /** Global position of the last event written, or null when nothing was written. */
  position: string | null;
}

export interface RunCommandOptions<Context, State = unknown> {
  /** Context is rebuilt on each attempt, since ids and time must be fresh for every decision. */
  context: () => Context | Promise<Context>;
  metadata: EventMetadata;
  /** From If-Match: no retry, a mismatch is the caller's conflict. */
  expectedRevision?: number;
  maxAttempts?: number;
  /** Heads this process wrote: a command on a known stream is decided without reading it (see StreamHeads). */
  heads?: StreamHeads<State>;
  /**
   * The ids of the appended events, by index (default: fresh ones). Ids derived from what the
   * command is (a due action) make a repeated run a replay; a concurrent run with the same ids is
   * then retried like a revision conflict, and finds its events (`settledBy`).
   */
  eventId?: (index: number) => string;
  /** Metadata of one decision's events on top of `metadata` (an automatic decision's reason), asked after each decision. */
  decisionMetadata?: () => Partial<EventMetadata> | undefined;
  /**
   * Looks at the stream as read (never a remembered head), before deciding: true ends the command
   * there with nothing appended (a repeated automatic run that finds its own events).
   */
  settledBy?: (events: readonly RecordedEvent[]) => boolean;
}

/** A stream as this process last wrote it: the state folded up to `revision`, and its hash-chain head. */
export interface StreamHead<State> {
  state: State;
  revision: number;
  chainHead: string | null;
}

/**
 * The heads of the streams this process appended to last (least recently used dropped past
 * `maxStreams`), so the next command on such a stream is decided without reading the stream. Safe
 * because every append carries the revision the decision saw: if anyone appended meanwhile (another
 * instance, another path) the append is refused and the command is decided again on a fresh read.
 * A decision that appends nothing (a refusal, a no-op, an If-Match mismatch) is never trusted to a
 * remembered head: it is made again on a fresh read. States are immutable, so they are kept by reference.
 */
export class StreamHeads<State> {
  private readonly heads = new Map<string, StreamHead<State>>();

  constructor(private readonly maxStreams = 5000) {}

  get(streamId: string): StreamHead<State> | undefined {
    const head = this.heads.get(streamId);
    if (head) {
      this.heads.delete(streamId);
      this.heads.set(streamId, head); // most recently used last
    }
    return head;
  }

  /** Keeps `head` unless a newer one is known (answers of concurrent appends may arrive out of order). */
  remember(streamId: string, head: StreamHead<State>): void {
    const known = this.heads.get(streamId);
    if (known && known.revision >= head.revision) return;
    this.heads.delete(streamId);
    this.heads.set(streamId, head);
    if (this.heads.size > this.maxStreams) this.heads.delete(this.heads.keys().next().value!);
  }

  forget(streamId: string): void {
    this.heads.delete(streamId);
  }
}

/** The caller's If-Match no longer matches the stream. */
export class PreconditionFailedError extends Error {
  constructor(readonly streamId: string, readonly expected: number, readonly actual: number | 'no_stream') {
    super(`Stream ${streamId} is at revision ${actual}, not ${expected}`);
    this.name = 'PreconditionFailedError';
  }
}

/** Folds a stream's events into state; an absent stream folds to the initial state at revision -1. */
export async function loadAggregate<State, Event extends DomainEvent>(
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
export async function runCommand<Command, State, Event extends DomainEvent, Context>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, State, Event, Context>,
  command: Command,
  options: RunCommandOptions<Context, State>,
): Promise<CommandOutcome<State, Event>> {
  const maxAttempts = options.expectedRevision === undefined ? (options.maxAttempts ?? 4) : 1;
  const heads = options.settledBy ? undefined : options.heads;
  let settled = false;
  const read = async (): Promise<StreamHead<State>> => {
    const { state, revision, events: loaded } = await loadAggregate(store, streamId, decider);
    settled = options.settledBy?.(loaded) ?? false;
    return { state, revision, chainHead: headOf(loaded[loaded.length - 1]) };
  };
  const decideOn = async ({ state, revision }: StreamHead<State>): Promise<Event[]> => {
    if (options.expectedRevision !== undefined && options.expectedRevision !== revision) {
      throw new PreconditionFailedError(streamId, options.expectedRevision, revision < 0 ? 'no_stream' : revision);
    }
    return decider.decide(command, state, await options.context());
  };
  for (let attempt = 1; ; attempt++) {
    const remembered = attempt === 1 ? heads?.get(streamId) : undefined;
    let head = remembered ?? (await read());
    let events: Event[];
    if (remembered) {
      // Only an append (checked against this revision) can confirm a remembered head; anything else
      // is decided again on the stream as it is.
      events = await decideOn(head).catch(() => [] as Event[]);
      if (events.length === 0) {
        head = await read();
        events = await decideOn(head);
      }
    } else {
      if (settled) return { events: [], state: head.state, revision: head.revision, position: null };
      events = await decideOn(head);
    }
    const { state, revision } = head;
    const nextState = events.reduce(decider.evolve, state);
    if (events.length === 0) return { events, state: nextState, revision, position: null };
    // Each event is linked to the previous one of the stream (the audit hash chain, see src/audit/hash-chain.ts).
    const toAppend: NewEvent[] = linkEvents(
      streamId,
      revision + 1,
      head.chainHead,
      events.map((event, index) => ({
        ...(options.eventId ? { id: options.eventId(index) } : {}),
        type: event.type,
        data: event.data as Record<string, unknown>,
        metadata: { ...options.metadata, ...options.decisionMetadata?.(), occurredAt: options.metadata.occurredAt ?? new Date().toISOString() },
      })),
    );
    try {
      const result = await store.append(streamId, toAppend, revision < 0 ? 'no_stream' : revision);
      const chainHead = result.chainHead !== undefined ? result.chainHead : headOf({ metadata: toAppend[toAppend.length - 1].metadata });
      heads?.remember(streamId, { state: nextState, revision: result.nextRevision, chainHead });
      return { events, state: nextState, revision: result.nextRevision, position: result.position };
    } catch (error) {
      heads?.forget(streamId);
      const replayRace = options.eventId !== undefined && error instanceof IdempotencyConflictError;
      if (!(error instanceof WrongExpectedRevisionError) && !replayRace) throw error;
      if (options.expectedRevision !== undefined) {
        if (error instanceof WrongExpectedRevisionError) throw new PreconditionFailedError(streamId, options.expectedRevision, error.actual);
        throw error;
      }
      if (attempt >= maxAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * Math.random()));
    }
  }
}
