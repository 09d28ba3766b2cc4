/**
 * An in-process stand-in for EventStoreDB: a @grpc/grpc-js server that implements the
 * `event_store.client.streams.Streams` service (Read, Append, BatchAppend, Tombstone) and, like a
 * 24.10 server, `event_store.client.server_features.ServerFeatures`, in memory, so the real
 * `@eventstore/db-client` 6.2.1 can talk to it over `esdb://127.0.0.1:PORT?tls=false`.
 *
 * It follows the server's protobuf contract (streams.proto of EventStoreDB 24) in one of two modes:
 * - `24.10` (default): ServerFeatures advertises BatchAppend (with `deadline_duration`), so the
 *   client sends every append (without per-call credentials) over one long-lived BatchAppend call;
 *   failures come back as `google.rpc.Status` with typed details (WrongExpectedVersion as
 *   ALREADY_EXISTS, StreamDeleted as NOT_FOUND, AccessDenied, MaximumAppendSizeExceeded), as
 *   Streams.BatchAppend.cs / Status.cs of 24.10 send them; an idempotent append answers the
 *   position of the last event it matched (IndexWriter's IdempotentLogPosition).
 * - `legacy`: ServerFeatures and BatchAppend are UNIMPLEMENTED (a pre-21.10 server), so the client
 *   falls back to the client-streaming Append; wrong expected version is an OK
 *   `AppendResp.wrong_expected_version`, other failures are gRPC errors with the `exception`
 *   metadata key (RpcExceptions.cs); an idempotent append answers `no_position`.
 *
 * Semantics copied from the server (24.10):
 * - revisions start at 0; positions are strictly increasing but NOT contiguous (they grow by a
 *   record-size-like amount, like byte offsets in the transaction log), commit == prepare;
 * - readStream from a revision is inclusive (both directions); readAll forwards from a position is
 *   inclusive, backwards from a position is exclusive; subscriptions start *after* the given
 *   revision/position (START includes everything, END gives only new events);
 * - idempotency is IndexWriter.CheckCommit: with `any` / `stream_exists` a batch is recognised as
 *   already written ONLY from a bounded in-memory cache of recent event ids (`idempotencyCacheSize`,
 *   least recently written dropped first), which restart() and leaderChange() empty: a late retry
 *   with `any` is then written twice, as on a real server. With an exact revision (or `no_stream`)
 *   behind the head, the ids are compared with the events stored at expected+1.. in the stream
 *   itself (cache or ReadPrepare), which survives restarts. A prefix match is "corrupted
 *   idempotency", reported as WrongExpectedVersion;
 * - a tombstoned stream (Tombstone RPC or tombstone()) refuses reads and appends with
 *   StreamDeleted; its `$streamDeleted` record shows in $all;
 * - stream metadata (`$$<stream>` events of type `$metadata`, as setStreamMetadata writes them):
 *   `$maxCount`, `$maxAge` (seconds) and `$tb` hide a stream's oldest events from stream reads (not
 *   from $all, which keeps them until a scavenge: the fixture never scavenges), as
 *   IndexReader.ReadStreamEventsForward does; all hidden → an empty read, not StreamNotFound;
 * - MaxAppendSize (default 1 MiB) counts the events' data bytes (Event.SizeOnDisk, whose operator
 *   precedence makes it the data length);
 * - setAccess() plays a secure server whose connection user lacks rights: reads of $all (and $all
 *   subscriptions) or appends answer AccessDenied;
 * - leaderChange() plays a cluster election: live subscriptions end and the next calls answer
 *   NotLeader naming the (new) leader's endpoint, which is this same address, so the client
 *   reconnects here; the id cache is lost;
 * - restart() stops the gRPC server (every open call fails), forgets the id cache and listens again
 *   on the same port; the log itself is kept (it is on disk on a real server);
 * - the log starts with a few system events (`$` streams and `$` types), like a real database, and
 *   can optionally interleave more system events between user appends;
 * - subscriptions send confirmation, catch-up events, (filtered: checkpoints every
 *   multiplier × window events considered, and one at the head), caught_up, then live events.
 * Delete (soft delete) is not implemented: the EventStore port never deletes.
 */
