import { chainHeadsProjection } from './chain-heads/chain-heads.projection.js';
import type { Projection } from '../src/projections-runtime/projection.js';
import { auditLogProjection } from './audit-log/audit-log.projection.js';
import { automationDueTimesProjection } from './automation-due-times/automation-due-times.projection.js';
import { customerActivityProjection } from './customer-activity/customer-activity.projection.js';
import { customerListProjection } from './customer-list/customer-list.projection.js';
import { customerProfileProjection } from './customer-profile/customer-profile.projection.js';
import { customerStatsProjection } from './customer-stats/customer-stats.projection.js';
import { customerTemporalProjection } from './customer-temporal/customer-temporal.projection.js';
import { idempotencyWritesProjection } from './idempotency-writes/idempotency-writes.projection.js';
import { referenceDataProjection } from './reference-data/reference-data.projection.js';
import { streamSummaryProjection } from './stream-summary/stream-summary.projection.js';
import { scheduledChangeTimersProjection } from './scheduled-change-timers/scheduled-change-timers.projection.js';

/**
 * Every read-model projection the app runs and `npm run projections:rebuild` knows.
 * To add one: implement `Projection` (src/projections-runtime/projection.ts) in projections/<name>/,
 * wrap it in `defineProjection(...)`, and list it here.
 */
export const allProjections: Projection<any>[] = [
  streamSummaryProjection,
  customerListProjection,
  customerProfileProjection,
  customerActivityProjection,
  customerStatsProjection,
  customerTemporalProjection,
  referenceDataProjection,
  auditLogProjection,
  scheduledChangeTimersProjection,
  automationDueTimesProjection,
  chainHeadsProjection,
  idempotencyWritesProjection,
];
