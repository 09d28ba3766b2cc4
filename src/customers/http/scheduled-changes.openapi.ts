/** OpenAPI schemas of scheduled changes. */
import { namedSchema, oa, page } from '../../common/openapi/schema.js';
import { BILLING_TYPES, CUSTOMER_STATUSES, SCHEDULED_CHANGE_ACTIONS, SCHEDULED_CHANGE_STATES } from '../domain/index.js';
import type { ScheduledChangeItem } from '../application/scheduled-changes.js';
import { AUTHOR_SCHEMA } from './customer.openapi.js';

const properties = {
  id: oa.string(),
  customerId: oa.integer(),
  action: oa.enum(SCHEDULED_CHANGE_ACTIONS, 'status: a status change; billing_type: a billing-type change'),
  status: oa.enum(CUSTOMER_STATUSES, 'The status it sets (action status)'),
  billingType: oa.enum(BILLING_TYPES, 'The billing type it sets (action billing_type)'),
  at: oa.dateTime('When it runs'),
  until: oa.dateTime('A hold: when the customer returns to the status it had at `at` (unless the status was changed meanwhile)'),
  reason: oa.nullable(oa.string()),
  state: oa.enum(SCHEDULED_CHANGE_STATES, 'pending until it ran (a hold: until its end ran), cancelled, or failed (`rule` says why)'),
  phase: oa.enum(['start', 'end'], 'While pending, the phase that runs next (end: a hold that has started)'),
  previousStatus: oa.nullable(oa.enum(CUSTOMER_STATUSES, 'A started hold: the status it returns to')),
  scheduledBy: oa.nullable(AUTHOR_SCHEMA),
  scheduledAt: oa.dateTime(),
  ranAt: oa.nullable(oa.dateTime('When its last phase ran, failed or was cancelled')),
  rule: oa.nullable(oa.string({ description: 'A failed change: the rule that refused it' })),
  message: oa.nullable(oa.string({ description: 'A failed change: why' })),
};

export const SCHEDULED_CHANGE_SCHEMA = namedSchema(
  'ScheduledChange',
  oa.object<ScheduledChangeItem>(properties, { optional: ['status', 'billingType', 'until'], description: 'A status or billing-type change scheduled for a time' }),
);

export const SCHEDULED_CHANGE_WRITTEN_SCHEMA = namedSchema(
  'ScheduledChangeWritten',
  oa.allOf(
    SCHEDULED_CHANGE_SCHEMA,
    oa.object<{ revision: number; position: string | null }>({
      revision: oa.integer({ description: "The customer's stream revision after the write (also the ETag)", minimum: 0 }),
      position: oa.nullable(oa.string({ description: 'Global position of the event (null when nothing changed): pass it as ?minPosition= to read your write' })),
    }),
  ),
);

export const SCHEDULED_CHANGE_LIST_SCHEMA = namedSchema('ScheduledChangeList', page(SCHEDULED_CHANGE_SCHEMA, { description: 'Oldest first, in one page (nextCursor is null)' }));

/** One entry of GET /scheduled-changes: a phase of a scheduled change falling due in the period. */
export interface UpcomingScheduledChange {
  id: string;
  customerId: number;
  action: string;
  status?: string;
  billingType?: string;
  at: string;
  until?: string;
  reason: string | null;
  scheduledBy: { id: string; name: string } | null;
  dueAt: string;
  duePhase: 'start' | 'end';
  state: string;
  ranAt: string | null;
  rule: string | null;
}

export const UPCOMING_CHANGE_SCHEMA = namedSchema(
  'UpcomingScheduledChange',
  oa.object<UpcomingScheduledChange>(
    {
      id: properties.id,
      customerId: properties.customerId,
      action: properties.action,
      status: properties.status,
      billingType: properties.billingType,
      at: properties.at,
      until: properties.until,
      reason: properties.reason,
      scheduledBy: properties.scheduledBy,
      dueAt: oa.dateTime('When this entry falls due: `at` for the start, `until` for the end of a hold'),
      duePhase: oa.enum(['start', 'end'], 'Which phase falls due then'),
      state: oa.enum(SCHEDULED_CHANGE_STATES, 'The state of this phase: pending, done, cancelled or failed'),
      ranAt: oa.nullable(oa.dateTime('When it ran')),
      rule: properties.rule,
    },
    { optional: ['status', 'billingType', 'until'], description: 'A phase of a scheduled change that falls due in the period asked' },
  ),
);

export const UPCOMING_CHANGES_SCHEMA = namedSchema('UpcomingScheduledChanges', page(UPCOMING_CHANGE_SCHEMA, { description: 'In due order' }));
