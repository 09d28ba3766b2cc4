import type { WhereInterface } from 'kysely';
import type { AuthenticatedRequest, RequestActor } from '../common/request-context.js';

/**
 * Which partners' customers an admin may see. An admin with no partners sees every partner;
 * requests without an actor (system jobs, or endpoints not yet behind the guard) are unrestricted.
 *
 * - `scope.allows(customer.partnerId)` for a single customer: false → answer 404, as if it did not exist;
 * - `scope.restrict(query)` (or `restrictToPartners(query, scope)`) for list / search / count queries;
 * - `scope.partnerIds` (null = all) to filter events on Socket.IO and the feed.
 */
export class PartnerScope {
  private static readonly ALL = new PartnerScope(null);

  private constructor(
    /** The partners allowed, or null for every partner. Never an empty list. */
    readonly partnerIds: readonly number[] | null,
  ) {}

  static all(): PartnerScope {
    return PartnerScope.ALL;
  }

  static only(partnerIds: readonly number[]): PartnerScope {
    if (partnerIds.length === 0) throw new Error('PartnerScope.only needs at least one partner (use PartnerScope.all())');
    return new PartnerScope([...new Set(partnerIds)].sort((a, b) => a - b));
  }

  /** From `req.actor` (or a socket's actor): no partners listed = every partner. */
  static of(actor: Pick<RequestActor, 'partnerIds'> | undefined | null): PartnerScope {
    return actor?.partnerIds && actor.partnerIds.length > 0 ? PartnerScope.only(actor.partnerIds) : PartnerScope.all();
  }

  get unrestricted(): boolean {
    return this.partnerIds === null;
  }

  /** A restricted scope never allows a customer without a partner. */
  allows(partnerId: number | null | undefined): boolean {
    if (this.partnerIds === null) return true;
    return partnerId !== null && partnerId !== undefined && this.partnerIds.includes(Number(partnerId));
  }

  /** Adds `where <column> in (<partners>)` when restricted; returns the query unchanged otherwise. */
  restrict<QB extends WhereInterface<any, any>>(query: QB, column = 'partner_id'): QB {
    return restrictToPartners(query, this, column);
  }

  /** A requested partner filter (e.g. `?partnerId=`) narrowed to the scope: ids outside it drop out. */
  narrow(requested: readonly number[]): number[] {
    return this.partnerIds === null ? [...requested] : requested.filter((id) => this.partnerIds!.includes(id));
  }
}

/**
 * kysely helper for list / search / count / update queries:
 * `restrictToPartners(db.selectFrom(table).selectAll(), scope)` or `(…, scope, 'c.partner_id')`.
 */
export function restrictToPartners<QB extends WhereInterface<any, any>>(query: QB, scope: PartnerScope, column = 'partner_id'): QB {
  if (scope.partnerIds === null) return query;
  return query.where(column, 'in', [...scope.partnerIds]) as unknown as QB;
}

/** The partners the admin on an HTTP request may see (null = all). */
export function partnerIdsOf(request: AuthenticatedRequest): readonly number[] | null {
  return PartnerScope.of(request.actor).partnerIds;
}
