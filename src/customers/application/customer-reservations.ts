import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DATABASE } from '../../database/database.module.js';
import type { Database } from '../../database/database.js';
import { definedAdditionalFields, DomainRuleViolation, type AdditionalFieldValue, type CustomerState } from '../domain/index.js';
import type { AdditionalFieldDefinition } from '../../reference-data/domain/index.js';

/** One value a customer holds exclusively: its login, its ASTPP account number, a unique additional field value, an inventory item. */
export interface Reservation {
  /** 'login' | 'account_number' | 'field:<name>' | 'hardware' */
  kind: string;
  /** Normalised (logins and text compared case-insensitively). */
  value: string;
}

export const CUSTOMER_TAKEN_RULES = {
  login: 'customer.login.taken',
  accountNumber: 'customer.account_number.taken',
  additionalField: 'customer.additional_field.taken',
  hardware: 'customer.hardware.assigned_elsewhere',
} as const;

const key = (reservation: Reservation): string => `${reservation.kind}\u0000${reservation.value}`;

export function reservationKeys(reservations: readonly Reservation[]): Set<string> {
  return new Set(reservations.map(key));
}

export function loginReservation(login: string): Reservation {
  return { kind: 'login', value: login.trim().toLowerCase() };
}

export function accountNumberReservation(accountNumber: string): Reservation {
  return { kind: 'account_number', value: accountNumber };
}

/** An inventory item is with one customer at a time (ids compared as given). */
export function hardwareReservation(itemId: string): Reservation {
  return { kind: 'hardware', value: itemId };
}

function fieldValue(value: AdditionalFieldValue): string {
  if (Array.isArray(value)) return JSON.stringify([...value].sort());
  return typeof value === 'string' ? value.trim().toLowerCase() : JSON.stringify(value);
}

/**
 * What a customer in this state must hold: the account number always (never reused, even after
 * deletion), and unless deleted its login, the values of unique additional fields and the inventory
 * items assigned to it. A deleted customer's login and items are free for others; a restore takes
 * them back (or is refused when one was taken meanwhile).
 */
export function reservationsOf(state: CustomerState, definitions: readonly AdditionalFieldDefinition[]): Reservation[] {
  if (!state.exists) return [];
  const out: Reservation[] = [accountNumberReservation(state.voip.accountNumber)];
  if (state.deleted) return out;
  out.push(loginReservation(state.login));
  const values = definedAdditionalFields(state.additionalFields, definitions);
  for (const definition of definitions) {
    const value = values[definition.name];
    if (definition.unique && value !== undefined && value !== null) out.push({ kind: `field:${definition.name}`, value: fieldValue(value) });
  }
  for (const item of state.hardware) out.push(hardwareReservation(item.itemId));
  return out;
}

/**
 * Logins, account numbers and unique field values are unique over every partner (a PPPoE / RADIUS login and
 * an ASTPP account number name one subscriber on the whole network), so a value held by a customer of a
 * partner the admin cannot see must still be refused. The answer says only that the value is not
 * available: never who holds it, which partner, or whether that customer is active or deleted.
 */
function takenViolation(reservation: Reservation): DomainRuleViolation {
  if (reservation.kind === 'login') {
    return new DomainRuleViolation(CUSTOMER_TAKEN_RULES.login, `The login "${reservation.value}" is not available; choose another`, { field: 'login' });
  }
  if (reservation.kind === 'account_number') {
    return new DomainRuleViolation(CUSTOMER_TAKEN_RULES.accountNumber, `The account number ${reservation.value} is not available; choose another`, {
      field: 'voip.accountNumber',
    });
  }
  if (reservation.kind === 'hardware') {
    return new DomainRuleViolation(CUSTOMER_TAKEN_RULES.hardware, `Inventory item ${reservation.value} is assigned to another customer; unassign it there first`, {
      field: 'itemId',
      itemId: reservation.value,
    });
  }
  const name = reservation.kind.slice('field:'.length);
  return new DomainRuleViolation(CUSTOMER_TAKEN_RULES.additionalField, `This value of ${name} is not available (the field is unique); choose another`, {
    field: `additionalFields.${name}`,
  });
}

/**
 * The reservation table (customer_reservations, primary key (kind, value)). Reserving is an
 * INSERT … ON CONFLICT DO NOTHING: the database, not a read-then-write check, decides who gets a
 * value, so two concurrent creates with the same login cannot both succeed.
 */
@Injectable()
export class CustomerReservations {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /**
   * Makes `customerId` the holder of every value. Values it already holds are fine. Returns the
   * reservations newly made (what to release if the write that needed them fails). Throws the
   * `…taken` DomainRuleViolation (having released what it made) when another customer holds one.
   */
  async reserve(customerId: number, wanted: readonly Reservation[]): Promise<Reservation[]> {
    const made: Reservation[] = [];
    let pending = dedupe(wanted);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const inserted = await this.database.db
        .insertInto('customer_reservations')
        .values(pending.map((reservation) => ({ kind: reservation.kind, value: reservation.value, customer_id: customerId })))
        .onConflict((conflict) => conflict.columns(['kind', 'value']).doNothing())
        .returning(['kind', 'value'])
        .execute();
      made.push(...(inserted as Reservation[]));
      const insertedKeys = reservationKeys(inserted as Reservation[]);
      const conflicting = pending.filter((reservation) => !insertedKeys.has(key(reservation)));
      if (conflicting.length === 0) break;
      const holders = await this.holders(conflicting);
      const taken = conflicting.find((reservation) => {
        const holder = holders.get(key(reservation));
        return holder !== undefined && holder !== customerId;
      });
      if (taken) {
        await this.release(customerId, made);
        throw takenViolation(taken);
      }
      // Held by this customer already, or released between the insert and the look-up: insert those again.
      pending = conflicting.filter((reservation) => holders.get(key(reservation)) === undefined);
      if (attempt >= 3 && pending.length > 0) {
        await this.release(customerId, made);
        throw takenViolation(pending[0]);
      }
    }
    return made;
  }

  /** Frees the values, but only where `customerId` holds them. */
  async release(customerId: number, reservations: readonly Reservation[]): Promise<void> {
    if (reservations.length === 0) return;
    await this.database.db
      .deleteFrom('customer_reservations')
      .where('customer_id', '=', customerId)
      .where((eb) => eb.or(reservations.map((reservation) => eb.and([eb('kind', '=', reservation.kind), eb('value', '=', reservation.value)]))))
      .execute();
  }

  /** Who holds each value (absent: nobody). */
  async holders(reservations: readonly Reservation[]): Promise<Map<string, number>> {
    if (reservations.length === 0) return new Map();
    const rows = await this.database.db
      .selectFrom('customer_reservations')
      .select(['kind', 'value', 'customer_id'])
      .where((eb) => eb.or(reservations.map((reservation) => eb.and([eb('kind', '=', reservation.kind), eb('value', '=', reservation.value)]))))
      .execute();
    return new Map(rows.map((row) => [key(row as Reservation), Number(row.customer_id)]));
  }

  /** True when nobody holds the value (advisory: only reserve() decides). */
  async isFree(reservation: Reservation): Promise<boolean> {
    const row = await this.database.db
      .selectFrom('customer_reservations')
      .select(sql<number>`1`.as('one'))
      .where('kind', '=', reservation.kind)
      .where('value', '=', reservation.value)
      .executeTakeFirst();
    return row === undefined;
  }
}

function dedupe(reservations: readonly Reservation[]): Reservation[] {
  const seen = new Set<string>();
  return reservations.filter((reservation) => (seen.has(key(reservation)) ? false : (seen.add(key(reservation)), true)));
}
