import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { runCommand } from '../../event-sourcing/command-runner.js';
import type { Decider } from '../../domain-kernel/decider.js';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port.js';
import type { WriteResult } from '../../event-sourcing/write-options.js';
import {
  ADDITIONAL_FIELDS_STREAM,
  CUSTOMER_SETTINGS_STREAM,
  LOCATIONS_STREAM,
  PARTNERS_STREAM,
  additionalFieldDefinitionsDecider,
  customerSettingsDecider,
  locationsDecider,
  partnersDecider,
  type AdditionalFieldDefinition,
  type NamedEntitiesState,
  type NamedEntityContext,
  type NamedEntityCreatedData,
  type NamedEntityDeletedData,
} from '../domain/index.js';
import {
  ChangeAdditionalFieldCommand,
  ChangeCustomerSettingsCommand,
  CreateReferenceEntityCommand,
  DefineAdditionalFieldCommand,
  DeleteReferenceEntityCommand,
  RemoveAdditionalFieldCommand,
  RenameReferenceEntityCommand,
  type CustomerSettingsView,
  type ReferenceEntityKind,
  type ReferenceEntityView,
} from './reference-data.commands.js';
import { ReferenceUsage } from './reference-usage.js';
import { refuse } from '../../domain-kernel/errors.js';

export const LOCATION_SHARED = 'location.shared';

type NamedDecider = Decider<{ type: string; data: object }, NamedEntitiesState, { type: string; data: object }, NamedEntityContext>;

const NAMED: Record<ReferenceEntityKind, { stream: string; decider: NamedDecider; type: 'Partner' | 'Location' }> = {
  partner: { stream: PARTNERS_STREAM, decider: partnersDecider as unknown as NamedDecider, type: 'Partner' },
  location: { stream: LOCATIONS_STREAM, decider: locationsDecider as unknown as NamedDecider, type: 'Location' },
};

const now = (): string => new Date().toISOString();

function entityView(state: NamedEntitiesState, id: number): ReferenceEntityView {
  const entity = state.entities[id];
  return { id: entity.id, name: entity.name, deleted: entity.deleted, createdAt: entity.createdAt };
}

@CommandHandler(CreateReferenceEntityCommand)
export class CreateReferenceEntityHandler implements ICommandHandler<CreateReferenceEntityCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(command: CreateReferenceEntityCommand): Promise<WriteResult<ReferenceEntityView>> {
    const { stream, decider, type } = NAMED[command.kind];
    const outcome = await runCommand(this.store, stream, decider, { type: `Create${type}`, data: { name: command.name } }, {
      context: () => ({ now: now() }),
      metadata: command.options.metadata,
      expectedRevision: command.options.expectedRevision,
    });
    const created = outcome.events[0].data as NamedEntityCreatedData;
    return { resource: entityView(outcome.state, created.id), revision: outcome.revision, position: outcome.position };
  }
}

/**
 * Locations are shared by every partner. A partner-limited admin changes one only while no customer of
 * another partner uses it (403 location.shared, telling neither how many nor whose); an admin over every
 * partner changes any.
 */
async function assertLocationNotShared(usage: ReferenceUsage, kind: ReferenceEntityKind, id: number, partnerIds: readonly number[] | null): Promise<void> {
  if (kind !== 'location' || partnerIds === null || partnerIds.length === 0 || !Number.isInteger(id)) return;
  if ((await usage.countOutside(id, partnerIds)) > 0) {
    refuse(LOCATION_SHARED, 'This location is used outside your partners: only an administrator over every partner may change or delete it', { id });
  }
}

@CommandHandler(RenameReferenceEntityCommand)
export class RenameReferenceEntityHandler implements ICommandHandler<RenameReferenceEntityCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ReferenceUsage) private readonly usage: ReferenceUsage,
  ) {}

  async execute(command: RenameReferenceEntityCommand): Promise<WriteResult<ReferenceEntityView>> {
    const { stream, decider, type } = NAMED[command.kind];
    await assertLocationNotShared(this.usage, command.kind, command.id, command.partnerIds);
    const outcome = await runCommand(this.store, stream, decider, { type: `Rename${type}`, data: { id: command.id, name: command.name } }, {
      context: () => ({ now: now() }),
      metadata: command.options.metadata,
      expectedRevision: command.options.expectedRevision,
    });
    return { resource: entityView(outcome.state, command.id), revision: outcome.revision, position: outcome.position };
  }
}

