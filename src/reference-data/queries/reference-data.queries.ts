import { Injectable } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { sql, type Kysely } from 'kysely';
import { ProblemException } from '../../common/problem.js';
import { DATABASE } from '../../database/database.module.js';
import type { Database } from '../../database/database.js';
import { ProjectionRuntime } from '../../projections-runtime/projection-runtime.js';
import { DEFAULT_CUSTOMER_SETTINGS, type AdditionalFieldDefinition, type CustomerSettings } from '../domain/index.js';
import { referenceDataProjection } from '../../../projections/reference-data/reference-data.projection.js';
import { customerStatsProjection } from '../../../projections/customer-stats/customer-stats.projection.js';

export type NamedEntityKind = 'partner' | 'location';

export interface NamedEntityItem {
  id: number;
  name: string;
  deleted: boolean;
  createdAt: string;
  updatedAt: string;
  /** Non-deleted customers using it (from the customer_stats projection). */
  customers: number;
}

export interface CustomerSettingsView extends CustomerSettings {
  /** When last changed; null while the defaults apply. */
  changedAt: string | null;
}

export class ListNamedEntitiesQuery extends Query<{ items: NamedEntityItem[]; nextCursor: null }> {
  constructor(
    readonly kind: NamedEntityKind,
    readonly includeDeleted: boolean,
    /**
     * The admin's partner scope; null = all. Partners: only these are listed. Both kinds: the
     * `customers` counts count only these partners' customers.
     */
    readonly partnerIds: readonly number[] | null,
  ) {
    super();
  }
}

export class GetNamedEntityQuery extends Query<NamedEntityItem> {
  constructor(
    readonly kind: NamedEntityKind,
    readonly id: number,
    readonly partnerIds: readonly number[] | null,
  ) {
    super();
  }
}

export class ListAdditionalFieldsQuery extends Query<{ items: AdditionalFieldDefinition[]; nextCursor: null }> {}

export class GetCustomerSettingsQuery extends Query<CustomerSettingsView> {}

/** Reads of the reference_data projection (and customer counts from customer_stats). */
@Injectable()
export class ReferenceDataReadModels {
  constructor(
    private readonly runtime: ProjectionRuntime,
    @Inject(DATABASE) private readonly database: Database,
  ) {}

  private get db(): Kysely<any> {
    return this.database.db;
  }

  async namedEntities(kind: NamedEntityKind, options: { includeDeleted: boolean; id?: number; partnerIds: readonly number[] | null }): Promise<NamedEntityItem[]> {
    const rows = await this.runtime.read(referenceDataProjection, async (tables) => {
      const table = kind === 'partner' ? tables.partners : tables.locations;
      const conditions = [sql`true`];
      if (!options.includeDeleted) conditions.push(sql`not deleted`);
      if (options.id !== undefined) conditions.push(sql`id = ${options.id}`);
      if (kind === 'partner' && options.partnerIds !== null) {
        conditions.push(options.partnerIds.length ? sql`id in (${sql.join(options.partnerIds.map((id) => sql`${id}`))})` : sql`false`);
      }
      const { rows } = await sql<{ id: number; name: string; deleted: boolean; created_at: Date | string; updated_at: Date | string }>`
        select id, name, deleted, created_at, updated_at from ${sql.table(table)} where ${sql.join(conditions, sql` and `)} order by id`.execute(this.db);
      return rows;
    });
    const usage = await this.runtime.read(customerStatsProjection, async ({ members, counts }) => {
      if (options.partnerIds === null) {
        const { rows } = await sql<{ key: string; count: string | number }>`
          select key, count from ${sql.table(counts)} where dimension = ${kind}`.execute(this.db);
        return new Map(rows.map((row) => [Number(row.key), Number(row.count)]));
      }
      // A partner-restricted admin counts their partners' customers only (as GET /customers/stats does).
      if (options.partnerIds.length === 0) return new Map<number, number>();
      const column = sql.ref(kind === 'partner' ? 'partner_id' : 'location_id');
      const { rows } = await sql<{ key: number; count: string | number }>`
        select ${column} as key, count(*) as count from ${sql.table(members)}
        where not deleted and partner_id in (${sql.join(options.partnerIds.map((id) => sql`${id}`))})
        group by ${column}`.execute(this.db);
      return new Map(rows.map((row) => [Number(row.key), Number(row.count)]));
    });
    return rows.map((row) => ({
      id: Number(row.id),
      name: row.name,
      deleted: row.deleted,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      customers: usage.get(Number(row.id)) ?? 0,
    }));
  }

