import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { sql } from 'kysely';
import { formatDuration, openFromEnvironment, parseArguments, runCli, UsageError } from '../../src/cli/projections-rebuild.js';
import { streamSummaryProjection } from '../../projections/stream-summary/stream-summary.projection.js';
import { CheckpointStore } from '../../src/projections-runtime/checkpoint-store.js';
import { createFreshPostgresDatabase, postgresUrl } from '../support/test-databases.js';
import { appendEvents, eventLogProjection, hookedStore } from './support.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

const environments: Array<{ name: string; env: () => Promise<{ env: NodeJS.ProcessEnv; cleanup: () => Promise<void> }> }> = [
  {
    name: 'PGlite in DATA_DIR',
    env: async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-cli-'));
      return { env: { DATA_DIR: dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  ...(postgresUrl
    ? [
        {
          name: 'PostgreSQL from DATABASE_URL',
          env: async () => {
            const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-cli-'));
            const fresh = await createFreshPostgresDatabase();
            return {
              env: { DATABASE_URL: fresh.url, DATA_DIR: dataDir },
              cleanup: async () => {
                rmSync(dataDir, { recursive: true, force: true });
                await fresh.drop();
              },
            };
          },
        },
      ]
    : []),
];

describe('projections:rebuild arguments', () => {
  it('lists every registered projection (projections/index.ts) by default', async () => {
    const { allProjections } = await import('../../projections/index.js');
    expect(allProjections.map((projection) => projection.name)).toContain('stream_summary');
    expect(new Set(allProjections.map((projection) => projection.name)).size).toBe(allProjections.length);
  });

  it('parses names, --all, --list, --restart and --batch-size', () => {
    expect(parseArguments(['stream_summary'])).toMatchObject({ names: ['stream_summary'], all: false });
    expect(parseArguments(['--all', '--batch-size', '250', '--restart'])).toMatchObject({ all: true, batchSize: 250, restart: true });
    expect(parseArguments(['--batch-size=10', 'a', 'b'])).toMatchObject({ names: ['a', 'b'], batchSize: 10 });
    expect(parseArguments(['--list'])).toMatchObject({ list: true });
    expect(() => parseArguments([])).toThrow(UsageError);
    expect(() => parseArguments(['--batch-size', 'x', 'a'])).toThrow(UsageError);
    expect(() => parseArguments(['--frobnicate'])).toThrow(UsageError);
    expect(formatDuration(65_000)).toBe('1m05s');
    expect(formatDuration(3_700_000)).toBe('1h01m');
  });
});

describe.each(environments)('projections:rebuild on $name', ({ env: makeEnv }) => {
  it('rebuilds one projection, then --all, with a progress bar and a summary; reports usage errors', async () => {
    const { env, cleanup } = await makeEnv();
    try {
      const dependencies = await openFromEnvironment(env);
      // The CLI's registry (projections/index.ts) grows; this test brings its own list.
      const projections = [streamSummaryProjection, eventLogProjection('cli_log')];
      try {
        await appendEvents(dependencies.store, 700, { streams: 14 });
        const out = capture();
        const err = capture();
        const io = { out: out.stream, err: err.stream };

        expect(await runCli(['stream_summary', '--batch-size', '100'], { ...dependencies, projections }, io)).toBe(0);
        expect(out.text()).toContain('stream_summary: v1 is active (no previous version)');
        expect(out.text()).toMatch(/events processed: 700 in \d+s \([\d,]+ events\/s; 700 in this version\)/);
        expect(err.text()).toMatch(/stream_summary v1 \[.*\] 100% \| 700\/700 events \| [\d,]+ events\/s/);
        const { rows } = await sql<{ n: number }>`select sum(event_count)::int as n from stream_summary_v1`.execute(dependencies.database.db);
        expect(rows[0].n).toBe(700);

        expect(await runCli(['--all'], { ...dependencies, projections }, io)).toBe(0);
        expect(out.text()).toContain('stream_summary: v2 is active (replacing v1)');
        expect(out.text()).toContain('dropped: stream_summary_v1');
        expect(out.text()).toContain('cli_log: v1 is active (no previous version)');
        const versions = await new CheckpointStore().list(dependencies.database.db);
        expect(versions.map((row) => [row.name, row.version, row.status])).toEqual([
          ['cli_log', 1, 'active'],
          ['stream_summary', 1, 'retired'],
          ['stream_summary', 2, 'active'],
        ]);

        const listed = capture();
        expect(await runCli(['--list'], { ...dependencies, projections }, { out: listed.stream, err: err.stream })).toBe(0);
        expect(listed.text()).toMatch(/stream_summary \(code version 1\)\n {2}v1 retired +700 events/);
        expect(listed.text()).toMatch(/ {2}v2 active +700 events +at \S+ +tables: stream_summary_v2/);

        const usage = capture();
        expect(await runCli(['nope'], { ...dependencies, projections }, { out: out.stream, err: usage.stream })).toBe(2);
        expect(usage.text()).toContain('Unknown projection(s): nope. Known: stream_summary, cli_log');
        expect(await runCli([], { ...dependencies, projections }, { out: out.stream, err: usage.stream })).toBe(2);
        expect(usage.text()).toContain('Usage: npm run projections:rebuild -- <name>');

        // Interrupted (Ctrl-C) while reading its 3rd batch: exit 130, checkpoint kept; the next run resumes.
        const interrupted = new AbortController();
        let reads = 0;
        const store = hookedStore(dependencies.store, async (options) => {
          if (options?.maxCount === 50 && ++reads === 3) interrupted.abort();
        });
        const stopped = capture();
        const cli = { ...dependencies, store, projections };
        expect(await runCli(['stream_summary', '--batch-size', '50'], cli, { out: out.stream, err: stopped.stream, signal: interrupted.signal })).toBe(130);
        expect(stopped.text()).toContain('Rebuild of stream_summary v3 stopped at');
        expect(stopped.text()).toContain('Run it again to resume.');
        expect((await new CheckpointStore().get(dependencies.database.db, 'stream_summary', 3))).toMatchObject({ status: 'rebuilding', eventsProcessed: 100 });
        const resumed = capture();
        expect(await runCli(['stream_summary', '--batch-size', '50'], cli, { out: resumed.stream, err: err.stream })).toBe(0);
        expect(resumed.text()).toContain('stream_summary: v3 is active (replacing v2, resumed)');
        expect(resumed.text()).toMatch(/events processed: 600 in \d+s \([\d,]+ events\/s; 700 in this version\)/);
      } finally {
        await dependencies.close();
      }
    } finally {
      await cleanup();
    }
  });
});
