import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, register } from 'prom-client';
import { Public } from '../auth/decorators.js';

let defaultMetricsStarted = false;

/** Prometheus scrape endpoint (process metrics plus whatever modules register). */
@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor() {
    if (!defaultMetricsStarted) {
      collectDefaultMetrics();
      defaultMetricsStarted = true;
    }
  }

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format), for a scraper' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics', schema: { type: 'string', example: '# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 0.42\n' } })
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
