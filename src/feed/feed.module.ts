import { Module } from '@nestjs/common';
import { LiveModule } from '../live/live.module.js';
import { FeedController } from './feed.controller.js';
import { FeedTicketsController } from './feed-tickets.controller.js';
import { FeedService } from './feed.service.js';

/** GET /api/v1/events (JSON pages), /events/stream (SSE), /events/catalog and /feed/tickets (stream tickets for EventSource). */
@Module({
  imports: [LiveModule],
  controllers: [FeedController, FeedTicketsController],
  providers: [FeedService],
  exports: [FeedService],
})
export class FeedModule {}