  async additionalFields(): Promise<AdditionalFieldDefinition[]> {
    return this.runtime.read(referenceDataProjection, async ({ fields }) => {
      const { rows } = await sql<{ definition: AdditionalFieldDefinition }>`
        select definition from ${sql.table(fields)} order by defined_position, name`.execute(this.db);
      return rows.map((row) => row.definition);
    });
  }

  async settings(): Promise<CustomerSettingsView> {
    return this.runtime.read(referenceDataProjection, async ({ settings }) => {
      const { rows } = await sql<{ settings: CustomerSettings; changed_at: Date | string | null }>`
        select settings, changed_at from ${sql.table(settings)} where id = 1`.execute(this.db);
      // Defaults first: a row written before a setting existed reads that setting's default.
      return { ...DEFAULT_CUSTOMER_SETTINGS, ...rows[0].settings, changedAt: rows[0].changed_at === null ? null : iso(rows[0].changed_at) };
    });
  }
}

function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

@Injectable()
@QueryHandler(ListNamedEntitiesQuery)
export class ListNamedEntitiesHandler implements IQueryHandler<ListNamedEntitiesQuery> {
  constructor(private readonly readModels: ReferenceDataReadModels) {}

  async execute(query: ListNamedEntitiesQuery): Promise<{ items: NamedEntityItem[]; nextCursor: null }> {
    return { items: await this.readModels.namedEntities(query.kind, { includeDeleted: query.includeDeleted, partnerIds: query.partnerIds }), nextCursor: null };
  }
}

@Injectable()
@QueryHandler(GetNamedEntityQuery)
export class GetNamedEntityHandler implements IQueryHandler<GetNamedEntityQuery> {
  constructor(private readonly readModels: ReferenceDataReadModels) {}

  async execute(query: GetNamedEntityQuery): Promise<NamedEntityItem> {
    const [item] = await this.readModels.namedEntities(query.kind, { includeDeleted: true, id: query.id, partnerIds: query.partnerIds });
    if (!item) throw ProblemException.rule(query.kind === 'partner' ? 'partner.not_found' : 'location.not_found', `${query.kind === 'partner' ? 'Partner' : 'Location'} ${query.id} does not exist`);
    return item;
  }
}

@Injectable()
@QueryHandler(ListAdditionalFieldsQuery)
export class ListAdditionalFieldsHandler implements IQueryHandler<ListAdditionalFieldsQuery> {
  constructor(private readonly readModels: ReferenceDataReadModels) {}

  async execute(): Promise<{ items: AdditionalFieldDefinition[]; nextCursor: null }> {
    return { items: await this.readModels.additionalFields(), nextCursor: null };
  }
}

@Injectable()
@QueryHandler(GetCustomerSettingsQuery)
export class GetCustomerSettingsHandler implements IQueryHandler<GetCustomerSettingsQuery> {
  constructor(private readonly readModels: ReferenceDataReadModels) {}

  execute(): Promise<CustomerSettingsView> {
    return this.readModels.settings();
  }
}

export const REFERENCE_DATA_QUERY_HANDLERS = [ListNamedEntitiesHandler, GetNamedEntityHandler, ListAdditionalFieldsHandler, GetCustomerSettingsHandler];
