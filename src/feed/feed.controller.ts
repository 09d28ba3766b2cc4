import { Controller, Get, Header, Inject, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { EVENT_CATALOG_SCHEMA, EVENT_STREAM_SCHEMA, FEED_PAGE_SCHEMA } from './feed.openapi.js';
import type { Request, Response } from 'express';
import { AuthGuard } from '../auth/auth.guard.js';
import { AcceptsStreamTicket, RequirePermission } from '../auth/decorators.js';
import type { AuthenticatedRequest } from '../common/request-context.js';
import { fieldsProblem, ProblemException, type FieldError } from '../common/problem.js';
import { PUBLISHED_CATALOG, PUBLISHED_TYPES, type PublishedCatalog } from './catalog/published-catalog.js';
import { FeedService, InvalidPositionError, type FeedPage, type FeedReader } from './feed.service.js';

/** A feed page in the list shape of the API; events / lastPosition are the fields of before (kept one release). */
export interface FeedListPage extends FeedPage {
  items: FeedPage['events'];
  nextCursor: string | null;
}

export const FEED_LIMITS = { defaultLimit: 100, maxLimit: 1000, defaultHeartbeatSeconds: 15, maxHeartbeatSeconds: 300 };

/**
 * The downstream feed (docs/api.md, "The feed for downstream systems"): every event in global position order, in the
 * public envelope, for billing and provisioning consumers. Partner-scoped admins only get their
 * partners' customers' events.
 */
@ApiTags('events')
@Controller('events')
@UseGuards(AuthGuard)
@RequirePermission('feed.read')
export class FeedController {
  constructor(@Inject(FeedService) private readonly feed: FeedService) {}

  @Get()
  @ApiOperation({
    summary: 'Events after a position, oldest first, in the list shape {items, nextCursor}: ask again with cursor=nextCursor',
    description: 'The feed has no last page: nextCursor is the position of the last event read and stays the same until new events arrive. events and lastPosition repeat items and nextCursor for one release (deprecated).',
  })
  @ApiOkResponse({ description: 'A page of events', schema: FEED_PAGE_SCHEMA })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page (an exclusive position); omitted: from the first event' })
  @ApiQuery({ name: 'after', required: false, description: 'The same as cursor (any event position); cursor wins when both are given' })
  @ApiQuery({ name: 'types', required: false, description: 'Comma-separated event types (see /events/catalog)' })
  @ApiQuery({ name: 'limit', required: false, description: `1..${FEED_LIMITS.maxLimit}, default ${FEED_LIMITS.defaultLimit}` })
  async page(
    @Req() request: AuthenticatedRequest,
    @Query('after') after?: string,
    @Query('types') types?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<FeedListPage> {
    const errors: FieldError[] = [];
    const parsedTypes = parseTypes(types, errors);
    const parsedLimit = parseIntegerParameter('limit', limit, 1, FEED_LIMITS.maxLimit, FEED_LIMITS.defaultLimit, errors);
    throwIfInvalid(errors);
    const page = await this.withPositionCheck(() =>
      this.feed.page({ after: nonEmpty(cursor) ?? nonEmpty(after), types: parsedTypes, limit: parsedLimit, reader: readerOf(request) }),
    );
    return { items: page.events, nextCursor: page.lastPosition, ...page };
  }

  @Get('catalog')
  @ApiOperation({ summary: 'The event catalogue: every event type, its current schema version, JSON Schema and version history' })
  @ApiOkResponse({ description: 'The envelope schema and every event type', schema: EVENT_CATALOG_SCHEMA })
  @Header('Cache-Control', 'public, max-age=300')
  catalog(): PublishedCatalog {
    return PUBLISHED_CATALOG;
  }

  @Get('stream')
  @AcceptsStreamTicket()
  @ApiOperation({
    summary:
      'Server-Sent Events: id = position, event = type, data = the envelope. Resume with Last-Event-ID (or ?after=); ?after=end: new events only. Comment lines are heartbeats.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The event stream (until the client disconnects)', schema: EVENT_STREAM_SCHEMA })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this position (a browser EventSource sends it on reconnect)' })
  @ApiQuery({ name: 'after', required: false, description: 'Exclusive start position, or "end"; Last-Event-ID takes precedence' })
  @ApiQuery({ name: 'types', required: false, description: 'Comma-separated event types' })
  @ApiQuery({ name: 'ticket', required: false, description: 'A single-use ticket from POST /api/v1/feed/tickets, in place of the Authorization header (browser EventSource)' })
  @ApiQuery({ name: 'heartbeat', required: false, description: `Seconds between heartbeat comments, 1..${FEED_LIMITS.maxHeartbeatSeconds} (default ${FEED_LIMITS.defaultHeartbeatSeconds})` })
  async stream(
    @Req() request: Request,
    @Res() response: Response,
    @Query('after') after?: string,
    @Query('types') types?: string,
    @Query('heartbeat') heartbeat?: string,
  ): Promise<void> {
    const errors: FieldError[] = [];
    const parsedTypes = parseTypes(types, errors);
    const heartbeatSeconds = parseIntegerParameter('heartbeat', heartbeat, 1, FEED_LIMITS.maxHeartbeatSeconds, FEED_LIMITS.defaultHeartbeatSeconds, errors);
    throwIfInvalid(errors);
    const lastEventId = request.headers['last-event-id'];
    const start = nonEmpty(typeof lastEventId === 'string' ? lastEventId.trim() : undefined) ?? nonEmpty(after);
    if (start !== undefined && start !== 'end') await this.withPositionCheck(() => this.feed.assertPosition(start));
    await this.feed.stream(request, response, {
      after: start,
      types: parsedTypes,
      heartbeatMs: heartbeatSeconds * 1000,
      reader: readerOf(request as AuthenticatedRequest),
    });
  }

  private async withPositionCheck<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof InvalidPositionError) {
        throw ProblemException.rule('feed.invalid_position', 'after (or Last-Event-ID) is not a position of this event store', {
          errors: [{ field: 'after', rule: 'position', message: 'Pass back a position received from the feed' }],
        });
      }
      throw error;
    }
  }
}

function readerOf(request: AuthenticatedRequest): FeedReader {
  const partnerIds = request.actor?.partnerIds;
  return Array.isArray(partnerIds) ? { partnerIds } : {};
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function parseTypes(value: string | undefined, errors: FieldError[]): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const types = [...new Set(value.split(',').map((type) => type.trim()).filter(Boolean))];
  const unknown = types.filter((type) => !PUBLISHED_TYPES.has(type));
  if (unknown.length > 0) errors.push({ field: 'types', rule: 'eventType', message: `Unknown event type(s): ${unknown.join(', ')} (see /api/v1/events/catalog)` });
  return types;
}

function parseIntegerParameter(field: string, value: string | undefined, min: number, max: number, fallback: number, errors: FieldError[]): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    errors.push({ field, rule: 'range', message: `${field} must be an integer from ${min} to ${max}` });
    return fallback;
  }
  return number;
}

function throwIfInvalid(errors: FieldError[]): void {
  if (errors.length > 0) throw fieldsProblem(errors);
}
