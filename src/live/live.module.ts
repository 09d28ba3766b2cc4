import { Inject, Logger, Module, type OnModuleDestroy } from '@nestjs/common';
import { describeEvent } from '../../projections/customer-activity/customer-activity.queries.js';
import { JwtSocketAuthenticator } from '../auth/socket-authenticator.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ACTIVITY_DESCRIBER, type DescribeActivity } from './activity-entry.js';
import { ActivityGateway } from './activity.gateway.js';
import { CustomerPartnerDirectory } from './customer-partners.js';
import { EventTail } from './event-tail.js';
import { DevelopmentSocketAuthenticator, SOCKET_AUTHENTICATOR, type SocketAuthenticator } from './socket-authenticator.js';

/** The timeline projection's describer, so a live `activity` payload equals the stored timeline entry. */
const describeActivity: DescribeActivity = (event) => {
  const { summary, changes, reason, revertedRevision } = describeEvent(event);
  return { summary, changes, reason, ...(revertedRevision === undefined ? {} : { revertedRevision }) };
};

/**
 * Live activity over Socket.IO (namespace /activity). Each app instance follows the event store
 * itself through one EventTail, so several instances need no Redis adapter: a write through any
 * instance reaches the store, and every instance's tail picks it up. Handshakes are verified by the
 * provider bound to SOCKET_AUTHENTICATOR (see socket-authenticator.ts).
 */
@Module({
  providers: [
    { provide: CustomerPartnerDirectory, inject: [EVENT_STORE], useFactory: (store: EventStore) => new CustomerPartnerDirectory(store) },
    {
      provide: EventTail,
      inject: [EVENT_STORE, CustomerPartnerDirectory],
      useFactory: async (store: EventStore, partners: CustomerPartnerDirectory) => {
        const logger = new Logger('EventTail');
        const tail = new EventTail(store, [(event) => partners.observe(event)], {
          warn: (message) => logger.warn(message),
          error: (message, error) => logger.error(message, error instanceof Error ? error.stack : undefined),
        });
        await tail.start();
        return tail;
      },
    },
    { provide: ACTIVITY_DESCRIBER, useValue: describeActivity },
    {
      // The auth module's authenticator (access tokens from POST /auth/login) when it is loaded.
      provide: SOCKET_AUTHENTICATOR,
      inject: [{ token: JwtSocketAuthenticator, optional: true }, APP_CONFIG],
      useFactory: (jwt: JwtSocketAuthenticator | undefined, config: AppConfig): SocketAuthenticator =>
        jwt ?? new DevelopmentSocketAuthenticator(config.production),
    },
    ActivityGateway,
  ],
  exports: [CustomerPartnerDirectory, EventTail],
})
export class LiveModule implements OnModuleDestroy {
  constructor(@Inject(EventTail) private readonly tail: EventTail) {}

  async onModuleDestroy(): Promise<void> {
    await this.tail.close();
  }
}
