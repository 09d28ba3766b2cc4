import { Kysely, PostgresDialect } from 'kysely';
import { PartnerScope, restrictToPartners } from '../../src/auth/partner-scope.js';

// Compiles SQL only; never connects.
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: {} as never }) });

describe('PartnerScope', () => {
  it('an actor without partners (or no actor) sees every partner', () => {
    for (const scope of [PartnerScope.of(undefined), PartnerScope.of({}), PartnerScope.of({ partnerIds: [] }), PartnerScope.all()]) {
      expect(scope.unrestricted).toBe(true);
      expect(scope.partnerIds).toBeNull();
      expect(scope.allows(7)).toBe(true);
      expect(scope.allows(null)).toBe(true);
    }
  });

  it('an actor limited to partners sees only those, and never a customer without a partner', () => {
    const scope = PartnerScope.of({ partnerIds: [3, 1, 3] });
    expect(scope.partnerIds).toEqual([1, 3]);
    expect(scope.allows(1)).toBe(true);
    expect(scope.allows(2)).toBe(false);
    expect(scope.allows(null)).toBe(false);
    expect(scope.allows(undefined)).toBe(false);
    expect(scope.narrow([1, 2, 3])).toEqual([1, 3]);
    expect(PartnerScope.all().narrow([1, 2])).toEqual([1, 2]);
    expect(() => PartnerScope.only([])).toThrow();
  });

  it('adds `partner_id in (…)` to list, search and count queries only when restricted', () => {
    const base = () => db.selectFrom('customer_list').selectAll().where('status', '=', 'active');
    expect(restrictToPartners(base(), PartnerScope.all()).compile().sql).toBe('select * from "customer_list" where "status" = $1');
    const restricted = PartnerScope.only([1, 3]).restrict(base()).compile();
    expect(restricted.sql).toBe('select * from "customer_list" where "status" = $1 and "partner_id" in ($2, $3)');
    expect(restricted.parameters).toEqual(['active', 1, 3]);
    const count = restrictToPartners(db.selectFrom('customer_list as c').select((eb) => eb.fn.countAll().as('n')), PartnerScope.only([2]), 'c.partner_id').compile();
    expect(count.sql).toBe('select count(*) as "n" from "customer_list" as "c" where "c"."partner_id" in ($1)');
    const update = restrictToPartners(db.updateTable('customer_list').set({ status: 'x' }), PartnerScope.only([2])).compile();
    expect(update.sql).toContain('where "partner_id" in ($2)');
  });
});
