import type { AppConfig } from '../config/app-config.js';

/** What a person needs after `npm start`: where the API, its docs, health and metrics are, and where data lives. */
export function startBanner(config: AppConfig, port: number, startMs: number): { text: string; fields: Record<string, unknown> } {
  const base = `http://localhost:${port}`;
  const readTables = config.databaseUrl ? 'PostgreSQL' : config.dataDir === ':memory:' ? 'PGlite in memory' : `PGlite in ${config.dataDir}`;
  const events = config.eventStoreConnectionString ? 'EventStoreDB' : 'same database';
  const fields = {
    url: base,
    api: `${base}/api/v1`,
    docs: `${base}/api/docs`,
    health: `${base}/health`,
    metrics: `${base}/metrics`,
    readTables,
    events,
    startMs: Math.round(startMs),
  };
  const text = [
    '',
    `  Chronicle ready in ${(startMs / 1000).toFixed(1)} s`,
    `    API       ${fields.api}`,
    `    API docs  ${fields.docs}`,
    `    Health    ${fields.health}`,
    `    Metrics   ${fields.metrics}`,
    `    Data      ${readTables}; events: ${events}`,
    '',
    '',
  ].join('\n');
  return { text, fields };
}
