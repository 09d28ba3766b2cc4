import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Kysely } from 'kysely';
import { readAuditLog, type AuditLogEntry, type AuditLogFilter } from '../../../projections/audit-log/audit-log.queries.js';
import { RequirePermission } from '../../auth/decorators.js';
import { partnerIdsOf } from '../../auth/partner-scope.js';
import { streamExport } from '../../common/exports.js';
import type { AuthenticatedRequest } from '../../common/request-context.js';
import { DATABASE } from '../../database/database.module.js';
import type { Database } from '../../database/database.js';
import { ProjectionRuntime } from '../../projections-runtime/projection-runtime.js';
import { ReadModel } from '../../read-your-writes/read-your-writes.js';
import { AUDIT_LOG_CSV_SCHEMA, AUDIT_LOG_NDJSON_SCHEMA, AUDIT_LOG_PAGE_SCHEMA } from './audit-log.openapi.js';
import { AuditLogQueryDto } from './audit-log-query.dto.js';

/** Rows per page of an NDJSON / CSV export, and the most pages one export reads. */
const EXPORT_PAGE = 1000;
const EXPORT_MAX_PAGES = 100_000;

export const AUDIT_LOG_CSV_COLUMNS = ['position', 'at', 'actorId', 'actorName', 'actorRole', 'ip', 'reason', 'streamId', 'customerId', 'type', 'summary'] as const;

/**
 * GET /audit/log: who did what, across customers and admins' own actions (logins, reveals, role
 * and permission changes), from the audit_log projection. Partner-scoped: an admin limited to
 * some partners sees only rows of those partners' customers (admins' own actions and reference
 * data are not theirs to see).
 */
@ApiTags('audit')
@RequirePermission('audit.read')
@Controller('audit')
export class AuditLogController {
  private readonly db: Kysely<any>;

  constructor(
    private readonly runtime: ProjectionRuntime,
    @Inject(DATABASE) database: Database,
  ) {
    this.db = database.db;
  }

  @Get('log')
  @ReadModel('audit_log')
  @ApiOperation({
    summary: 'The audit log across customers and admins',
    description:
      'Filters combine: actorId, type (comma separated event types), customerId, partnerId, from / to (time of the action). Newest first, keyset-paged ' +
      '(cursor). format=ndjson or csv streams every matching row as a download (columns: ' + AUDIT_LOG_CSV_COLUMNS.join(', ') + ').',
  })
  @ApiOkResponse({
    description: 'A page (json) or the whole selection (ndjson, csv)',
    content: {
      'application/json': { schema: AUDIT_LOG_PAGE_SCHEMA },
      'application/x-ndjson': { schema: AUDIT_LOG_NDJSON_SCHEMA },
      'text/csv': { schema: AUDIT_LOG_CSV_SCHEMA },
    },
  })
  async log(@Query() query: AuditLogQueryDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response) {
    const filter: AuditLogFilter = {
      actorId: query.actorId,
      types: query.type,
      customerId: query.customerId,
      partnerIds: query.partnerId,
      from: query.from,
      to: query.to,
      limit: query.limit,
      cursor: query.cursor,
      scope: partnerIdsOf(request),
    };
    const format = query.format ?? 'json';
    if (format === 'json') return readAuditLog(this.runtime, this.db, filter);
    await streamExport<AuditLogEntry>(response, {
      format,
      filename: 'audit-log',
      columns: AUDIT_LOG_CSV_COLUMNS,
      csv: (row) => [row.position, row.at, row.actor?.id, row.actor?.name, row.actor?.role, row.ip, row.reason, row.streamId, row.customerId, row.type, row.summary],
      json: (row) => row,
      page: async (cursor) => {
        const page = await readAuditLog(this.runtime, this.db, { ...filter, limit: EXPORT_PAGE, cursor: cursor ?? query.cursor });
        return { rows: page.items, next: page.nextCursor };
      },
      maxPages: EXPORT_MAX_PAGES,
    });
    return undefined;
  }
}
