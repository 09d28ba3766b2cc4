import { Gauge, register } from 'prom-client';
import type { Database } from './database.js';

/** The databases whose LISTEN connection /metrics reports (the app has one; tests may start several). */
const databases = new Set<Database>();

function gauge(name: string, help: string, value: (database: Database) => number): void {
  if (register.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    collect() {
      this.reset();
      // Several in one process (tests): the worst (lowest "up", most reconnects) is what matters.
      const values = [...databases].map(value);
      if (values.length) this.set(name.endsWith('_up') ? Math.min(...values) : Math.max(...values));
    },
  });
}

/** Registers the listener gauges (once per process) and reports `database` until `untrack`. */
export function trackListenerMetrics(database: Database): () => void {
  gauge('chronicle_database_listener_up', '1 while LISTEN is active (or nobody listens), 0 while its lost connection reconnects', (d) => (d.listenerHealth().state === 'reconnecting' ? 0 : 1));
  gauge('chronicle_database_listener_reconnects', 'Times the LISTEN connection was re-established after a loss', (d) => d.listenerHealth().reconnects);
  databases.add(database);
  return () => databases.delete(database);
}
