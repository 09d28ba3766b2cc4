import { Gauge, register } from 'prom-client';
import type { ProjectionRuntime, ProjectionStatus } from './projection-runtime.js';

/** The runtimes whose projections /metrics reports (the app has one; tests may start several). */
const runtimes = new Set<ProjectionRuntime>();
let cached: { at: number; statuses: Promise<ProjectionStatus[]> } | undefined;

function statuses(): Promise<ProjectionStatus[]> {
  if (!cached || Date.now() - cached.at > 1000) {
    cached = {
      at: Date.now(),
      statuses: Promise.all([...runtimes].map((runtime) => runtime.status(1000).catch(() => []))).then((lists) => lists.flat()),
    };
  }
  return cached.statuses;
}

function gauge(name: string, help: string, value: (status: ProjectionStatus) => number | null): void {
  if (register.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    labelNames: ['projection'],
    async collect() {
      this.reset();
      for (const status of await statuses()) {
        const measured = value(status);
        if (measured !== null) this.set({ projection: status.name }, measured);
      }
    },
  });
}

/** Registers the projection gauges (once per process) and reports `runtime` until `untrack`. */
export function trackProjectionMetrics(runtime: ProjectionRuntime): () => void {
  gauge('chronicle_projection_events_behind', 'Events between the active version checkpoint and the store head (counted up to 1000)', (s) => s.eventsBehind);
  gauge('chronicle_projection_caught_up', '1 when the active version has processed the store head', (s) => (s.caughtUp ? 1 : 0));
  gauge('chronicle_projection_active_version', 'Version (tables) readers use', (s) => s.activeVersion);
  gauge('chronicle_projection_failing', '1 while the projection fails and retries', (s) => (s.error ? 1 : 0));
  gauge('chronicle_projection_rebuild_events', 'Events processed by a version being rebuilt', (s) => s.rebuilding?.eventsProcessed ?? null);
  runtimes.add(runtime);
  cached = undefined;
  return () => {
    runtimes.delete(runtime);
    cached = undefined;
  };
}
