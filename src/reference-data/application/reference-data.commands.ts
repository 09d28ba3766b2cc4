import { Command } from '@nestjs/cqrs';
import type { WriteOptions, WriteResult } from '../../event-sourcing/write-options.js';
import type {
  AdditionalFieldDefinition,
  AdditionalFieldDefinitionInput,
  AdditionalFieldDefinitionPatch,
  CustomerSettings,
} from '../domain/index.js';

/** Partners and locations are both named entities kept in one stream each. */
export type ReferenceEntityKind = 'partner' | 'location';

export interface ReferenceEntityView {
  id: number;
  name: string;
  deleted: boolean;
  createdAt: string;
}

export interface CustomerSettingsView extends CustomerSettings {
  /** When the settings last changed; null while the defaults apply. */
  changedAt: string | null;
}

export class CreateReferenceEntityCommand extends Command<WriteResult<ReferenceEntityView>> {
  constructor(readonly kind: ReferenceEntityKind, readonly name: string, readonly options: WriteOptions) {
    super();
  }
}

/**
 * `partnerIds`: the acting admin's partners when limited to some (null or omitted: every partner). A
 * location used by a customer outside them is shared and is renamed or deleted only by an admin over every partner.
 */
export class RenameReferenceEntityCommand extends Command<WriteResult<ReferenceEntityView>> {
  constructor(readonly kind: ReferenceEntityKind, readonly id: number, readonly name: string, readonly options: WriteOptions, readonly partnerIds: readonly number[] | null = null) {
    super();
  }
}

export class DeleteReferenceEntityCommand extends Command<WriteResult<ReferenceEntityView>> {
  constructor(readonly kind: ReferenceEntityKind, readonly id: number, readonly options: WriteOptions, readonly partnerIds: readonly number[] | null = null) {
    super();
  }
}

export class DefineAdditionalFieldCommand extends Command<WriteResult<AdditionalFieldDefinition>> {
  constructor(readonly input: AdditionalFieldDefinitionInput, readonly options: WriteOptions) {
    super();
  }
}

export class ChangeAdditionalFieldCommand extends Command<WriteResult<AdditionalFieldDefinition>> {
  constructor(readonly name: string, readonly patch: AdditionalFieldDefinitionPatch, readonly options: WriteOptions) {
    super();
  }
}

export class RemoveAdditionalFieldCommand extends Command<WriteResult<AdditionalFieldDefinition & { removed: true }>> {
  constructor(readonly name: string, readonly options: WriteOptions) {
    super();
  }
}

/** PUT (every setting) and PATCH (a subset) of /settings/customers. */
export class ChangeCustomerSettingsCommand extends Command<WriteResult<CustomerSettingsView>> {
  constructor(readonly settings: Partial<CustomerSettings>, readonly options: WriteOptions) {
    super();
  }
}
