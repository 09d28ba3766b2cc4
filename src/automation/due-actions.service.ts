import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { cancelDueActions, notifyDueActions, readDueActions, scheduleDueActions, type DueAction, type DueActionInput } from './due-actions.schema.js';

/** Schedules and cancels due actions outside a projection (each call wakes every instance's runner). */
@Injectable()
export class DueActions {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async schedule(rows: readonly DueActionInput[]): Promise<void> {
    await scheduleDueActions(this.database.db, rows);
    await notifyDueActions(this.database.db);
  }

  async cancel(ids: readonly string[], note?: string): Promise<void> {
    await cancelDueActions(this.database.db, ids, note ?? null);
    await notifyDueActions(this.database.db);
  }

  async get(id: string): Promise<DueAction | null> {
    return (await readDueActions(this.database.db, [id]))[0] ?? null;
  }
}
