import type { AuditLogEntry } from '../../../projections/audit-log/audit-log.queries.js';
import { namedSchema, oa, page } from '../../common/openapi/schema.js';

const ACTOR = oa.object<{ id: string; name: string; role: string }>({ id: oa.string(), name: oa.string(), role: oa.string() });

export const AUDIT_LOG_ENTRY_SCHEMA = namedSchema(
  'AuditLogEntry',
  oa.object<AuditLogEntry>(
    {
      position: oa.string({ description: 'Global position of the event' }),
      at: oa.dateTime('When it was done'),
      actor: oa.nullable(ACTOR),
      ip: oa.nullable(oa.string({ description: 'The client address the write came from' })),
      reason: oa.nullable(oa.string({ description: 'Why, as the write said' })),
      streamId: oa.string({ example: 'customer-12' }),
      customerId: oa.integer({ minimum: 1, description: 'The customer the event is about (absent for admins and reference data)' }),
      type: oa.string({ description: 'Event type', example: 'CustomerPasswordRevealed' }),
      summary: oa.string({ description: 'What was done to which record (no personal values)' }),
    },
    { optional: ['customerId'] },
  ),
);

export const AUDIT_LOG_PAGE_SCHEMA = namedSchema('AuditLogPage', page(AUDIT_LOG_ENTRY_SCHEMA, { description: 'Newest first' }));
export const AUDIT_LOG_NDJSON_SCHEMA = oa.string({ description: 'One AuditLogEntry (JSON) per line, newest first' });
export const AUDIT_LOG_CSV_SCHEMA = oa.string({ description: 'A header line, then one row per entry, newest first' });
