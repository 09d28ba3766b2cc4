import { Module } from '@nestjs/common';
import { ProjectionsAdminController } from './projections-admin.controller.js';
import { RebuildJobs } from './rebuild-jobs.js';

/** Operator endpoints beyond /health and /metrics: projection status and in-app rebuilds. */
@Module({
  controllers: [ProjectionsAdminController],
  providers: [RebuildJobs],
})
export class OperationsModule {}
