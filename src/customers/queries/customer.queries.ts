import { Injectable } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ProblemException } from '../../common/problem.js';
import {
  CustomerReadModels,
  type ActivityEntry,
  type ActivityFilter,
  type CustomerListFilter,
  type CustomerListItem,
  type CustomerProfile,
  type CustomerStats,
  type Page,
  type PartnerIds,
} from './customer-read-models.js';

/** Queries of the customer read side (answered from projections only). `partnerIds` null = all partners. */
export class ListCustomersQuery extends Query<Page<CustomerListItem>> {
  constructor(
    readonly filter: CustomerListFilter,
    readonly partnerIds: PartnerIds,
  ) {
    super();
  }
}

export class GetCustomerProfileQuery extends Query<CustomerProfile> {
  constructor(
    readonly customerId: number,
    readonly partnerIds: PartnerIds,
    readonly includeDeleted = false,
    /** Fold the stream (its current head) instead of reading the profile read model. */
    readonly consistent = false,
  ) {
    super();
  }
}

export class GetCustomerActivityQuery extends Query<Page<ActivityEntry>> {
  constructor(
    readonly customerId: number,
    readonly filter: ActivityFilter,
    readonly partnerIds: PartnerIds,
  ) {
    super();
  }
}

export class GetCustomerStatsQuery extends Query<CustomerStats> {
  constructor(
    readonly partnerIds: PartnerIds,
    /** The counts as they were then (event time); omitted: now. */
    readonly asOf?: Date,
  ) {
    super();
  }
}

export function customerNotFound(id: number): ProblemException {
  return ProblemException.rule('customer.not_found', `Customer ${id} does not exist`);
}

@Injectable()
@QueryHandler(ListCustomersQuery)
export class ListCustomersHandler implements IQueryHandler<ListCustomersQuery> {
  constructor(private readonly readModels: CustomerReadModels) {}

  execute(query: ListCustomersQuery): Promise<Page<CustomerListItem>> {
    return this.readModels.list(query.filter, query.partnerIds);
  }
}

@Injectable()
@QueryHandler(GetCustomerProfileQuery)
export class GetCustomerProfileHandler implements IQueryHandler<GetCustomerProfileQuery> {
  constructor(private readonly readModels: CustomerReadModels) {}

  async execute(query: GetCustomerProfileQuery): Promise<CustomerProfile> {
    const profile = await this.readModels.profile(query.customerId, query.partnerIds, { includeDeleted: query.includeDeleted, consistent: query.consistent });
    if (!profile) throw customerNotFound(query.customerId);
    return profile;
  }
}

@Injectable()
@QueryHandler(GetCustomerActivityQuery)
export class GetCustomerActivityHandler implements IQueryHandler<GetCustomerActivityQuery> {
  constructor(private readonly readModels: CustomerReadModels) {}

  async execute(query: GetCustomerActivityQuery): Promise<Page<ActivityEntry>> {
    // The timeline of a deleted customer stays readable (auditors); an unknown one is a 404.
    if (!(await this.readModels.exists(query.customerId, query.partnerIds))) throw customerNotFound(query.customerId);
    return this.readModels.activity(query.customerId, query.filter);
  }
}

@Injectable()
@QueryHandler(GetCustomerStatsQuery)
export class GetCustomerStatsHandler implements IQueryHandler<GetCustomerStatsQuery> {
  constructor(private readonly readModels: CustomerReadModels) {}

  execute(query: GetCustomerStatsQuery): Promise<CustomerStats> {
    return query.asOf ? this.readModels.statsAsOf(query.asOf, query.partnerIds) : this.readModels.stats(query.partnerIds);
  }
}

export const CUSTOMER_QUERY_HANDLERS = [ListCustomersHandler, GetCustomerProfileHandler, GetCustomerActivityHandler, GetCustomerStatsHandler];
