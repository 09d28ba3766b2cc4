import { Module } from '@nestjs/common';
import { LiveModule } from '../live/live.module.js';
import { FeedController } from './feed.controller.js';
import { FeedService } from './feed.service.js';

/** GET /api/v1/events (JSON pages), /events/stream (SSE) and /events/catalog. */
@Module({
  imports: [LiveModule],
  controllers: [FeedController],
  providers: [FeedService],
  exports: [FeedService],
})
export class FeedModule {}
