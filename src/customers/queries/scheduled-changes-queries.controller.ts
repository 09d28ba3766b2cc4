import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import { sql } from 'kysely';
import { RequirePermission } from '../../auth/decorators.js';
import { partnerIdsOf } from '../../auth/partner-scope.js';
import { SCHEDULED_CHANGE_KINDS } from '../../automation/scheduled-change-timers.js';
import { decodeCursor, encodeCursor } from '../../common/cursor.js';
import { OpaqueCursor, queryInt } from '../../common/query-params.js';
import { fieldsProblem } from '../../common/problem.js';
import type { AuthenticatedRequest } from '../../common/request-context.js';
import { DATABASE } from '../../database/database.module.js';
import type { Database } from '../../database/database.js';
import { CLOCK, type Clock } from '../../domain-kernel/clock.js';
import { SCHEDULED_CHANGE_STATES } from '../domain/index.js';
import { UPCOMING_CHANGES_SCHEMA, type UpcomingScheduledChange } from '../http/scheduled-changes.openapi.js';
import { CustomerReadModels } from './customer-read-models.js';

const DAY_MS = 86_400_000;
const DEFAULT_PERIOD_DAYS = 7;
const MAX_PERIOD_DAYS = 366;
const PAGE_DEFAULT = 50;
/** Pages of due rows read to fill one page for a partner-restricted admin (bounded). */
const MAX_ROUNDS = 20;

export class UpcomingChangesQueryDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'From this time (inclusive); default now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: `Up to this time (exclusive); default from + ${DEFAULT_PERIOD_DAYS} days; at most ${MAX_PERIOD_DAYS} days after from` })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: SCHEDULED_CHANGE_STATES, description: 'Only entries in this state (pending: what is still to happen)' })
  @IsOptional()
  @IsIn(SCHEDULED_CHANGE_STATES)
  state?: string;

  @ApiPropertyOptional({ description: '1..200', default: PAGE_DEFAULT })
  @IsOptional()
  @queryInt()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @OpaqueCursor()
  cursor?: string;
}

interface Row {
  id: string;
  kind: string;
  customer_id: string | number;
  due_at: Date | string;
  payload: Record<string, unknown> | string;
  state: string;
  ran_at: Date | string | null;
  rule: string | null;
}

type Cursor = { d: string; i: string };

function toItem(row: Row): UpcomingScheduledChange {
  const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    id: String(payload.changeId),
    customerId: Number(row.customer_id),
    action: String(payload.action),
    ...(text(payload.status) ? { status: text(payload.status) } : {}),
    ...(text(payload.billingType) ? { billingType: text(payload.billingType) } : {}),
    at: String(payload.at),
    ...(text(payload.until) ? { until: text(payload.until) } : {}),
    reason: (payload.reason as string | null) ?? null,
    scheduledBy: (payload.scheduledBy as { id: string; name: string } | null) ?? null,
    dueAt: new Date(row.due_at).toISOString(),
    duePhase: row.kind === SCHEDULED_CHANGE_KINDS.end ? 'end' : 'start',
    state: row.state,
    ranAt: row.ran_at === null ? null : new Date(row.ran_at).toISOString(),
    rule: row.rule,
  };
}

/**
 * What falls due in a period: every phase (start, and a hold's end) of the scheduled changes of
 * all customers the admin may see, in due order, read from the timers table through its due-time
 * index. Partner-scoped: customers of other partners are left out.
 */
@ApiTags('customers: scheduled changes')
@Controller('scheduled-changes')
export class ScheduledChangesQueriesController {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly readModels: CustomerReadModels,
  ) {}

  @Get()
  @RequirePermission('customers.read')
  @ApiOperation({ summary: 'Scheduled changes falling due in a period', description: '?from=&to= (default: the next 7 days), ?state=pending for what is still to happen; {items, nextCursor}' })
  @ApiOkResponse({ description: 'A page of due entries', schema: UPCOMING_CHANGES_SCHEMA })
  async upcoming(@Query() query: UpcomingChangesQueryDto, @Req() request: AuthenticatedRequest) {
    const from = query.from ? new Date(query.from) : this.clock.now();
    const to = query.to ? new Date(query.to) : new Date(from.getTime() + DEFAULT_PERIOD_DAYS * DAY_MS);
    if (to.getTime() <= from.getTime()) throw fieldsProblem([{ field: 'to', rule: 'afterFrom', message: 'to must be after from' }], 'to must be after from');
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
      throw fieldsProblem([{ field: 'to', rule: 'max', message: `The period may span at most ${MAX_PERIOD_DAYS} days` }], `The period may span at most ${MAX_PERIOD_DAYS} days`);
    }
    const limit = query.limit ?? PAGE_DEFAULT;
    let after = query.cursor
      ? decodeCursor<Cursor>(query.cursor, (value): value is Cursor & Record<string, unknown> => typeof value.d === 'string' && typeof value.i === 'string' && !Number.isNaN(Date.parse(value.d)))
      : null;
    const partnerIds = partnerIdsOf(request);
    const items: UpcomingScheduledChange[] = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const rows = await this.page(from, to, query.state, after, limit);
      const partners = partnerIds === null ? null : await this.readModels.partnersOf(rows.map((row) => Number(row.customer_id)));
      for (const row of rows) {
        after = { d: new Date(row.due_at).toISOString(), i: row.id };
        if (partners && !partnerIds!.includes(partners.get(Number(row.customer_id)) ?? -1)) continue;
        items.push(toItem(row));
        if (items.length === limit) break;
      }
      if (items.length === limit) {
        const more = await this.page(from, to, query.state, after, 1);
        return { items, nextCursor: more.length ? encodeCursor(after!) : null };
      }
      if (rows.length < limit) return { items, nextCursor: null };
    }
    // Many rows of other partners in a row: answer what was found; the cursor goes on from there.
    return { items, nextCursor: after ? encodeCursor(after) : null };
  }

  private async page(from: Date, to: Date, state: string | undefined, after: Cursor | null, limit: number): Promise<Row[]> {
    const { rows } = await sql<Row>`
      SELECT id, kind, customer_id, due_at, payload, state, ran_at, rule FROM due_actions
      WHERE kind IN (${SCHEDULED_CHANGE_KINDS.start}, ${SCHEDULED_CHANGE_KINDS.end})
        AND due_at >= ${from.toISOString()}::timestamptz AND due_at < ${to.toISOString()}::timestamptz
        ${state ? sql`AND state = ${state}` : sql``}
        ${after ? sql`AND (due_at, id) > (${after.d}::timestamptz, ${after.i})` : sql``}
      ORDER BY due_at, id
      LIMIT ${limit}`.execute(this.database.db);
    return rows;
  }
}
