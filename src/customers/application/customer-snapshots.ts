import type { CustomerState } from '../domain/index.js';

/** A folded customer state right after `revision`. */
export interface CustomerSnapshot {
  revision: number;
  /** Recorded time of the event at `revision`. */
  recordedAt: Date;
  /** The latest recorded time of any event up to `revision` (ms): usable for "as of" any later time. */
  coveredUntil: number;
  state: CustomerState;
}

/**
 * In-memory snapshots for time travel: the folded state every `every` revisions of the streams
 * read last (least recently used streams are dropped past `maxStreams`). Events never change, so
 * a snapshot stays right for the life of the process (a new deploy starts empty, so a changed
 * evolve never meets an old snapshot); nothing personal is stored at rest. The first time travel
 * on a long stream folds it once and leaves snapshots behind; later ones fold at most `every`
 * events. States are immutable (evolve returns new objects), so they are kept by reference.
 */
export class CustomerSnapshotCache {
  private readonly streams = new Map<string, CustomerSnapshot[]>();

  constructor(
    readonly every = 250,
    private readonly maxStreams = 64,
  ) {}

  /** The newest snapshot at or before `revision` whose events were all recorded at or before `asOf`. */
  best(streamId: string, target: { revision?: number; asOf?: number }): CustomerSnapshot | undefined {
    const snapshots = this.streams.get(streamId);
    if (!snapshots) return undefined;
    this.streams.delete(streamId);
    this.streams.set(streamId, snapshots); // most recently used last
    for (let index = snapshots.length - 1; index >= 0; index--) {
      const snapshot = snapshots[index];
      if (target.revision !== undefined && snapshot.revision > target.revision) continue;
      if (target.asOf !== undefined && snapshot.coveredUntil > target.asOf) continue;
      return snapshot;
    }
    return undefined;
  }

  /** Whether a state right after `revision` is one to keep. */
  wants(revision: number): boolean {
    return (revision + 1) % this.every === 0;
  }

  add(streamId: string, snapshot: CustomerSnapshot): void {
    let snapshots = this.streams.get(streamId);
    if (!snapshots) {
      snapshots = [];
      this.streams.set(streamId, snapshots);
      while (this.streams.size > this.maxStreams) this.streams.delete(this.streams.keys().next().value!);
    }
    if (snapshots.some((known) => known.revision === snapshot.revision)) return;
    snapshots.push(snapshot);
    snapshots.sort((a, b) => a.revision - b.revision);
  }

  clear(streamId?: string): void {
    if (streamId === undefined) this.streams.clear();
    else this.streams.delete(streamId);
  }
}
