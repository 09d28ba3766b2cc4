import { Global, Inject, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { CustomerCommandExecutor } from '../customers/application/customer-command-executor.js';
import { CustomersModule } from '../customers/customers.module.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { CLOCK, type Clock } from '../domain-kernel/clock.js';
import { nestLogger } from '../projections-runtime/projections.module.js';
import { DueActionRegistry } from './due-action-registry.js';
import { DueActionRunner } from './due-action-runner.js';
import { migrateDueActions } from './due-actions.schema.js';
import { DueActions } from './due-actions.service.js';
import { SCHEDULED_CHANGE_HANDLERS } from './scheduled-change-timers.js';

/**
 * Automation: timers as data (the due_actions table), the registry of what each kind of due
 * action does, and the runner that carries them out as the system actor. Other modules register
 * their kinds in their onModuleInit; the runner starts once the app has bootstrapped (every kind
 * registered) and stops before the database closes.
 */
@Global()
@Module({
  imports: [CustomersModule],
  providers: [
    DueActionRegistry,
    DueActions,
    {
      provide: DueActionRunner,
      inject: [DATABASE, CLOCK, DueActionRegistry, CustomerCommandExecutor],
      useFactory: (database: Database, clock: Clock, registry: DueActionRegistry, executor: CustomerCommandExecutor) =>
        new DueActionRunner({ database, clock, registry, executor, logger: nestLogger('Automation') }),
    },
  ],
  exports: [DueActionRegistry, DueActions, DueActionRunner],
})
export class AutomationModule implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    @Inject(DueActionRunner) private readonly runner: DueActionRunner,
    @Inject(DueActionRegistry) private readonly registry: DueActionRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    await migrateDueActions(this.database.db);
    for (const [kind, handler] of SCHEDULED_CHANGE_HANDLERS) this.registry.register(kind, handler);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
