import { Global, Module, type OnModuleInit, Inject } from '@nestjs/common';
import { DATABASE } from '../../database/database.module.js';
import type { Database } from '../../database/database.js';
import { migrateAnchors } from './anchor-schema.js';
import { AnchorService } from './anchor-service.js';
import { AnchorsController } from './anchors.controller.js';

/**
 * Anchors of the hash chains: the periodic (and on request) Merkle root over every stream's head,
 * kept in the audit-anchors stream; `GET /audit/anchors` exports them with proofs, and the
 * customers' `audit/verify` compares a stream with its anchored head (AnchorService is global).
 */
@Global()
@Module({
  controllers: [AnchorsController],
  providers: [AnchorService],
  exports: [AnchorService],
})
export class AnchorsModule implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onModuleInit(): Promise<void> {
    await migrateAnchors(this.database.db);
  }
}
