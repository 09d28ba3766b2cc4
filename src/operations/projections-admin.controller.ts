import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { PROJECTION_LIST_SCHEMA, REBUILD_JOB_SCHEMA, REBUILD_STARTED_SCHEMA } from './operations.openapi.js';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { RequirePermission, RateLimit } from '../auth/decorators.js';
import { ProblemException } from '../common/problem.js';
import { ProjectionRuntime } from '../projections-runtime/projection-runtime.js';
import { UnknownProjectionError } from '../projections-runtime/projection.js';
import { RebuildJobs, type RebuildJob } from './rebuild-jobs.js';

export class StartRebuildDto {
  @ApiPropertyOptional({ description: 'Discard an unfinished rebuild and start again from zero (default: resume it)' })
  @IsOptional()
  @IsBoolean()
  restart?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 100_000, description: 'Events per transaction (default: the projection’s own)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  batchSize?: number;
}

/** Projection status and blue/green rebuilds run by this instance (permission 'operations'). */
@ApiTags('operations')
@Controller('projections')
@RequirePermission('operations')
export class ProjectionsAdminController {
  constructor(
    private readonly runtime: ProjectionRuntime,
    private readonly jobs: RebuildJobs,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every projection: active version, position, lag, rebuild in progress, errors, and the rebuild this instance runs or last ran' })
  @ApiOkResponse({ description: 'The projections', schema: PROJECTION_LIST_SCHEMA })
  async list() {
    // The rebuild job rides along so a screen follows every projection with one request, not one 404 per idle projection.
    const items = (await this.runtime.status()).map((status) => ({ ...status, rebuildJob: this.jobs.get(status.name) ?? null }));
    return { items, nextCursor: null };
  }

  @Post(':name/rebuild')
  @RateLimit('expensive')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rebuild a projection from zero in this instance (readers keep the current version until the switch)',
    description: 'Answers 202 at once with the job; poll GET on the same path. A rebuild already running is answered, not started twice.',
  })
  @ApiAcceptedResponse({ description: 'The job (Location: where to poll it)', schema: REBUILD_STARTED_SCHEMA })
  start(@Param('name') name: string, @Body() body: StartRebuildDto, @Res({ passthrough: true }) response: Response): RebuildJob & { started: boolean } {
    const { job, started } = known(name, () => this.jobs.start(name, body));
    response.setHeader('Location', `/api/v1/projections/${encodeURIComponent(name)}/rebuild`);
    return { ...job, started };
  }

  @Get(':name/rebuild')
  @ApiOperation({ summary: 'The rebuild this instance runs or last ran of a projection, with its progress' })
  @ApiOkResponse({ description: 'The job and its progress', schema: REBUILD_JOB_SCHEMA })
  get(@Param('name') name: string): RebuildJob {
    const job = known(name, () => this.jobs.get(name));
    if (!job) throw notFound('rebuild.not_found', `No rebuild of ${name} was started in this instance`);
    return job;
  }

  @Delete(':name/rebuild')
  @ApiOperation({ summary: 'Stop a running rebuild after its current batch (it resumes from its checkpoint when started again)' })
  @ApiOkResponse({ description: 'The job, stopping', schema: REBUILD_JOB_SCHEMA })
  async stop(@Param('name') name: string): Promise<RebuildJob> {
    const job = await knownAsync(name, () => this.jobs.stop(name));
    if (!job) throw notFound('rebuild.not_found', `No rebuild of ${name} was started in this instance`);
    return job;
  }
}

function known<T>(name: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof UnknownProjectionError) throw notFound('projection.not_found', `There is no projection named ${JSON.stringify(name)}`);
    throw error;
  }
}

/** `known` for an action that answers a promise: its rejection is mapped too (a bare try/catch misses it). */
async function knownAsync<T>(name: string, action: () => Promise<T>): Promise<T> {
  return known(name, action).catch((error: unknown) => known(name, () => {
    throw error;
  }));
}

function notFound(rule: 'projection.not_found' | 'rebuild.not_found', detail: string): ProblemException {
  return ProblemException.rule(rule, detail);
}