@CommandHandler(DeleteReferenceEntityCommand)
export class DeleteReferenceEntityHandler implements ICommandHandler<DeleteReferenceEntityCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ReferenceUsage) private readonly usage: ReferenceUsage,
  ) {}

  async execute(command: DeleteReferenceEntityCommand): Promise<WriteResult<ReferenceEntityView>> {
    const { stream, decider, type } = NAMED[command.kind];
    await assertLocationNotShared(this.usage, command.kind, command.id, command.partnerIds);
    const outcome = await runCommand(this.store, stream, decider, { type: `Delete${type}`, data: { id: command.id } }, {
      // Counted on every attempt: a customer that started using the entity meanwhile refuses the delete.
      context: async () => ({ now: now(), customersReferencing: Number.isInteger(command.id) ? await this.usage.count(command.kind, command.id) : 0 }),
      metadata: command.options.metadata,
      expectedRevision: command.options.expectedRevision,
    });
    const deleted = outcome.events[0].data as NamedEntityDeletedData;
    return { resource: entityView(outcome.state, deleted.id), revision: outcome.revision, position: outcome.position };
  }
}

@CommandHandler(DefineAdditionalFieldCommand)
export class DefineAdditionalFieldHandler implements ICommandHandler<DefineAdditionalFieldCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(command: DefineAdditionalFieldCommand): Promise<WriteResult<AdditionalFieldDefinition>> {
    const outcome = await runCommand(this.store, ADDITIONAL_FIELDS_STREAM, additionalFieldDefinitionsDecider, { type: 'DefineAdditionalField', data: command.input }, {
      context: () => ({ now: now() }),
      metadata: command.options.metadata,
      expectedRevision: command.options.expectedRevision,
    });
    const name = (outcome.events[0].data as { name: string }).name;
    return { resource: outcome.state.definitions[name], revision: outcome.revision, position: outcome.position };
  }
}

@CommandHandler(ChangeAdditionalFieldCommand)
export class ChangeAdditionalFieldHandler implements ICommandHandler<ChangeAdditionalFieldCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(command: ChangeAdditionalFieldCommand): Promise<WriteResult<AdditionalFieldDefinition>> {
    const outcome = await runCommand(
      this.store,
      ADDITIONAL_FIELDS_STREAM,
      additionalFieldDefinitionsDecider,
      { type: 'ChangeAdditionalField', data: { ...command.patch, name: command.name } },
      { context: () => ({ now: now() }), metadata: command.options.metadata, expectedRevision: command.options.expectedRevision },
    );
    return { resource: outcome.state.definitions[command.name], revision: outcome.revision, position: outcome.position };
  }
}

@CommandHandler(RemoveAdditionalFieldCommand)
export class RemoveAdditionalFieldHandler implements ICommandHandler<RemoveAdditionalFieldCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(command: RemoveAdditionalFieldCommand): Promise<WriteResult<AdditionalFieldDefinition & { removed: true }>> {
    const outcome = await runCommand(this.store, ADDITIONAL_FIELDS_STREAM, additionalFieldDefinitionsDecider, { type: 'RemoveAdditionalField', data: { name: command.name } }, {
      context: () => ({ now: now() }),
      metadata: command.options.metadata,
      expectedRevision: command.options.expectedRevision,
    });
    const removed = (outcome.events[0].data as { definition: AdditionalFieldDefinition }).definition;
    return { resource: { ...removed, removed: true }, revision: outcome.revision, position: outcome.position };
  }
}

@CommandHandler(ChangeCustomerSettingsCommand)
export class ChangeCustomerSettingsHandler implements ICommandHandler<ChangeCustomerSettingsCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(command: ChangeCustomerSettingsCommand): Promise<WriteResult<CustomerSettingsView>> {
    const outcome = await runCommand(this.store, CUSTOMER_SETTINGS_STREAM, customerSettingsDecider, { type: 'ChangeCustomerSettings', data: command.settings }, {
      context: () => ({ now: now() }),
      metadata: command.options.metadata,
      expectedRevision: command.options.expectedRevision,
    });
    return { resource: { ...outcome.state.settings, changedAt: outcome.state.changedAt }, revision: outcome.revision, position: outcome.position };
  }
}

export const REFERENCE_DATA_COMMAND_HANDLERS = [
  CreateReferenceEntityHandler,
  RenameReferenceEntityHandler,
  DeleteReferenceEntityHandler,
  DefineAdditionalFieldHandler,
  ChangeAdditionalFieldHandler,
  RemoveAdditionalFieldHandler,
  ChangeCustomerSettingsHandler,
];
