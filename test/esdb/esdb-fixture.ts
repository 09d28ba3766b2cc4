/**
 * An in-process stand-in for EventStoreDB: a @grpc/grpc-js server that implements the
 * `event_store.client.streams.Streams` service (Append and Read) in memory, so the real
 * `@eventstore/db-client` 6.2.1 can talk to it over `esdb://127.0.0.1:PORT?tls=false`.
 *
 * It follows the server's protobuf contract (streams.proto of EventStoreDB 24). Only Streams is registered: ServerFeatures stays
 * UNIMPLEMENTED, so the client falls back to the legacy client-streaming Append (no BatchAppend).
 * Delete/Tombstone are not implemented (the EventStore port has no delete).
 *
 * Semantics copied from the server:
 * - revisions start at 0; positions are strictly increasing but NOT contiguous (they grow by a
 *   record-size-like amount, like byte offsets in the transaction log), commit == prepare;
 * - readStream from a revision is inclusive (both directions); readAll forwards from a position is
 *   inclusive, backwards from a position is exclusive; subscriptions start *after* the given
 *   revision/position (START includes everything, END gives only new events);
 * - wrong expected version is an OK `AppendResp.wrong_expected_version` message (new fields only);
 * - idempotent appends follow IndexWriter.CheckCommit: with `any` / `stream_exists` the batch is a
 *   no-op when its first event id is already in the stream and every other id is too, a write when
 *   the first id is unknown, and WrongExpectedVersion ("corrupted idempotency") when only a prefix
 *   matches; with an exact revision (or `no_stream`) behind the head, the ids must match the events
 *   at expected+1.. one for one. An idempotent append answers `no_position` (as older servers do);
 * - the log starts with a few system events (`$` streams and `$` types), like a real database, and
 *   can optionally interleave more system events between user appends;
 * - subscriptions send confirmation, catch-up events, (filtered: checkpoints every
 *   multiplier × window events considered, and one at the head), caught_up, then live events.
 */
