import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  ProjectionRuntime,
  RebuildAbortedError,
  type RebuildProgress,
  type RebuildResult,
} from '../projections-runtime/projection-runtime.js';

export type RebuildJobState = 'running' | 'done' | 'failed' | 'stopped';

/** A rebuild run by this app instance on behalf of an operator (HTTP, or the CLI through it). */
export interface RebuildJob {
  name: string;
  state: RebuildJobState;
  startedAt: string;
  finishedAt?: string;
  progress?: RebuildProgress;
  result?: RebuildResult;
  error?: string;
}

/**
 * Rebuilds inside the running app: on the embedded database no second process may open the data
 * folder, so `projections:rebuild` asks the app (POST /projections/{name}/rebuild) instead. One job
 * per projection at a time; the last one's outcome is kept until the next starts.
 */
@Injectable()
export class RebuildJobs implements BeforeApplicationShutdown {
  private readonly jobs = new Map<string, { job: RebuildJob; abort: AbortController; done: Promise<void> }>();

  constructor(private readonly runtime: ProjectionRuntime) {}

  /** Starts a rebuild unless one of that projection is running; `started` says which happened. */
  start(name: string, options: { restart?: boolean; batchSize?: number }): { job: RebuildJob; started: boolean } {
    this.runtime.projection(name); // UnknownProjectionError for a name not registered
    const current = this.jobs.get(name);
    if (current?.job.state === 'running') return { job: current.job, started: false };
    const job: RebuildJob = { name, state: 'running', startedAt: new Date().toISOString() };
    const abort = new AbortController();
    const done = this.runtime
      .rebuildProjection(name, {
        restart: options.restart,
        batchSize: options.batchSize,
        signal: abort.signal,
        progressIntervalMs: 500,
        onProgress: (progress) => (job.progress = progress),
      })
      .then(
        (result) => {
          job.state = 'done';
          job.result = result;
        },
        (error: unknown) => {
          job.state = error instanceof RebuildAbortedError && abort.signal.aborted ? 'stopped' : 'failed';
          job.error = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => (job.finishedAt = new Date().toISOString()));
    this.jobs.set(name, { job, abort, done });
    return { job, started: true };
  }

  get(name: string): RebuildJob | undefined {
    this.runtime.projection(name);
    return this.jobs.get(name)?.job;
  }

  /** Stops a running rebuild after its current batch (it resumes from its checkpoint next time). */
  async stop(name: string): Promise<RebuildJob | undefined> {
    const entry = this.jobs.get(name);
    if (!entry) return this.get(name);
    entry.abort.abort();
    await entry.done;
    return entry.job;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.jobs.keys()].map((name) => this.stop(name)));
  }
}
