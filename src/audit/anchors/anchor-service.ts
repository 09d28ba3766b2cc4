import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ProblemException } from '../../common/problem.js';
import { SYSTEM_ACTOR } from '../../common/system-actor.js';
import { DATABASE } from '../../database/database.module.js';
import type { Database } from '../../database/database.js';
import { EVENT_STORE, type EventMetadata, type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import { AdvisoryLocks } from '../../projections-runtime/advisory-locks.js';
import { ProjectionRuntime } from '../../projections-runtime/projection-runtime.js';
import type { AnchoredHead } from '../anchor-check.js';
import { headOf, linkEvents } from '../hash-chain.js';
import { compareStreamIds, leafHash, merkleProof, merkleRoot, verifyMerkleProof, type MerkleProofStep } from '../merkle.js';
import { ANCHOR_STREAM, readHeadsAfter, type ChainHead } from '../queries/chain-heads.js';

export const ANCHOR_EVENT_TYPE = 'ChainHeadsAnchored';
/** The advisory lock only the writer of an anchor holds (one instance at a time). */
export const ANCHOR_LOCK_KEY = 'audit:anchors';

/** The data of a ChainHeadsAnchored event. */
export interface AnchorData {
  /** 1, 2, …: the anchor's place in the anchors' stream (its revision + 1). */
  sequence: number;
  /** Merkle root over every stream's head (see src/audit/merkle.ts), sorted by stream id. */
  root: string;
  /** Leaves of the tree: streams anchored. */
  streams: number;
  /** Heads that moved since the previous anchor. */
  changed: number;
  /** Position of the newest event whose head this anchor covers. */
  coversPosition: string;
  previousRoot: string | null;
  trigger: 'schedule' | 'request';
  at: string;
}

export interface AnchorView extends AnchorData {
  position: string;
  recordedAt: string;
  /** The chain hash of the anchor event itself (anchors chain to each other like any stream). */
  hash: string | null;
}

export interface AnchorRun {
  /** True when this run appended an anchor. */
  written: boolean;
  /** Why nothing was written: no head moved since the last anchor, or another run holds the lock. */
  skipped?: 'unchanged' | 'busy';
  anchor: AnchorView | null;
}

export interface AnchorProof {
  sequence: number;
  root: string;
  leaf: { streamId: string; revision: number; headHash: string | null; hash: string };
  /** Sibling hashes from the leaf up to the root. */
  path: MerkleProofStep[];
  /** The path leads to the anchor's root. */
  verified: boolean;
  /** The tree rebuilt from the stored heads has the root the anchor event recorded. */
  rootMatches: boolean;
}

interface Leaf {
  revision: number;
  headHash: string | null;
  hash: string;
}

/** The anchored heads as of one anchor, in leaf order (kept in memory between runs: only moved leaves are re-hashed). */
interface Tree {
  sequence: number;
  leaves: Map<string, Leaf>;
  order: string[];
  hashes: string[];
}

/**
 * Anchors of the hash chains. A run takes the heads that moved since the last anchor from the
 * chain_heads read model (never re-reading or re-hashing the streams), records them in
 * audit_anchor_heads, computes the Merkle root over every stream's head and appends it as a
 * ChainHeadsAnchored event to the `audit-anchors` stream, chained like every stream. When no head
 * moved, nothing is written. Runs every ANCHOR_INTERVAL_SECONDS (0: never) and on request
 * (POST /audit/anchors); only the holder of the `audit:anchors` advisory lock writes, so one
 * instance at a time, and the append's expected revision refuses a second writer anyway.
 */
@Injectable()
export class AnchorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Anchors');
  private readonly locks: AdvisoryLocks;
  private tree?: Tree;
  private timer?: NodeJS.Timeout;
  private running?: Promise<AnchorRun>;

  constructor(
    @Inject(DATABASE) private readonly database: Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runtime: ProjectionRuntime,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'anchorIntervalSeconds'>,
  ) {
    this.locks = new AdvisoryLocks(database);
  }

  private get db(): Kysely<any> {
    return this.database.db;
  }

  onApplicationBootstrap(): void {
    const seconds = this.config.anchorIntervalSeconds;
    if (!seconds) return;
    this.timer = setInterval(() => {
      void this.anchor('schedule').catch((error: Error) => this.logger.warn(`Anchor run failed: ${error.message}`));
    }, seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.locks.close();
  }

  /** One anchor run (see the class comment). Concurrent calls in this process share one run. */
  anchor(trigger: AnchorData['trigger'], metadata: EventMetadata = { actor: SYSTEM_ACTOR }): Promise<AnchorRun> {
    this.running ??= this.run(trigger, metadata).finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * POST /audit/anchors: first waits (at most 5 s) for the chain heads read model to reach the
   * newest event, so the anchor covers what was written before the request.
   */
  async anchorOnRequest(metadata: EventMetadata): Promise<AnchorRun> {
    const { head, reached } = await this.runtime.waitForHead({ projections: ['chain_heads'], timeoutMs: 5000 });
    if (!reached) {
      throw ProblemException.rule('read_your_writes.timeout', `The chain heads did not reach position ${head} within 5000 ms; try again later`, { minPosition: head });
    }
    // A run that began before the wait ended read the heads too early: let it finish, then run again.
    await this.running?.catch(() => undefined);
    const deadline = Date.now() + 5000;
    let run = await this.anchor('request', metadata);
    // Another instance holds the anchor lock: its run may also predate this request.
    while (run.skipped === 'busy' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = await this.anchor('request', metadata);
    }
    return run;
  }

  private async run(trigger: AnchorData['trigger'], metadata: EventMetadata): Promise<AnchorRun> {
    if (!(await this.locks.tryAcquire(ANCHOR_LOCK_KEY))) return { written: false, skipped: 'busy', anchor: await this.latest() };
    try {
      return await this.write(trigger, metadata);
    } finally {
      await this.locks.release(ANCHOR_LOCK_KEY);
    }
  }

  private async write(trigger: AnchorData['trigger'], metadata: EventMetadata): Promise<AnchorRun> {
    const last = await this.lastEvent();
    const lastData = last ? (last.data as unknown as AnchorData) : undefined;
    const lastSequence = lastData?.sequence ?? 0;
    await sql`delete from audit_anchor_heads where anchor_sequence > ${lastSequence}`.execute(this.db);
    const changed = await readHeadsAfter(this.runtime, this.db, lastData?.coversPosition ?? null);
    if (changed.length === 0) return { written: false, skipped: 'unchanged', anchor: last ? view(last) : null };

    const before = await this.treeAt(lastSequence);
    const sequence = lastSequence + 1;
    const moved = changed.filter((head) => {
      const leaf = before.leaves.get(head.streamId);
      return !leaf || leaf.revision !== head.revision || leaf.headHash !== head.headHash;
    });
    await this.record(sequence, moved);
    const tree = withHeads(before, sequence, moved);
    const data: AnchorData = {
      sequence,
      root: merkleRoot(tree.hashes),
      streams: tree.order.length,
      changed: moved.length,
      coversPosition: changed[changed.length - 1].position,
      previousRoot: lastData?.root ?? null,
      trigger,
      at: new Date().toISOString(),
    };
    const revision = last ? last.revision + 1 : 0;
    const [event] = linkEvents(ANCHOR_STREAM, revision, headOf(last), [
      { type: ANCHOR_EVENT_TYPE, schemaVersion: 1, data: data as unknown as Record<string, unknown>, metadata: { ...metadata, occurredAt: data.at } },
    ]);
    await this.store.append(ANCHOR_STREAM, [event], last ? last.revision : 'no_stream');
    this.tree = tree;
    return { written: true, anchor: await this.latest() };
  }

  /** The newest anchor, or null before the first one. */
  async latest(): Promise<AnchorView | null> {
    const last = await this.lastEvent();
    return last ? view(last) : null;
  }

  /** Anchors newest first, `before` a sequence (exclusive). */
  async list(options: { before?: number; limit: number }): Promise<AnchorView[]> {
    const last = await this.lastEvent();
    if (!last) return [];
    const end = Math.min(last.revision, (options.before ?? Infinity) - 2);
    if (end < 0) return [];
    const from = Math.max(0, end - options.limit + 1);
    const events = await this.store.readStream(ANCHOR_STREAM, { fromRevision: from, maxCount: end - from + 1 });
    return events.reverse().map(view);
  }

  /** The head the newest anchor covers for one stream, or null when it has none (never anchored). */
  async anchoredHead(streamId: string): Promise<AnchoredHead | null> {
    const last = await this.lastEvent();
    if (!last) return null;
    const data = last.data as unknown as AnchorData;
    const { rows } = await sql<{ revision: string | number; head_hash: string | null }>`
      select revision, head_hash from audit_anchor_heads
      where stream_id = ${streamId} and anchor_sequence <= ${data.sequence}
      order by anchor_sequence desc limit 1`.execute(this.db);
    const row = rows[0];
    if (!row) return null;
    return { streamId, revision: Number(row.revision), headHash: row.head_hash, sequence: data.sequence, anchoredAt: data.at, root: data.root };
  }

  /** The Merkle path of one stream's head in anchor `sequence` (default: the newest); null when not in it. */
  async proof(streamId: string, sequence?: number): Promise<AnchorProof | null> {
    const anchor = await this.anchorEvent(sequence);
    if (!anchor) return null;
    const data = anchor.data as unknown as AnchorData;
    const tree = await this.treeAt(data.sequence);
    const index = binarySearch(tree.order, streamId);
    if (index < 0) return null;
    const leaf = tree.leaves.get(streamId)!;
    const path = merkleProof(tree.hashes, index);
    return {
      sequence: data.sequence,
      root: data.root,
      leaf: { streamId, revision: leaf.revision, headHash: leaf.headHash, hash: leaf.hash },
      path,
      verified: verifyMerkleProof(leaf.hash, path, data.root),
      rootMatches: merkleRoot(tree.hashes) === data.root,
    };
  }

  private async anchorEvent(sequence?: number): Promise<RecordedEvent | undefined> {
    if (sequence === undefined) return this.lastEvent();
    const [event] = await this.read(ANCHOR_STREAM, { fromRevision: sequence - 1, maxCount: 1 });
    return event && (event.data as unknown as AnchorData).sequence === sequence ? event : undefined;
  }

  private async lastEvent(): Promise<RecordedEvent | undefined> {
    const [event] = await this.read(ANCHOR_STREAM, { direction: 'backwards', maxCount: 1 });
    return event;
  }

  private read(streamId: string, options: Parameters<EventStore['readStream']>[1]): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, options).catch((error: Error) => {
      if (error.name === 'StreamNotFoundError') return [] as RecordedEvent[];
      throw error;
    });
  }

  /** The anchored heads as of `sequence`: from memory when it is the last tree built, else from the table. */
  private async treeAt(sequence: number): Promise<Tree> {
    if (this.tree?.sequence === sequence) return this.tree;
    const { rows } = await sql<{ stream_id: string; revision: string | number; head_hash: string | null }>`
      select distinct on (stream_id) stream_id, revision, head_hash from audit_anchor_heads
      where anchor_sequence <= ${sequence}
      order by stream_id, anchor_sequence desc`.execute(this.db);
    const leaves = new Map<string, Leaf>();
    for (const row of rows) {
      const head = { streamId: row.stream_id, revision: Number(row.revision), headHash: row.head_hash };
      leaves.set(head.streamId, { revision: head.revision, headHash: head.headHash, hash: leafHash(head) });
    }
    const order = [...leaves.keys()].sort(compareStreamIds);
    return { sequence, leaves, order, hashes: order.map((id) => leaves.get(id)!.hash) };
  }

  /** Writes the moved heads of anchor `sequence`, in statements of at most 1,000 rows. */
  private async record(sequence: number, heads: readonly ChainHead[]): Promise<void> {
    for (let start = 0; start < heads.length; start += 1000) {
      const rows = heads.slice(start, start + 1000).map((head) => ({ stream_id: head.streamId, anchor_sequence: sequence, revision: head.revision, head_hash: head.headHash }));
      await sql`insert into audit_anchor_heads (stream_id, anchor_sequence, revision, head_hash)
        select stream_id, anchor_sequence, revision, head_hash
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(stream_id text, anchor_sequence integer, revision bigint, head_hash text)
        on conflict (stream_id, anchor_sequence) do update set revision = excluded.revision, head_hash = excluded.head_hash`.execute(this.db);
    }
  }
}

/** The tree of the previous anchor with the moved heads put in (only their leaves are hashed). */
function withHeads(before: Tree, sequence: number, moved: readonly ChainHead[]): Tree {
  const leaves = new Map(before.leaves);
  let added = false;
  for (const head of moved) {
    if (!leaves.has(head.streamId)) added = true;
    leaves.set(head.streamId, { revision: head.revision, headHash: head.headHash, hash: leafHash(head) });
  }
  const order = added ? [...leaves.keys()].sort(compareStreamIds) : before.order;
  return { sequence, leaves, order, hashes: order.map((id) => leaves.get(id)!.hash) };
}

function binarySearch(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const order = compareStreamIds(sorted[middle], value);
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

function view(event: RecordedEvent): AnchorView {
  const data = event.data as unknown as AnchorData;
  return {
    ...data,
    position: event.position,
    recordedAt: event.recordedAt.toISOString(),
    hash: (event.metadata as { chain?: { hash?: string } }).chain?.hash ?? null,
  };
}
