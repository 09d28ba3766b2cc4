import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../../database/database.module.js';
import type { Database } from '../../database/database.js';

export interface CustomerReferences {
  partnerId: number;
  locationId: number;
  /** False once the customer is deleted (a deleted customer no longer holds its partner / location). */
  active: boolean;
}

/**
 * How many customers use each partner and location (table customer_reference_usage). The customer
 * command side records a customer's references after every append that can change them; the
 * partner / location delete handlers count them (rules partner.in_use / location.in_use).
 */
@Injectable()
export class ReferenceUsage {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async record(customerId: number, references: CustomerReferences): Promise<void> {
    await this.database.db
      .insertInto('customer_reference_usage')
      .values({ customer_id: customerId, partner_id: references.partnerId, location_id: references.locationId, active: references.active })
      .onConflict((conflict) =>
        conflict.column('customer_id').doUpdateSet({
          partner_id: references.partnerId,
          location_id: references.locationId,
          active: references.active,
          updated_at: new Date(),
        }),
      )
      .execute();
  }

  /** Active customers referencing the partner or location. */
  async count(kind: 'partner' | 'location', id: number): Promise<number> {
    const row = await this.database.db
      .selectFrom('customer_reference_usage')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where(kind === 'partner' ? 'partner_id' : 'location_id', '=', id)
      .where('active', '=', true)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /** Active customers at the location whose partner is not one of `partnerIds` (who uses it outside a partner-limited admin's scope). */
  async countOutside(locationId: number, partnerIds: readonly number[]): Promise<number> {
    const row = await this.database.db
      .selectFrom('customer_reference_usage')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('location_id', '=', locationId)
      .where('partner_id', 'not in', [...partnerIds])
      .where('active', '=', true)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }
}
