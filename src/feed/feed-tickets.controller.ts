import { Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { AnswerNotStored } from '../idempotency/idempotency.interceptor.js';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequirePermission, STREAM_TICKET_TTL_SECONDS, StreamTicketStore } from '../auth/index.js';
import type { RequestActor } from '../common/request-context.js';
import { STREAM_TICKET_SCHEMA } from './feed.openapi.js';

export interface StreamTicketAnswer {
  ticket: string;
  expiresAt: string;
  /** The stream URL with the ticket, relative to the server; add `&types=…` / `&after=…` as needed. */
  streamUrl: string;
}

/**
 * Stream tickets for browsers: `new EventSource('/api/v1/events/stream?ticket=…')` cannot send a
 * bearer token. A ticket is single-use, lives 30 s and carries the asking session, so the stream has
 * that admin's permissions and partner scope (checked again when the ticket is used).
 */
@ApiTags('events')
@Controller('feed/tickets')
@RequirePermission('feed.read')
export class FeedTicketsController {
  constructor(@Inject(StreamTicketStore) private readonly tickets: StreamTicketStore) {}

  @Post()
  @AnswerNotStored('answers a single-use ticket')
  @HttpCode(201)
  @ApiOperation({
    summary: `A single-use ticket (valid ${STREAM_TICKET_TTL_SECONDS} s) to open GET /api/v1/events/stream?ticket=… without an Authorization header (browser EventSource)`,
  })
  @ApiCreatedResponse({ description: 'The ticket and the stream URL that uses it', schema: STREAM_TICKET_SCHEMA })
  async issue(@CurrentActor() actor: RequestActor & { sessionId?: string }): Promise<StreamTicketAnswer> {
    const { ticket, expiresAt } = await this.tickets.issue(actor.id, actor.sessionId!);
    return { ticket, expiresAt, streamUrl: `/api/v1/events/stream?ticket=${ticket}` };
  }
}
