/**
 * The customer write commands dispatched on the CommandBus (one class per domain command, plus the
 * application-level ones: bulk delete, password reveal / reset, PIN reveal, impersonation).
 * Each carries the customer id, the command's data and the WriteOptions (metadata, If-Match).
 */
import { Command } from '@nestjs/cqrs';
import type {
  AddAddress,
  AddComment,
  AddContact,
  AddNote,
  AssignHardware,
  ChangeBillingType,
  ChangeStatus,
  ConvertLeadToCustomer,
  ConvertToLead,
  CreateCustomerInput,
  CustomerCommand,
  CustomerPatch,
  DeleteComment,
  DeleteCustomer,
  DeleteNote,
  EditComment,
  EditNote,
  GrantCapBonus,
  RecordCharge,
  RecordPayment,
  RemoveAddress,
  RemoveContact,
  RestoreCustomer,
  RevokeCapBonus,
  SetAdditionalFields,
  UnassignHardware,
  VoipPatch,
} from '../domain/index.js';
import type { CustomerWrite } from './customer-command-executor.js';
import type { WriteOptions, WriteResult } from '../../event-sourcing/write-options.js';

export type { CustomerWrite };

/** A domain command addressed to one existing customer, handed to the decider as it is. */
export abstract class CustomerDomainCommand<C extends CustomerCommand> extends Command<CustomerWrite> {
  abstract readonly type: C['type'];

  constructor(
    readonly customerId: number,
    readonly data: C['data'],
    readonly options: WriteOptions,
  ) {
    super();
  }

  toDomain(): C {
    return { type: this.type, data: this.data } as C;
  }
}

/**
 * PATCH /customers/{id} as it comes in: the domain patch, except that the VoIP section may carry
 * the plain PIN, which the handler checks (digits, the settings' length) and seals before the
 * decider sees it (as voip.pinChanged + context.pinCiphertext).
 */
export type CustomerPatchBody = Omit<CustomerPatch, 'voip'> & { voip?: Omit<VoipPatch, 'pinChanged'> & { pin?: string | null } };

export class EditCustomerCommand extends Command<CustomerWrite> {
  readonly type = 'EditCustomer' as const;

  constructor(
    readonly customerId: number,
    readonly data: CustomerPatchBody,
    readonly options: WriteOptions,
  ) {
    super();
  }
}
export class SetAdditionalFieldsCommand extends CustomerDomainCommand<SetAdditionalFields> {
  readonly type = 'SetAdditionalFields' as const;
}
export class ChangeStatusCommand extends CustomerDomainCommand<ChangeStatus> {
  readonly type = 'ChangeStatus' as const;
}
export class ChangeBillingTypeCommand extends CustomerDomainCommand<ChangeBillingType> {
  readonly type = 'ChangeBillingType' as const;
}
export class ConvertToLeadCommand extends CustomerDomainCommand<ConvertToLead> {
  readonly type = 'ConvertToLead' as const;
}
export class ConvertLeadToCustomerCommand extends CustomerDomainCommand<ConvertLeadToCustomer> {
  readonly type = 'ConvertLeadToCustomer' as const;
}
export class DeleteCustomerCommand extends CustomerDomainCommand<DeleteCustomer> {
  readonly type = 'DeleteCustomer' as const;
}
export class RestoreCustomerCommand extends CustomerDomainCommand<RestoreCustomer> {
  readonly type = 'RestoreCustomer' as const;
}
export class AddCommentCommand extends CustomerDomainCommand<AddComment> {
  readonly type = 'AddComment' as const;
}
export class EditCommentCommand extends CustomerDomainCommand<EditComment> {
  readonly type = 'EditComment' as const;
}
export class DeleteCommentCommand extends CustomerDomainCommand<DeleteComment> {
  readonly type = 'DeleteComment' as const;
}
export class AddNoteCommand extends CustomerDomainCommand<AddNote> {
  readonly type = 'AddNote' as const;
}
export class EditNoteCommand extends CustomerDomainCommand<EditNote> {
  readonly type = 'EditNote' as const;
}
export class DeleteNoteCommand extends CustomerDomainCommand<DeleteNote> {
  readonly type = 'DeleteNote' as const;
}
export class GrantCapBonusCommand extends CustomerDomainCommand<GrantCapBonus> {
  readonly type = 'GrantCapBonus' as const;
}
export class RevokeCapBonusCommand extends CustomerDomainCommand<RevokeCapBonus> {
  readonly type = 'RevokeCapBonus' as const;
}
export class AssignHardwareCommand extends CustomerDomainCommand<AssignHardware> {
  readonly type = 'AssignHardware' as const;
}
export class UnassignHardwareCommand extends CustomerDomainCommand<UnassignHardware> {
  readonly type = 'UnassignHardware' as const;
}
export class AddContactCommand extends CustomerDomainCommand<AddContact> {
  readonly type = 'AddContact' as const;
}
export class RemoveContactCommand extends CustomerDomainCommand<RemoveContact> {
  readonly type = 'RemoveContact' as const;
}
export class AddAddressCommand extends CustomerDomainCommand<AddAddress> {
  readonly type = 'AddAddress' as const;
}
export class RemoveAddressCommand extends CustomerDomainCommand<RemoveAddress> {
  readonly type = 'RemoveAddress' as const;
}
export class RecordPaymentCommand extends CustomerDomainCommand<RecordPayment> {
  readonly type = 'RecordPayment' as const;
}
export class RecordChargeCommand extends CustomerDomainCommand<RecordCharge> {
  readonly type = 'RecordCharge' as const;
}

