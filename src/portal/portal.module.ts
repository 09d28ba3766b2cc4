import { Module } from '@nestjs/common';
import { PortalController } from './portal.controller.js';
import { PortalSessions } from './portal-sessions.js';

/** The customer-facing door opened by "login as customer" (impersonation tokens). */
@Module({ controllers: [PortalController], providers: [PortalSessions] })
export class PortalModule {}
