import { Module } from '@nestjs/common';
import { AuditLogController } from './queries/audit-log.controller.js';

/** The audit log across customers and admins (GET /audit/log), over the audit_log projection. */
@Module({ controllers: [AuditLogController] })
export class AuditModule {}
