/** OpenAPI schemas of the operators' projection endpoints. */
import { namedSchema, oa, page } from '../common/openapi/schema.js';
import type { ProjectionStatus, RebuildProgress, RebuildResult } from '../projections-runtime/projection-runtime.js';
import type { RebuildJob } from './rebuild-jobs.js';

const RUNNER_STATES = ['idle', 'starting', 'standby', 'catching-up', 'caught-up', 'rebuilding', 'switching', 'failing', 'retired', 'stopped', 'not-running'];

export const PROJECTION_STATUS_SCHEMA = namedSchema(
  'ProjectionStatus',
  oa.object<ProjectionStatus>(
    {
      name: oa.string(),
      codeVersion: oa.integer({ description: 'Version of the running code' }),
      activeVersion: oa.nullable(oa.integer({ description: 'The version readers use' })),
      state: oa.enum(RUNNER_STATES),
      processingHere: oa.boolean('Whether this instance processes the active version'),
      position: oa.nullable(oa.string()),
      headPosition: oa.nullable(oa.string()),
      caughtUp: oa.boolean(),
      eventsBehind: oa.nullable(oa.integer({ minimum: 0 })),
      eventsBehindAtLeast: oa.boolean('eventsBehind is a lower bound (counting stopped at the limit)'),
      eventsProcessed: oa.integer({ minimum: 0 }),
      rebuilding: oa.object<NonNullable<ProjectionStatus['rebuilding']>>({
        version: oa.integer(),
        position: oa.nullable(oa.string()),
        eventsProcessed: oa.integer({ minimum: 0 }),
        state: oa.enum(RUNNER_STATES),
      }),
      error: oa.string({ description: 'Why it is failing or cannot run here' }),
      note: oa.string(),
    },
    { optional: ['rebuilding', 'error', 'note'] },
  ),
);


const progress = oa.object<RebuildProgress>(
  {
    name: oa.string(),
    version: oa.integer(),
    phase: oa.enum(['waiting-for-lock', 'rebuilding', 'switching', 'done']),
    eventsDone: oa.integer({ minimum: 0 }),
    totalEstimate: oa.nullable(oa.integer({ minimum: 0 })),
    eventsPerSecond: oa.number(),
    elapsedMs: oa.number(),
    etaMs: oa.nullable(oa.number()),
    position: oa.nullable(oa.string()),
    error: oa.string({ description: 'The last error while batches are retried' }),
  },
  { optional: ['error'] },
);

const result = oa.object<RebuildResult>({
  name: oa.string(),
  fromVersion: oa.nullable(oa.integer()),
  version: oa.integer(),
  resumed: oa.boolean(),
  eventsProcessed: oa.integer({ minimum: 0 }),
  totalEventsProcessed: oa.integer({ minimum: 0 }),
  durationMs: oa.number(),
  eventsPerSecond: oa.number(),
  position: oa.nullable(oa.string()),
  retiredVersions: oa.array(oa.integer()),
  droppedTables: oa.array(oa.string()),
});

export const REBUILD_JOB_SCHEMA = namedSchema(
  'RebuildJob',
  oa.object<RebuildJob>(
    {
      name: oa.string(),
      state: oa.enum(['running', 'done', 'failed', 'stopped']),
      startedAt: oa.dateTime(),
      finishedAt: oa.dateTime(),
      progress,
      result,
      error: oa.string(),
    },
    { optional: ['finishedAt', 'progress', 'result', 'error'] },
  ),
);

export const REBUILD_STARTED_SCHEMA = namedSchema(
  'RebuildStarted',
  oa.allOf(REBUILD_JOB_SCHEMA, oa.object<{ started: boolean }>({ started: oa.boolean('False when a rebuild was already running (it is answered)') })),
);

export const PROJECTION_LIST_SCHEMA = namedSchema(
  'ProjectionList',
  page(
    oa.allOf(
      PROJECTION_STATUS_SCHEMA,
      oa.object<{ rebuildJob: RebuildJob | null }>({ rebuildJob: oa.nullable(REBUILD_JOB_SCHEMA) }),
    ),
    { description: 'Every projection, in one page, each with the rebuild this instance runs or last ran (null: none since it started)' },
  ),
);
