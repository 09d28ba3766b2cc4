import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, register } from 'prom-client';
import { Public } from '../auth/decorators.js';
import { ProblemException } from '../common/problem.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

let defaultMetricsStarted = false;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Prometheus scrape endpoint (process metrics plus whatever modules register). Not for everyone: with
 * METRICS_TOKEN set it answers only `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise); without a
 * token it is open when METRICS_ENABLED (the default outside production) and 404 when not (production's default).
 */
@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'metrics'>) {
    if (!defaultMetricsStarted) {
      collectDefaultMetrics();
      defaultMetricsStarted = true;
    }
  }

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format), for a scraper',
    description: 'With METRICS_TOKEN set: send `Authorization: Bearer <METRICS_TOKEN>`. Without it: open when METRICS_ENABLED=true (default outside production), 404 otherwise.',
  })
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics', schema: { type: 'string', example: '# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 0.42\n' } })
  @ApiUnauthorizedResponse({ description: 'metrics.token_required: METRICS_TOKEN is set and the request does not bear it (application/problem+json)' })
  @ApiNotFoundResponse({ description: 'metrics.disabled: neither METRICS_TOKEN nor METRICS_ENABLED (application/problem+json)' })
  @Header('Content-Type', register.contentType)
  metrics(@Req() request: Request): Promise<string> {
    const { enabled, token } = this.config.metrics;
    if (token !== undefined) {
      const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      // Compared as digests: constant time whatever the lengths.
      if (!timingSafeEqual(digest(given), digest(token))) {
        throw ProblemException.rule('metrics.token_required', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>', {});
      }
    } else if (!enabled) {
      throw ProblemException.rule('metrics.disabled', 'Metrics are off: set METRICS_TOKEN (or METRICS_ENABLED=true) to serve them', {});
    }
    return register.metrics();
  }
}