import { randomUUID } from 'node:crypto';
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import serverFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import type {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
  TombstoneReq,
  TombstoneResp,
} from '@eventstore/db-client/generated/streams_pb.js';
import type { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb.js';

/** `24.10`: ServerFeatures + BatchAppend (what docker-compose runs). `legacy`: a server before BatchAppend. */
export type EsdbServerMode = 'legacy' | '24.10';

/** Both modes, for suites that run on each: `describe.each(ESDB_MODES)`. */
export const ESDB_MODES: readonly EsdbServerMode[] = ['legacy', '24.10'];

export interface EsdbFixtureOptions {
  /** Default '24.10'. */
  mode?: EsdbServerMode;
  /** Write a couple of system events at start-up, as a fresh real server has (default true). */
  seedSystemEvents?: boolean;
  /** After every N successful user appends, also write a system event (`$statsCollected`). Default off. */
  systemEventEvery?: number;
  /** Bytes of event data one append may carry (the server's MaxAppendSize). Default 1 MiB. */
  maxAppendSize?: number;
  /** Event ids the idempotency cache holds (the server bounds it by memory, 8 MiB). Default 10,000. */
  idempotencyCacheSize?: number;
}

export interface EsdbFixture {
  /** `esdb://127.0.0.1:PORT?tls=false` */
  connectionString: string;
  readonly mode: EsdbServerMode;
  /** Ends every open subscription call with UNAVAILABLE, as a server restart or network drop would. */
  dropSubscriptions(): void;
  /** Number of subscription calls the server is currently serving. */
  liveSubscriptionCount(): number;
  /** Number of events in $all, system events included. */
  eventCount(): number;
  /** Holds every (non-subscription) Read until the returned function is called: a slow server. */
  holdReads(): () => void;
  /** Tombstones (hard-deletes) a stream, as an operator would. */
  tombstone(streamId: string): void;
  /** What the connection's user may do (a secure server with ACLs). Default: everything. */
  setAccess(access: { readAll?: boolean; write?: boolean }): void;
  /** A leader election: subscriptions end, the next `notLeaderAnswers` calls (default 1) answer NotLeader, the id cache is lost. */
  leaderChange(options?: { notLeaderAnswers?: number }): void;
  /** Stops and starts the server on the same port: open calls fail, the id cache is lost, the log is kept. */
  restart(): Promise<void>;
  /** The next append is written, but its answer is lost (the call fails UNAVAILABLE): an ambiguous failure. */
  loseNextAppendReply(): void;
  /** Appends the server handled (written, idempotent or refused), per protocol. */
  appendCalls(): { append: number; batchAppend: number };
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

/** What an append came to, before it is encoded for Append or BatchAppend. */
type AppendOutcome =
  | { kind: 'written'; lastRevision: bigint; position: bigint }
  | { kind: 'idempotent'; lastRevision: bigint; position: bigint }
  | { kind: 'empty'; current: bigint }
  | { kind: 'wrong_expected_version'; current: bigint }
  | { kind: 'stream_deleted' }
  | { kind: 'access_denied' }
  | { kind: 'too_big'; maxAppendSize: number };

interface LiveSubscription {
  call: ServerWritableStream<ReadReq, ReadResp>;
  /** Called for every new event in $all order. */
  onEvent(event: StoredEvent): void;
  end(): void;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TICKS_PER_MS = 10_000n;
const DEFAULT_SEARCH_WINDOW = 32;
const DEFAULT_MAX_APPEND_SIZE = 1_024 * 1_024;
const DEFAULT_ID_CACHE_SIZE = 10_000;
/** EventNumber.DeletedStream: the revision of a tombstone record. */
const DELETED_STREAM = 9_223_372_036_854_775_807n;
/** google.rpc.Code values the server's Status.cs uses. */
const CODE = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7 } as const;

class InMemoryLog {
  readonly all: StoredEvent[] = [];
  readonly streams = new Map<string, StoredEvent[]>();
  readonly tombstoned = new Set<string>();
  readonly live = new Set<LiveSubscription>();
  private nextPosition = 1_024n;

  /** The server's committed-events cache: recent event ids only, lost on restart. */
  readonly idCache: Map<string, { streamId: string; revision: bigint }>;

  constructor(private readonly idCacheSize: number) {
    this.idCache = new Map();
  }

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
      const record = this.record(streamId, BigInt(stream.length), proposed, created);
      stream.push(record);
      this.remember(record);
      written.push(record);
    }
    this.publish(written);
    return written;
  }

  /** The tombstone record: in $all, not in the stream. */
  writeTombstone(streamId: string): StoredEvent {
    const record = this.record(
      streamId,
      DELETED_STREAM,
      { id: randomUUID(), type: '$streamDeleted', contentType: 'application/octet-stream', data: new Uint8Array(), customMetadata: new Uint8Array() },
      BigInt(Date.now()) * TICKS_PER_MS,
    );
    this.tombstoned.add(streamId);
    this.publish([record]);
    return record;
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

  /** Stream metadata as the server applies it to reads of `streamId`. */
  metadataOf(streamId: string): { maxCount?: number; maxAge?: number; truncateBefore?: bigint } {
    const meta = this.streams.get(`$$${streamId}`);
    const last = meta?.[meta.length - 1];
    if (!last || last.type !== '$metadata') return {};
    try {
      const parsed = JSON.parse(Buffer.from(last.data).toString('utf8')) as Record<string, unknown>;
      return {
        maxCount: typeof parsed.$maxCount === 'number' ? parsed.$maxCount : undefined,
        maxAge: typeof parsed.$maxAge === 'number' ? parsed.$maxAge : undefined,
        truncateBefore: typeof parsed.$tb === 'number' ? BigInt(parsed.$tb) : undefined,
      };
    } catch {
      return {};
    }
  }

  /** The events of a stream a read may return ($maxCount, $tb, $maxAge applied). */
  visible(streamId: string): StoredEvent[] {
    const stream = this.streams.get(streamId) ?? [];
    const { maxCount, maxAge, truncateBefore } = this.metadataOf(streamId);
    let min = 0n;
    const last = this.lastRevision(streamId);
    if (maxCount !== undefined) min = bigMax(min, last - BigInt(maxCount) + 1n);
    if (truncateBefore !== undefined) min = bigMax(min, truncateBefore);
    const oldest = maxAge !== undefined ? BigInt(Date.now() - maxAge * 1_000) * TICKS_PER_MS : undefined;
    return stream.filter((event) => event.revision >= min && (oldest === undefined || event.created >= oldest));
  }

  private record(streamId: string, revision: bigint, proposed: Proposed, created: bigint): StoredEvent {
    const record: StoredEvent = { ...proposed, streamId, revision, position: this.nextPosition, created };
    // Not contiguous: advance like a byte offset in the transaction log.
    this.nextPosition += 97n + BigInt(proposed.data.length + proposed.customMetadata.length + proposed.type.length + streamId.length);
    this.all.push(record);
    return record;
  }

  private remember(record: StoredEvent): void {
    this.idCache.delete(record.id);
    this.idCache.set(record.id, { streamId: record.streamId, revision: record.revision });
    while (this.idCache.size > this.idCacheSize) this.idCache.delete(this.idCache.keys().next().value as string);
  }

  private publish(records: readonly StoredEvent[]): void {
    for (const record of records) {
      for (const subscription of [...this.live]) subscription.onEvent(record);
    }
  }
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export async function startEsdbFixture(options: EsdbFixtureOptions = {}): Promise<EsdbFixture> {
  const mode = options.mode ?? '24.10';
  const maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
  const log = new InMemoryLog(options.idempotencyCacheSize ?? DEFAULT_ID_CACHE_SIZE);
  if (options.seedSystemEvents ?? true) {
    log.writeSystemEvent('$settings', '$settings', { $userStreamAcl: { $r: '$all' } });
    log.writeSystemEvent('$scavenges', '$scavengeIndexInitialized', {});
  }
  let userAppends = 0;
  let heldReads: Array<() => void> | undefined;
  let access = { readAll: true, write: true };
  let notLeaderAnswers = 0;
  let loseNextReply = false;
  const calls = { append: 0, batchAppend: 0 };
  let port = 0;

  /** NotLeader while an election is being answered: the RpcException of RpcExceptions.LeaderInfo. */
  function takeNotLeader(): Error | undefined {
    if (notLeaderAnswers <= 0) return undefined;
    notLeaderAnswers -= 1;
    const metadata = new Metadata();
    metadata.set('exception', 'not-leader');
    metadata.set('leader-endpoint-host', '127.0.0.1');
    metadata.set('leader-endpoint-port', String(port));
    return Object.assign(new Error('Leader info available'), { code: status.NOT_FOUND, details: 'Leader info available', metadata });
  }

  const streamsService = {
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
          const notLeader = takeNotLeader();
          if (notLeader) throw notLeader;
          if (!appendOptions) throw serviceError(status.INVALID_ARGUMENT, 'Append without options');
          calls.append += 1;
          const streamId = streamName(appendOptions.getStreamIdentifier());
          const expected = expectedOf(appendOptions);
          const outcome = handleAppend(streamId, expected, proposed.map(toProposed));
          if (loseReplyOf(outcome)) throw serviceError(status.UNAVAILABLE, 'Connection dropped');
          callback(null, legacyResponse(streamId, expected, outcome));
        } catch (error) {
          callback(error as Error);
        }
      });
    },
    batchAppend(call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>) {
      if (mode === 'legacy') {
        call.emit('error', serviceError(status.UNIMPLEMENTED, 'Method not found: BatchAppend'));
        return;
      }
      const pending = new Map<string, { streamId: string; expected: Expected; events: Proposed[]; size: number }>();
      let failed = false;
      call.on('data', (request: BatchAppendReq) => {
        if (failed) return;
        const correlationId = request.getCorrelationId();
        const key = uuidString(correlationId);
        const reply = (streamId: string, fill: (response: BatchAppendResp) => void): void => {
          const response = new streamsPb.BatchAppendResp();
          response.setCorrelationId(correlationId);
          response.setStreamIdentifier(streamIdentifier(streamId));
          fill(response);
          if (!call.cancelled && !call.destroyed && !call.writableEnded) call.write(response);
        };
        try {
          const notLeader = takeNotLeader();
          if (notLeader) {
            // The server throws RpcExceptions.LeaderInfo out of the whole call (Streams.BatchAppend.cs).
            failed = true;
            call.emit('error', notLeader);
            return;
          }
          if (request.hasOptions()) {
            const batchOptions = request.getOptions()!;
            const streamId = streamName(batchOptions.getStreamIdentifier());
            if (!access.write) {
              calls.batchAppend += 1;
              reply(streamId, (response) => response.setError(rpcStatus(CODE.PERMISSION_DENIED, 'AccessDenied', new sharedPb.AccessDenied(), 'AccessDenied')));
              return;
            }
            if (!pending.has(key)) pending.set(key, { streamId, expected: expectedOf(batchOptions), events: [], size: 0 });
          }
          const entry = pending.get(key);
          if (!entry) return;
          for (const message of request.getProposedMessagesList()) {
            const event = toProposed(message);
            entry.events.push(event);
            entry.size += event.data.length;
          }
          if (entry.size > maxAppendSize) {
            pending.delete(key);
            calls.batchAppend += 1;
            const details = new sharedPb.MaximumAppendSizeExceeded();
            details.setMaxappendsize(maxAppendSize);
            reply(entry.streamId, (response) => response.setError(rpcStatus(CODE.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', details, 'MaximumAppendSizeExceeded')));
            return;
          }
          if (!request.getIsFinal()) return;
          pending.delete(key);
          calls.batchAppend += 1;
          const outcome = handleAppend(entry.streamId, entry.expected, entry.events);
          if (loseReplyOf(outcome)) {
            failed = true;
            call.emit('error', serviceError(status.UNAVAILABLE, 'Connection dropped'));
            return;
          }
          reply(entry.streamId, (response) => fillBatchResponse(response, entry.streamId, entry.expected, outcome));
        } catch (error) {
          failed = true;
          call.emit('error', error);
        }
      });
      call.on('error', () => undefined);
      call.on('end', () => {
        if (!failed) call.end();
      });
    },
    read(call: ServerWritableStream<ReadReq, ReadResp>) {
      const serve = (): void => {
        try {
          const notLeader = takeNotLeader();
          if (notLeader) throw notLeader;
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
    tombstone(call: ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: sendUnaryData<TombstoneResp>) {
      try {
        const tombstoneOptions = call.request.getOptions();
        if (!tombstoneOptions) throw serviceError(status.INVALID_ARGUMENT, 'Tombstone without options');
        const streamId = streamName(tombstoneOptions.getStreamIdentifier());
        if (log.tombstoned.has(streamId)) throw streamDeletedError(streamId);
        const record = log.writeTombstone(streamId);
        const response = new streamsPb.TombstoneResp();
        const position = new streamsPb.TombstoneResp.Position();
        position.setCommitPosition(record.position.toString());
        position.setPreparePosition(record.position.toString());
        response.setPosition(position);
        callback(null, response);
      } catch (error) {
        callback(error as Error);
      }
    },
  };

  const serverFeaturesService = {
    getSupportedMethods(_call: unknown, callback: sendUnaryData<unknown>) {
      if (mode === 'legacy') {
        callback(serviceError(status.UNIMPLEMENTED, 'Method not found: GetSupportedMethods'));
        return;
      }
      // What ServerFeatures.cs lists for the methods the fixture serves (lower case, with features).
      const supported = new serverFeaturesPb.SupportedMethods();
      supported.setEventStoreServerVersion('24.10.0');
      const method = (service: string, name: string, features: string[] = []): void => {
        const entry = new serverFeaturesPb.SupportedMethod();
        entry.setServiceName(service);
        entry.setMethodName(name);
        entry.setFeaturesList(features);
        supported.addMethods(entry);
      };
      method('event_store.client.streams.streams', 'read', ['position', 'events']);
      method('event_store.client.streams.streams', 'append');
      method('event_store.client.streams.streams', 'batchappend', ['deadline_duration']);
      method('event_store.client.streams.streams', 'tombstone');
      method('event_store.client.server_features.serverfeatures', 'getsupportedmethods');
      callback(null, supported);
    },
  };

  let server: Server;
  async function listen(onPort: number): Promise<number> {
    server = new Server();
    server.addService(streamsGrpc.StreamsService, streamsService);
    server.addService(serverFeaturesGrpc.ServerFeaturesService, serverFeaturesService);
    return new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${onPort}`, ServerCredentials.createInsecure(), (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      );
    });
  }
  port = await listen(0);

  function loseReplyOf(outcome: AppendOutcome): boolean {
    if (!loseNextReply || outcome.kind !== 'written') return false;
    loseNextReply = false;
    return true;
  }

  function handleAppend(streamId: string, expected: Expected, events: Proposed[]): AppendOutcome {
    if (!access.write) return { kind: 'access_denied' };
    if (events.reduce((sum, event) => sum + event.data.length, 0) > maxAppendSize) return { kind: 'too_big', maxAppendSize };
    if (log.tombstoned.has(streamId)) return { kind: 'stream_deleted' };
    const current = log.lastRevision(streamId);
    const decision = checkCommit(streamId, expected, current, events.map((event) => event.id));
    if (decision.kind === 'wrong_expected_version') return { kind: 'wrong_expected_version', current };
    if (decision.kind === 'idempotent') {
      const stream = log.streams.get(streamId) ?? [];
      return { kind: 'idempotent', lastRevision: decision.lastRevision, position: stream[Number(decision.lastRevision)].position };
    }
    if (events.length === 0) return { kind: 'empty', current };
    const written = log.write(streamId, events);
    const last = written[written.length - 1];
    userAppends += 1;
    if (options.systemEventEvery && userAppends % options.systemEventEvery === 0) {
      log.writeSystemEvent('$stats-127.0.0.1:2113', '$statsCollected', { 'proc-mem': userAppends });
    }
    return { kind: 'written', lastRevision: last.revision, position: last.position };
  }

  /** IndexWriter.CheckCommit of the server (without soft deletes, which the fixture does not model). */
  function checkCommit(
    streamId: string,
    expected: Expected,
    current: bigint,
    ids: string[],
  ): { kind: 'ok' } | { kind: 'idempotent'; lastRevision: bigint } | { kind: 'wrong_expected_version' } {
    const stream = log.streams.get(streamId) ?? [];
    if (expected.kind === 'stream_exists' && current < 0n) return { kind: 'wrong_expected_version' };
    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      // Only the in-memory cache of recent ids: a restart or leader change forgets them.
      let last: bigint | undefined;
      for (const [index, id] of ids.entries()) {
        const known = log.idCache.get(id);
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
      // The cache, then the stream itself (ReadPrepare): survives restarts.
      let revision = expectedRevision;
      for (const id of ids) {
        revision += 1n;
        const cached = log.idCache.get(id);
        if (cached && cached.streamId === streamId && cached.revision === revision) continue;
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
      if (log.tombstoned.has(streamId)) throw streamDeletedError(streamId);
      const stored = log.streams.get(streamId);
      if (!stored || stored.length === 0) {
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamIdentifier(streamId));
        const response = new streamsPb.ReadResp();
        response.setStreamNotFound(notFound);
        writeSafely(call, response);
        call.end();
        return;
      }
      const stream = log.visible(streamId);
      const count = readCount(readOptions);
      let selected: StoredEvent[];
      if (!backwards) {
        const from = streamOptions.hasRevision()
          ? BigInt(streamOptions.getRevision())
          : streamOptions.hasEnd()
            ? log.lastRevision(streamId) + 1n
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
    if (!access.readAll) throw accessDeniedError();
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

  function endSubscriptions(error: () => Error): void {
    for (const subscription of [...log.live]) {
      subscription.end();
      if (!subscription.call.cancelled) subscription.call.emit('error', error());
    }
  }

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    mode,
    dropSubscriptions() {
      endSubscriptions(() => serviceError(status.UNAVAILABLE, 'Subscription dropped by the fixture'));
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
    tombstone(streamId) {
      if (!log.tombstoned.has(streamId)) log.writeTombstone(streamId);
    },
    setAccess(next) {
      access = { ...access, ...next };
    },
    leaderChange(change = {}) {
      log.idCache.clear();
      notLeaderAnswers = change.notLeaderAnswers ?? 1;
      endSubscriptions(() => {
        const metadata = new Metadata();
        metadata.set('exception', 'not-leader');
        metadata.set('leader-endpoint-host', '127.0.0.1');
        metadata.set('leader-endpoint-port', String(port));
        return Object.assign(new Error('Leader info available'), { code: status.NOT_FOUND, details: 'Leader info available', metadata });
      });
    },
    async restart() {
      endSubscriptions(() => serviceError(status.UNAVAILABLE, 'Server shutting down'));
      server.forceShutdown();
      log.idCache.clear();
      await listen(port);
    },
    loseNextAppendReply() {
      loseNextReply = true;
    },
    appendCalls: () => ({ ...calls }),
    async stop() {
      endSubscriptions(() => serviceError(status.UNAVAILABLE, 'Server shutting down'));
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
// Encoding an append's outcome

/** The legacy Append's answer: success / wrong_expected_version messages, other failures as RpcExceptions. */
function legacyResponse(streamId: string, expected: Expected, outcome: AppendOutcome): AppendResp {
  const response = new streamsPb.AppendResp();
  switch (outcome.kind) {
    case 'access_denied':
      throw accessDeniedError();
    case 'too_big':
      throw maxAppendSizeError(outcome.maxAppendSize);
    case 'stream_deleted':
      throw streamDeletedError(streamId);
    case 'wrong_expected_version': {
      const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
      if (outcome.current < 0n) wrong.setCurrentNoStream(new sharedPb.Empty());
      else wrong.setCurrentRevision(outcome.current.toString());
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
    case 'empty': {
      const success = new streamsPb.AppendResp.Success();
      if (outcome.current < 0n) success.setNoStream(new sharedPb.Empty());
      else success.setCurrentRevision(outcome.current.toString());
      success.setNoPosition(new sharedPb.Empty());
      response.setSuccess(success);
      return response;
    }
    case 'idempotent':
    case 'written': {
      const success = new streamsPb.AppendResp.Success();
      success.setCurrentRevision(outcome.lastRevision.toString());
      if (outcome.kind === 'idempotent') {
        // Servers before BatchAppend answered an idempotent append without a position.
        success.setNoPosition(new sharedPb.Empty());
      } else {
        const position = new streamsPb.AppendResp.Position();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
      }
      response.setSuccess(success);
      return response;
    }
  }
}

/** BatchAppendResp as Streams.BatchAppend.cs fills it (Status.cs for the errors). */
function fillBatchResponse(response: BatchAppendResp, streamId: string, expected: Expected, outcome: AppendOutcome): void {
  switch (outcome.kind) {
    case 'access_denied':
      response.setError(rpcStatus(CODE.PERMISSION_DENIED, 'AccessDenied', new sharedPb.AccessDenied(), 'AccessDenied'));
      return;
    case 'too_big': {
      const details = new sharedPb.MaximumAppendSizeExceeded();
      details.setMaxappendsize(outcome.maxAppendSize);
      response.setError(rpcStatus(CODE.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', details, 'MaximumAppendSizeExceeded'));
      return;
    }
    case 'stream_deleted': {
      const details = new sharedPb.StreamDeleted();
      details.setStreamIdentifier(streamIdentifier(streamId));
      response.setError(rpcStatus(CODE.NOT_FOUND, 'StreamDeleted', details, 'StreamDeleted'));
      return;
    }
    case 'wrong_expected_version': {
      const details = new sharedPb.WrongExpectedVersion();
      if (outcome.current < 0n) details.setCurrentNoStream(new emptyPb.Empty());
      else details.setCurrentStreamRevision(outcome.current.toString());
      switch (expected.kind) {
        case 'any':
          details.setExpectedAny(new emptyPb.Empty());
          break;
        case 'no_stream':
          details.setExpectedNoStream(new emptyPb.Empty());
          break;
        case 'stream_exists':
          details.setExpectedStreamExists(new emptyPb.Empty());
          break;
        case 'revision':
          details.setExpectedStreamPosition(expected.revision.toString());
          break;
      }
      response.setError(rpcStatus(CODE.ALREADY_EXISTS, 'WrongExpectedVersion', details, 'WrongExpectedVersion'));
      return;
    }
    case 'empty':
    case 'idempotent':
    case 'written': {
      const success = new streamsPb.BatchAppendResp.Success();
      const revision = outcome.kind === 'empty' ? outcome.current : outcome.lastRevision;
      if (revision < 0n) success.setNoStream(new emptyPb.Empty());
      else success.setCurrentRevision(revision.toString());
      if (outcome.kind === 'empty') {
        success.setNoPosition(new emptyPb.Empty());
      } else {
        // 24.10 answers an idempotent append with the position of the last event it matched.
        const position = new sharedPb.AllStreamPosition();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
      }
      response.setSuccess(success);
      return;
    }
  }
}

/** google.rpc.Status with `details` packed as `event_store.client.<typeName>`. */
function rpcStatus(code: number, message: string, details: { serializeBinary(): Uint8Array }, typeName: string): InstanceType<typeof statusPb.Status> {
  const any = new anyPb.Any();
  any.pack(details.serializeBinary(), `event_store.client.${typeName}`);
  const result = new statusPb.Status();
  result.setCode(code);
  result.setMessage(message);
  result.setDetails(any as never);
  return result;
}

function accessDeniedError(): Error {
  return serviceError(status.PERMISSION_DENIED, 'Access Denied', 'access-denied');
}

function streamDeletedError(streamId: string): Error {
  const error = serviceError(status.FAILED_PRECONDITION, `Event stream '${streamId}' is deleted.`, 'stream-deleted');
  error.metadata.set('stream-name', streamId);
  return error;
}

function maxAppendSizeError(maxAppendSize: number): Error {
  const error = serviceError(status.INVALID_ARGUMENT, `Maximum Append Size of ${maxAppendSize} Exceeded.`, 'maximum-append-size-exceeded');
  error.metadata.set('maximum-append-size', String(maxAppendSize));
  return error;
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

function expectedOf(appendOptions: AppendReq.Options | BatchAppendReq.Options): Expected {
  if ('hasRevision' in appendOptions && appendOptions.hasRevision()) return { kind: 'revision', revision: BigInt(appendOptions.getRevision()) };
  if ('hasStreamPosition' in appendOptions && appendOptions.hasStreamPosition()) {
    return { kind: 'revision', revision: BigInt(appendOptions.getStreamPosition()) };
  }
  if (appendOptions.hasNoStream()) return { kind: 'no_stream' };
  if (appendOptions.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function toProposed(message: AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage): Proposed {
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