import { randomUUID } from 'node:crypto';
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import type { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb.js';
import type { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb.js';

export interface EsdbFixtureOptions {
  /** Write a couple of system events at start-up, as a fresh real server has (default true). */
  seedSystemEvents?: boolean;
  /** After every N successful user appends, also write a system event (`$statsCollected`). Default off. */
  systemEventEvery?: number;
}

export interface EsdbFixture {
  /** `esdb://127.0.0.1:PORT?tls=false` */
  connectionString: string;
  /** Ends every open subscription call with UNAVAILABLE, as a server restart or network drop would. */
  dropSubscriptions(): void;
  /** Number of subscription calls the server is currently serving. */
  liveSubscriptionCount(): number;
  /** Number of events in $all, system events included. */
  eventCount(): number;
  /** Holds every (non-subscription) Read until the returned function is called: a slow server. */
  holdReads(): () => void;
  stop(): Promise<void>;
}

interface StoredEvent {
  id: string;
  streamId: string;
  revision: bigint;
  position: bigint;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch. */
  created: bigint;
}

interface Proposed {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

type Expected = { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: bigint };

interface LiveSubscription {
  call: ServerWritableStream<ReadReq, ReadResp>;
  /** Called for every new event in $all order. */
  onEvent(event: StoredEvent): void;
  end(): void;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TICKS_PER_MS = 10_000n;
const DEFAULT_SEARCH_WINDOW = 32;

class InMemoryLog {
  readonly all: StoredEvent[] = [];
  readonly streams = new Map<string, StoredEvent[]>();
  /** Latest record per event id (the server's committed-events cache, unbounded here). */
  readonly byId = new Map<string, StoredEvent>();
  readonly live = new Set<LiveSubscription>();
  private nextPosition = 1_024n;

  lastRevision(streamId: string): bigint {
    const stream = this.streams.get(streamId);
    return stream && stream.length > 0 ? stream[stream.length - 1].revision : -1n;
  }

  write(streamId: string, events: readonly Proposed[]): StoredEvent[] {
    let stream = this.streams.get(streamId);
    if (!stream) {
      stream = [];
      this.streams.set(streamId, stream);
    }
    const created = BigInt(Date.now()) * TICKS_PER_MS;
    const written: StoredEvent[] = [];
    for (const proposed of events) {
      const record: StoredEvent = {
        ...proposed,
        streamId,
        revision: BigInt(stream.length),
        position: this.nextPosition,
        created,
      };
      // Not contiguous: advance like a byte offset in the transaction log.
      this.nextPosition +=
        97n + BigInt(proposed.data.length + proposed.customMetadata.length + proposed.type.length + streamId.length);
      stream.push(record);
      this.all.push(record);
      this.byId.set(record.id, record);
      written.push(record);
    }
    for (const record of written) {
      for (const subscription of [...this.live]) subscription.onEvent(record);
    }
    return written;
  }

  writeSystemEvent(streamId: string, type: string, data: unknown): void {
    this.write(streamId, [
      {
        id: randomUUID(),
        type,
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify(data), 'utf8'),
        customMetadata: new Uint8Array(),
      },
    ]);
  }
}

export async function startEsdbFixture(options: EsdbFixtureOptions = {}): Promise<EsdbFixture> {
  const log = new InMemoryLog();
  if (options.seedSystemEvents ?? true) {
    log.writeSystemEvent('$settings', '$settings', { $userStreamAcl: { $r: '$all' } });
    log.writeSystemEvent('$scavenges', '$scavengeIndexInitialized', {});
  }
  let userAppends = 0;
  let heldReads: Array<() => void> | undefined;

  const server = new Server();
  server.addService(streamsGrpc.StreamsService, {
    append(call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>) {
      let appendOptions: AppendReq.Options | undefined;
      const proposed: AppendReq.ProposedMessage[] = [];
      call.on('data', (request: AppendReq) => {
        if (request.hasOptions()) appendOptions = request.getOptions();
        else if (request.hasProposedMessage()) proposed.push(request.getProposedMessage()!);
      });
      call.on('error', () => undefined);
      call.on('end', () => {
        try {
          const response = handleAppend(appendOptions, proposed);
          callback(null, response);
        } catch (error) {
          callback(error as Error);
        }
      });
    },
    read(call: ServerWritableStream<ReadReq, ReadResp>) {
      const serve = (): void => {
        try {
          handleRead(call);
        } catch (error) {
          failCall(call, error);
        }
      };
      if (heldReads && !call.request.getOptions()?.hasSubscription()) heldReads.push(serve);
      else serve();
    },
    delete(_call: unknown, callback: sendUnaryData<unknown>) {
      callback(serviceError(status.UNIMPLEMENTED, 'Delete is not implemented by the fixture'));
    },
    tombstone(_call: unknown, callback: sendUnaryData<unknown>) {
      callback(serviceError(status.UNIMPLEMENTED, 'Tombstone is not implemented by the fixture'));
    },
    batchAppend(call: { emit(event: 'error', error: unknown): void }) {
      call.emit('error', serviceError(status.UNIMPLEMENTED, 'BatchAppend is not implemented by the fixture'));
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });

  function handleAppend(appendOptions: AppendReq.Options | undefined, messages: AppendReq.ProposedMessage[]): AppendResp {
    if (!appendOptions) throw serviceError(status.INVALID_ARGUMENT, 'Append without options');
    const streamId = streamName(appendOptions.getStreamIdentifier());
    const expected = expectedFromAppend(appendOptions);
    const events = messages.map(toProposed);

    const current = log.lastRevision(streamId);
    const decision = checkCommit(streamId, expected, current, events.map((event) => event.id));
    const response = new streamsPb.AppendResp();

    if (decision.kind === 'wrong_expected_version') {
      const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
      if (current < 0n) wrong.setCurrentNoStream(new sharedPb.Empty());
      else wrong.setCurrentRevision(current.toString());
      switch (expected.kind) {
        case 'any':
          wrong.setExpectedAny(new sharedPb.Empty());
          break;
        case 'no_stream':
          wrong.setExpectedNoStream(new sharedPb.Empty());
          break;
        case 'stream_exists':
          wrong.setExpectedStreamExists(new sharedPb.Empty());
          break;
        case 'revision':
          wrong.setExpectedRevision(expected.revision.toString());
          break;
      }
      response.setWrongExpectedVersion(wrong);
      return response;
    }

    const success = new streamsPb.AppendResp.Success();
    if (decision.kind === 'idempotent') {
      success.setCurrentRevision(decision.lastRevision.toString());
      success.setNoPosition(new sharedPb.Empty());
    } else if (events.length === 0) {
      if (current < 0n) success.setNoStream(new sharedPb.Empty());
      else success.setCurrentRevision(current.toString());
      success.setNoPosition(new sharedPb.Empty());
    } else {
      const written = log.write(streamId, events);
      const last = written[written.length - 1];
      success.setCurrentRevision(last.revision.toString());
      const position = new streamsPb.AppendResp.Position();
      position.setCommitPosition(last.position.toString());
      position.setPreparePosition(last.position.toString());
      success.setPosition(position);
      userAppends += 1;
      if (options.systemEventEvery && userAppends % options.systemEventEvery === 0) {
        log.writeSystemEvent('$stats-127.0.0.1:2113', '$statsCollected', { 'proc-mem': userAppends });
      }
    }
    response.setSuccess(success);
    return response;
  }

  /** IndexWriter.CheckCommit of the server (without soft deletes, which the fixture does not model). */
  function checkCommit(
    streamId: string,
    expected: Expected,
    current: bigint,
    ids: string[],
  ): { kind: 'ok' } | { kind: 'idempotent'; lastRevision: bigint } | { kind: 'wrong_expected_version' } {
    const stream = log.streams.get(streamId) ?? [];
    if (expected.kind === 'stream_exists' && current < 0n) {
      const result = checkCommit(streamId, { kind: 'any' }, current, ids);
      return result.kind === 'idempotent' ? result : { kind: 'wrong_expected_version' };
    }
    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      let last: bigint | undefined;
      for (const [index, id] of ids.entries()) {
        const known = log.byId.get(id);
        if (!known || known.streamId !== streamId) {
          // First id unknown: an ordinary write. A later one unknown: corrupted idempotency,
          // which the server reports as WrongExpectedVersion.
          return index === 0 ? { kind: 'ok' } : { kind: 'wrong_expected_version' };
        }
        last = known.revision;
      }
      return last === undefined ? { kind: 'ok' } : { kind: 'idempotent', lastRevision: last };
    }
    const expectedRevision = expected.kind === 'no_stream' ? -1n : expected.revision;
    if (expectedRevision < current) {
      let revision = expectedRevision;
      for (const id of ids) {
        revision += 1n;
        const atRevision = revision <= current ? stream[Number(revision)] : undefined;
        if (atRevision && atRevision.id === id) continue;
        return { kind: 'wrong_expected_version' };
      }
      if (ids.length === 0) return { kind: 'wrong_expected_version' };
      return { kind: 'idempotent', lastRevision: revision };
    }
    if (expectedRevision > current) return { kind: 'wrong_expected_version' };
    return { kind: 'ok' };
  }

  function handleRead(call: ServerWritableStream<ReadReq, ReadResp>): void {
    const readOptions = call.request.getOptions();
    if (!readOptions) throw serviceError(status.INVALID_ARGUMENT, 'Read without options');
    const backwards = readOptions.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;

    if (readOptions.hasStream()) {
      const streamOptions = readOptions.getStream()!;
      const streamId = streamName(streamOptions.getStreamIdentifier());
      if (readOptions.hasSubscription()) {
        subscribe(call, streamSubscriptionStart(streamId, streamOptions), (event) => event.streamId === streamId, undefined);
        return;
      }
      const stream = log.streams.get(streamId);
      if (!stream || stream.length === 0) {
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamIdentifier(streamId));
        const response = new streamsPb.ReadResp();
        response.setStreamNotFound(notFound);
        writeSafely(call, response);
        call.end();
        return;
      }
      const count = readCount(readOptions);
      let selected: StoredEvent[];
      if (!backwards) {
        const from = streamOptions.hasRevision()
          ? BigInt(streamOptions.getRevision())
          : streamOptions.hasEnd()
            ? BigInt(stream.length)
            : 0n;
        selected = stream.filter((event) => event.revision >= from);
      } else {
        const from = streamOptions.hasRevision() && !streamOptions.hasEnd() ? BigInt(streamOptions.getRevision()) : null;
        const start = streamOptions.hasStart();
        selected = start
          ? stream.slice(0, 1)
          : [...stream].reverse().filter((event) => from === null || event.revision <= from);
      }
      for (const event of selected.slice(0, count)) writeSafely(call, eventResponse(event));
      call.end();
      return;
    }

    if (!readOptions.hasAll()) throw serviceError(status.INVALID_ARGUMENT, 'Read of neither a stream nor $all');
    const allOptions = readOptions.getAll()!;
    const filter = readOptions.hasFilter() ? compileFilter(readOptions.getFilter()!) : undefined;

    if (readOptions.hasSubscription()) {
      const start: SubscriptionStart = allOptions.hasEnd()
        ? { kind: 'end' }
        : allOptions.hasPosition()
          ? { kind: 'after_position', position: BigInt(allOptions.getPosition()!.getCommitPosition()) }
          : { kind: 'start' };
      subscribe(call, start, filter?.matches ?? (() => true), filter);
      return;
    }

    const count = readCount(readOptions);
    const position = allOptions.hasPosition() ? BigInt(allOptions.getPosition()!.getCommitPosition()) : null;
    let selected: StoredEvent[];
    if (!backwards) {
      if (allOptions.hasEnd()) selected = [];
      else selected = position === null ? log.all : log.all.filter((event) => event.position >= position);
    } else if (allOptions.hasStart()) {
      selected = [];
    } else {
      selected = [...log.all].reverse().filter((event) => position === null || event.position < position);
    }
    if (filter) selected = selected.filter(filter.matches);
    for (const event of selected.slice(0, count)) writeSafely(call, eventResponse(event));
    call.end();
  }

  type SubscriptionStart =
    | { kind: 'start' }
    | { kind: 'end' }
    | { kind: 'after_position'; position: bigint }
    | { kind: 'after_revision'; revision: bigint };

  function streamSubscriptionStart(streamId: string, streamOptions: ReadReq.Options.StreamOptions): SubscriptionStart {
    void streamId;
    if (streamOptions.hasEnd()) return { kind: 'end' };
    if (streamOptions.hasRevision()) return { kind: 'after_revision', revision: BigInt(streamOptions.getRevision()) };
    return { kind: 'start' };
  }

  function subscribe(
    call: ServerWritableStream<ReadReq, ReadResp>,
    start: SubscriptionStart,
    matches: (event: StoredEvent) => boolean,
    filter: CompiledFilter | undefined,
  ): void {
    const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    const confirmationResponse = new streamsPb.ReadResp();
    confirmationResponse.setConfirmation(confirmation);
    writeSafely(call, confirmationResponse);

    const checkpointEvery = filter ? filter.checkpointEvery : Infinity;
    let considered = 0;
    const consider = (event: StoredEvent): void => {
      if (matches(event)) writeSafely(call, eventResponse(event));
      considered += 1;
      if (considered % checkpointEvery === 0) writeSafely(call, checkpointResponse(event.position));
    };

    // Catch-up and registration happen in one synchronous step, so no event can fall in between.
    if (start.kind !== 'end') {
      for (const event of log.all) {
        if (start.kind === 'after_position' && event.position <= start.position) continue;
        if (start.kind === 'after_revision' && event.revision <= start.revision) continue;
        consider(event);
      }
    }
    if (filter) {
      const head = log.all.length > 0 ? log.all[log.all.length - 1].position : 0n;
      writeSafely(call, checkpointResponse(head));
    }
    const caughtUp = new streamsPb.ReadResp();
    caughtUp.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
    writeSafely(call, caughtUp);

    const subscription: LiveSubscription = {
      call,
      onEvent(event) {
        if (start.kind === 'after_revision' && event.revision <= start.revision) return;
        consider(event);
      },
      end() {
        log.live.delete(subscription);
      },
    };
    log.live.add(subscription);
    call.on('cancelled', () => subscription.end());
    call.on('close', () => subscription.end());
    call.on('error', () => subscription.end());
  }

  function failCall(call: ServerWritableStream<ReadReq, ReadResp>, error: unknown): void {
    const serviceErr =
      typeof error === 'object' && error !== null && 'code' in error
        ? error
        : serviceError(status.UNKNOWN, error instanceof Error ? error.message : String(error));
    // grpc-js: emit('error') sends the status; destroy(err) would leave the client hanging.
    call.emit('error', serviceErr);
  }

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    dropSubscriptions() {
      for (const subscription of [...log.live]) {
        subscription.end();
        if (!subscription.call.cancelled) {
          subscription.call.emit('error', serviceError(status.UNAVAILABLE, 'Subscription dropped by the fixture'));
        }
      }
    },
    liveSubscriptionCount: () => log.live.size,
    holdReads() {
      heldReads ??= [];
      return () => {
        const held = heldReads ?? [];
        heldReads = undefined;
        for (const serve of held) serve();
      };
    },
    eventCount: () => log.all.length,
    async stop() {
      for (const subscription of [...log.live]) {
        subscription.end();
        if (!subscription.call.cancelled) {
          subscription.call.emit('error', serviceError(status.UNAVAILABLE, 'Server shutting down'));
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Message helpers

interface CompiledFilter {
  matches(event: StoredEvent): boolean;
  checkpointEvery: number;
}

function compileFilter(filterOptions: ReadReq.Options.FilterOptions): CompiledFilter {
  const onStream = filterOptions.hasStreamIdentifier();
  const expression = onStream ? filterOptions.getStreamIdentifier()! : filterOptions.getEventType()!;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const window = filterOptions.hasMax() ? filterOptions.getMax() : DEFAULT_SEARCH_WINDOW;
  const multiplier = filterOptions.getCheckpointintervalmultiplier() || 1;
  return {
    matches(event) {
      const subject = onStream ? event.streamId : event.type;
      if (regex && !regex.test(subject)) return false;
      if (prefixes.length > 0 && !prefixes.some((prefix) => subject.startsWith(prefix))) return false;
      return true;
    },
    checkpointEvery: Math.max(1, window * multiplier),
  };
}

function readCount(readOptions: ReadReq.Options): number {
  if (!readOptions.hasCount()) return Number.MAX_SAFE_INTEGER;
  const count = BigInt(readOptions.getCount());
  return count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
}

function expectedFromAppend(appendOptions: AppendReq.Options): Expected {
  if (appendOptions.hasRevision()) return { kind: 'revision', revision: BigInt(appendOptions.getRevision()) };
  if (appendOptions.hasNoStream()) return { kind: 'no_stream' };
  if (appendOptions.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function toProposed(message: AppendReq.ProposedMessage): Proposed {
  const id = uuidString(message.getId());
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  if (!type) throw serviceError(status.INVALID_ARGUMENT, 'Proposed message without a type', 'missing-required-metadata-property');
  return {
    id,
    type,
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

function uuidString(uuid: UUID | undefined): string {
  if (!uuid) throw serviceError(status.INVALID_ARGUMENT, 'Proposed message without an id');
  let text: string;
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured()!;
    const hex =
      BigInt.asUintN(64, BigInt(structured.getMostSignificantBits())).toString(16).padStart(16, '0') +
      BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits())).toString(16).padStart(16, '0');
    text = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  } else {
    text = uuid.getString();
  }
  // The server parses ids as .NET Guids and prints them in lower case.
  if (!UUID_PATTERN.test(text)) throw serviceError(status.INVALID_ARGUMENT, `Invalid event id "${text}": not a UUID`);
  return text.toLowerCase();
}

function streamName(identifier: StreamIdentifier | undefined): string {
  if (!identifier) throw serviceError(status.INVALID_ARGUMENT, 'Missing stream identifier');
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

function streamIdentifier(streamId: string): StreamIdentifier {
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Uint8Array.from(Buffer.from(streamId, 'utf8')));
  return identifier;
}

function eventResponse(event: StoredEvent): ReadResp {
  const record = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  const id = new sharedPb.UUID();
  id.setString(event.id);
  record.setId(id);
  record.setStreamIdentifier(streamIdentifier(event.streamId));
  record.setStreamRevision(event.revision.toString());
  record.setCommitPosition(event.position.toString());
  record.setPreparePosition(event.position.toString());
  const metadata = record.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.created.toString());
  record.setData(event.data);
  record.setCustomMetadata(event.customMetadata);
  const readEvent = new streamsPb.ReadResp.ReadEvent();
  readEvent.setEvent(record);
  readEvent.setCommitPosition(event.position.toString());
  const response = new streamsPb.ReadResp();
  response.setEvent(readEvent);
  return response;
}

function checkpointResponse(position: bigint): ReadResp {
  const checkpoint = new streamsPb.ReadResp.Checkpoint();
  checkpoint.setCommitPosition(position.toString());
  checkpoint.setPreparePosition(position.toString());
  const response = new streamsPb.ReadResp();
  response.setCheckpoint(checkpoint);
  return response;
}

function writeSafely(call: ServerWritableStream<ReadReq, ReadResp>, response: ReadResp): void {
  if (call.cancelled || call.destroyed || call.writableEnded) return;
  try {
    call.write(response);
  } catch {
    // The client went away between the check and the write.
  }
}

function serviceError(code: status, details: string, exception?: string): Error & { code: status; details: string; metadata: Metadata } {
  const metadata = new Metadata();
  if (exception) metadata.set('exception', exception);
  return Object.assign(new Error(details), { code, details, metadata });
}