// ----- application-level commands ----------------------------------------------------------

/** POST /customers: the profile plus optional credentials (generated when omitted). */
export interface CreateCustomerBody extends Omit<CreateCustomerInput, 'voip'> {
  login?: string;
  /** Plain text only here; sealed before it enters the decider's context. */
  password?: string;
  /** `pin`: plain text only here; checked and sealed before it enters the decider's context. */
  voip?: CreateCustomerInput['voip'] & { accountNumber?: string; pin?: string | null };
}

export class CreateCustomerCommand extends Command<CustomerWrite> {
  constructor(readonly body: CreateCustomerBody, readonly options: WriteOptions) {
    super();
  }
}

export interface BulkDeleteItemResult {
  id: number;
  ok: boolean;
  revision?: number;
  position?: string | null;
  error?: { status: number; rule: string; detail: string };
}

export interface BulkDeleteResult {
  results: BulkDeleteItemResult[];
  deleted: number;
  refused: number;
}

/** POST /customers/bulk-delete: each id on its own; any customer not Inactive is refused. */
export class BulkDeleteCustomersCommand extends Command<BulkDeleteResult> {
  constructor(readonly ids: readonly number[], readonly reason: string | null | undefined, readonly options: Omit<WriteOptions, 'expectedRevision'>) {
    super();
  }
}

/** A new portal password: the given one (policy checked) or one generated from the customer settings. */
export class ResetPasswordCommand extends Command<CustomerWrite & { generated: boolean }> {
  constructor(
    readonly customerId: number,
    readonly data: { password?: string; reason?: string | null },
    readonly options: WriteOptions,
  ) {
    super();
  }
}

export class RevealPasswordCommand extends Command<WriteResult<{ customerId: number; password: string }>> {
  constructor(readonly customerId: number, readonly reason: string | null | undefined, readonly options: WriteOptions) {
    super();
  }
}

export class RevealPinCommand extends Command<WriteResult<{ customerId: number; pin: string }>> {
  constructor(readonly customerId: number, readonly reason: string | null | undefined, readonly options: WriteOptions) {
    super();
  }
}

/** The answer of POST /customers/{id}/erase. */
export interface PersonalDataErasure {
  customerId: number;
  erased: true;
}

/** Crypto-shredding: records CustomerPersonalDataErased; the store destroys the customer's data key with it. */
export class ErasePersonalDataCommand extends Command<WriteResult<PersonalDataErasure>> {
  constructor(readonly customerId: number, readonly reason: string, readonly options: WriteOptions) {
    super();
  }
}

export interface PortalToken {
  customerId: number;
  token: string;
  tokenType: 'portal';
  expiresAt: string;
}

/** "Login as customer": a short-lived opaque portal token; the act is recorded (CustomerImpersonated). */
export class ImpersonateCustomerCommand extends Command<WriteResult<PortalToken>> {
  constructor(
    readonly customerId: number,
    readonly data: { reason?: string | null; ttlSeconds?: number },
    readonly options: WriteOptions,
  ) {
    super();
  }
}
