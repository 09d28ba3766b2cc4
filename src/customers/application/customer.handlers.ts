import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomBytes, randomInt } from 'node:crypto';
import { hashOpaqueToken } from '../../crypto/opaque-token.js';
import { DATABASE } from '../../database/database.module.js';
import type { Database } from '../../database/database.js';
import { SecretBox } from '../../crypto/secret-box.js';
import { problemOf } from '../../common/http-errors.js';
import { ReferenceDataReader } from '../../reference-data/application/reference-data.reader.js';
import {
  CUSTOMER_RULES,
  DomainRuleViolation,
  ValidationFailed,
  assertPasswordPolicy,
  checkPasswordPolicy,
  checkPin,
  generateAccountNumber,
  generateLogin,
  generatePassword,
  generatePin,
  isDomainRuleViolation,
  type CreateCustomerInput,
  type Customer,
  type CustomerCommand,
  type CustomerPatch,
} from '../domain/index.js';
import { CustomerCommandExecutor, type CustomerWrite } from './customer-command-executor.js';
import { CustomerFieldChecks } from './customer-field-checks.js';
import {
  AddAddressCommand,
  AddCommentCommand,
  AddContactCommand,
  AddNoteCommand,
  AssignHardwareCommand,
  BulkDeleteCustomersCommand,
  ChangeBillingTypeCommand,
  ChangeStatusCommand,
  ConvertLeadToCustomerCommand,
  ConvertToLeadCommand,
  CreateCustomerCommand,
  DeleteCommentCommand,
  DeleteCustomerCommand,
  DeleteNoteCommand,
  ErasePersonalDataCommand,
  EditCommentCommand,
  EditCustomerCommand,
  EditNoteCommand,
  GrantCapBonusCommand,
  ImpersonateCustomerCommand,
  RecordChargeCommand,
  RecordPaymentCommand,
  RemoveAddressCommand,
  RemoveContactCommand,
  ResetPasswordCommand,
  RestoreCustomerCommand,
  RevealPasswordCommand,
  RevealPinCommand,
  RevertChangeCommand,
  RevokeCapBonusCommand,
  SetAdditionalFieldsCommand,
  UnassignHardwareCommand,
  type BulkDeleteItemResult,
  type BulkDeleteResult,
  type CustomerDomainCommand,
  type PersonalDataErasure,
  type PortalToken,
} from './customer.commands.js';
import { CUSTOMER_TAKEN_RULES } from './customer-reservations.js';
import { nextCustomerId } from './customers.schema.js';
import type { WriteResult } from '../../event-sourcing/write-options.js';

/** Portal tokens: 15 minutes unless asked otherwise. */
export const PORTAL_TOKEN_DEFAULT_TTL_SECONDS = 900;
/** How many fresh draws a generated login / account number gets when the first one is taken. */
const GENERATION_ATTEMPTS = 5;

// ----- the domain commands, handed to the decider as they are ---------------------------------

@Injectable()
abstract class CustomerDomainHandler<C extends CustomerDomainCommand<CustomerCommand>> {
  constructor(@Inject(CustomerCommandExecutor) protected readonly executor: CustomerCommandExecutor) {}

  execute(command: C): Promise<CustomerWrite> {
    return this.executor.write(command.customerId, command.toDomain(), command.options);
  }
}

@CommandHandler(SetAdditionalFieldsCommand)
export class SetAdditionalFieldsHandler extends CustomerDomainHandler<SetAdditionalFieldsCommand> {}
@CommandHandler(ChangeStatusCommand)
export class ChangeStatusHandler extends CustomerDomainHandler<ChangeStatusCommand> {}
@CommandHandler(ChangeBillingTypeCommand)
export class ChangeBillingTypeHandler extends CustomerDomainHandler<ChangeBillingTypeCommand> {}
@CommandHandler(ConvertToLeadCommand)
export class ConvertToLeadHandler extends CustomerDomainHandler<ConvertToLeadCommand> {}
@CommandHandler(ConvertLeadToCustomerCommand)
export class ConvertLeadToCustomerHandler extends CustomerDomainHandler<ConvertLeadToCustomerCommand> {}
@CommandHandler(DeleteCustomerCommand)
export class DeleteCustomerHandler extends CustomerDomainHandler<DeleteCustomerCommand> {}
@CommandHandler(RestoreCustomerCommand)
export class RestoreCustomerHandler extends CustomerDomainHandler<RestoreCustomerCommand> {}
@CommandHandler(AddCommentCommand)
export class AddCommentHandler extends CustomerDomainHandler<AddCommentCommand> {}
@CommandHandler(EditCommentCommand)
export class EditCommentHandler extends CustomerDomainHandler<EditCommentCommand> {}
@CommandHandler(DeleteCommentCommand)
export class DeleteCommentHandler extends CustomerDomainHandler<DeleteCommentCommand> {}
@CommandHandler(AddNoteCommand)
export class AddNoteHandler extends CustomerDomainHandler<AddNoteCommand> {}
@CommandHandler(EditNoteCommand)
export class EditNoteHandler extends CustomerDomainHandler<EditNoteCommand> {}
@CommandHandler(DeleteNoteCommand)
export class DeleteNoteHandler extends CustomerDomainHandler<DeleteNoteCommand> {}
@CommandHandler(GrantCapBonusCommand)
export class GrantCapBonusHandler extends CustomerDomainHandler<GrantCapBonusCommand> {}
@CommandHandler(RevokeCapBonusCommand)
export class RevokeCapBonusHandler extends CustomerDomainHandler<RevokeCapBonusCommand> {}
@CommandHandler(AssignHardwareCommand)
export class AssignHardwareHandler extends CustomerDomainHandler<AssignHardwareCommand> {}
@CommandHandler(UnassignHardwareCommand)
export class UnassignHardwareHandler extends CustomerDomainHandler<UnassignHardwareCommand> {}
@CommandHandler(AddContactCommand)
export class AddContactHandler extends CustomerDomainHandler<AddContactCommand> {}
@CommandHandler(RemoveContactCommand)
export class RemoveContactHandler extends CustomerDomainHandler<RemoveContactCommand> {}
@CommandHandler(AddAddressCommand)
export class AddAddressHandler extends CustomerDomainHandler<AddAddressCommand> {}
@CommandHandler(RemoveAddressCommand)
export class RemoveAddressHandler extends CustomerDomainHandler<RemoveAddressCommand> {}
@CommandHandler(RecordPaymentCommand)
export class RecordPaymentHandler extends CustomerDomainHandler<RecordPaymentCommand> {}
@CommandHandler(RecordChargeCommand)
export class RecordChargeHandler extends CustomerDomainHandler<RecordChargeCommand> {}

// ----- edit (PATCH) ----------------------------------------------------------------------------

/**
 * The patch goes to the decider as it is, except for a plain PIN: the same PIN as now is dropped
 * (nothing changes), a new one is checked (digits, exactly the settings' pinLength) and sealed,
 * and the decider gets only `voip.pinChanged: true` with the ciphertext in context.pinCiphertext.
 */
@CommandHandler(EditCustomerCommand)
export class EditCustomerHandler implements ICommandHandler<EditCustomerCommand> {
  constructor(
    @Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor,
    @Inject(ReferenceDataReader) private readonly reader: ReferenceDataReader,
    @Inject(SecretBox) private readonly secretBox: SecretBox,
    @Inject(CustomerFieldChecks) private readonly checks: CustomerFieldChecks,
  ) {}

  async execute(command: EditCustomerCommand): Promise<CustomerWrite> {
    const { voip, ...rest } = command.data;
    const write = (data: CustomerPatch, pinCiphertext?: string) =>
      this.executor.write(command.customerId, { type: 'EditCustomer', data }, command.options, pinCiphertext === undefined ? undefined : () => ({ pinCiphertext }));
    if (voip === undefined || voip === null || typeof voip !== 'object' || voip.pin === undefined) return write(command.data as CustomerPatch);
    const { pin, ...otherVoip } = voip;
    const { state } = await this.executor.loadFor(command.customerId, command.options);
    // No customer, or a deleted one: the decider refuses the patch whatever the PIN.
    if (!state.exists || state.deleted || (typeof pin === 'string' && this.isCurrentPin(state, pin))) return write({ ...rest, voip: otherVoip });
    // A PIN error comes with every other field error of the patch, not in a round of its own.
    if (checkPin(pin, (await this.reader.settings()).state.settings).length > 0) {
      throw new ValidationFailed(await this.checks.edit(command.customerId, command.data, command.options));
    }
    return write({ ...rest, voip: { ...otherVoip, pinChanged: true } }, this.secretBox.seal(pin as string));
  }

  private isCurrentPin(customer: Customer, pin: string): boolean {
    try {
      return typeof customer.voip.pinCiphertext === 'string' && this.secretBox.open(customer.voip.pinCiphertext) === pin;
    } catch {
      return false;
    }
  }
}

// ----- create ------------------------------------------------------------------------------

/**
 * Allocates the id from the sequence, resolves the credentials (given, or generated from the
 * customer settings with a crypto random source; a given PIN must have the settings' length),
 * seals the password and the PIN, then decides and appends;
 * the login and account number are reserved just before the append (ReservingEventStore). A
 * generated login or account number that turns out taken is drawn again (with a fresh id, so an
 * {id} pattern moves on too); a given one that is taken is a 409.
 */
@CommandHandler(CreateCustomerCommand)
export class CreateCustomerHandler implements ICommandHandler<CreateCustomerCommand> {
  constructor(
    @Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor,
    @Inject(ReferenceDataReader) private readonly reader: ReferenceDataReader,
    @Inject(SecretBox) private readonly secretBox: SecretBox,
    @Inject(DATABASE) private readonly database: Database,
    @Inject(CustomerFieldChecks) private readonly checks: CustomerFieldChecks,
  ) {}

  async execute(command: CreateCustomerCommand): Promise<CustomerWrite> {
    const { login: givenLogin, password: givenPassword, voip: givenVoip, ...profile } = command.body;
    const { accountNumber: givenAccountNumber, pin: givenPin, ...voip } = givenVoip ?? {};
    const input: CreateCustomerInput = givenVoip === undefined ? profile : { ...profile, voip };
    const settings = (await this.reader.settings()).state.settings;
    const credentialsValid =
      (givenPassword === undefined || checkPasswordPolicy(givenPassword, { login: givenLogin }).length === 0) &&
      (givenPin === undefined || givenPin === null || checkPin(givenPin, settings).length === 0);
    // A credential error comes with every other field error of the body, not in a round of its own.
    if (!credentialsValid) throw new ValidationFailed(await this.checks.create(command.body, command.options));

    let customerId = await nextCustomerId(this.database.db);
    for (let attempt = 1; ; attempt++) {
      const now = new Date().toISOString();
      const login = givenLogin ?? generateLogin(settings, { id: customerId, now, random: randomInt });
      const password = givenPassword ?? generatePassword(settings, { id: customerId, now, random: randomInt, login });
      if (givenPassword !== undefined) assertPasswordPolicy(givenPassword, { login });
      const creation = {
        customerId,
        login,
        passwordCiphertext: this.secretBox.seal(password),
        accountNumber: givenAccountNumber ?? generateAccountNumber(settings, randomInt),
        pinCiphertext: this.secretBox.seal(givenPin ?? generatePin(settings, randomInt)),
      };
      try {
        return await this.executor.write(customerId, { type: 'CreateCustomer', data: input }, { metadata: command.options.metadata }, () => ({ creation }));
      } catch (error) {
        const generatedTaken =
          isDomainRuleViolation(error) &&
          ((error.rule === CUSTOMER_TAKEN_RULES.login && givenLogin === undefined) ||
            (error.rule === CUSTOMER_TAKEN_RULES.accountNumber && givenAccountNumber === undefined));
        if (!generatedTaken || attempt >= GENERATION_ATTEMPTS) throw error;
        if (error.rule === CUSTOMER_TAKEN_RULES.login) customerId = await nextCustomerId(this.database.db);
      }
    }
  }
}

// ----- bulk delete ---------------------------------------------------------------------------

@CommandHandler(BulkDeleteCustomersCommand)
export class BulkDeleteCustomersHandler implements ICommandHandler<BulkDeleteCustomersCommand> {
  private readonly logger = new Logger('BulkDeleteCustomers');

  constructor(@Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor) {}

  async execute(command: BulkDeleteCustomersCommand): Promise<BulkDeleteResult> {
    const results: BulkDeleteItemResult[] = [];
    for (const id of [...new Set(command.ids)]) {
      try {
        const outcome = await this.executor.run(id, { type: 'DeleteCustomer', data: { reason: command.reason } }, { metadata: command.options.metadata });
        results.push({ id, ok: true, revision: outcome.revision, position: outcome.position });
      } catch (error) {
        results.push({ id, ok: false, error: this.failure(id, error) });
      }
    }
    const deleted = results.filter((result) => result.ok).length;
    return { results, deleted, refused: results.length - deleted };
  }

  /** Each refused id answers as its own request would (the one HTTP error mapper), in short. */
  private failure(id: number, error: unknown): { status: number; rule: string; detail: string } {
    const { status, rule, detail } = problemOf(error);
    if (status >= 500) this.logger.error(`Deleting customer ${id} failed: ${(error as Error).stack ?? String(error)}`);
    return { status, rule, detail };
  }
}

// ----- password, PIN, impersonation ------------------------------------------------------------

@CommandHandler(ResetPasswordCommand)
export class ResetPasswordHandler implements ICommandHandler<ResetPasswordCommand> {
  constructor(
    @Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor,
    @Inject(ReferenceDataReader) private readonly reader: ReferenceDataReader,
    @Inject(SecretBox) private readonly secretBox: SecretBox,
  ) {}

  async execute(command: ResetPasswordCommand): Promise<CustomerWrite & { generated: boolean }> {
    // Scoped first: the password policy must not answer anything about another partner's customer (its login).
    const { state } = await this.executor.loadFor(command.customerId, command.options);
    if (!state.exists) throw new DomainRuleViolation(CUSTOMER_RULES.notFound, 'The customer does not exist');
    const generated = command.data.password === undefined;
    let password: string;
    if (command.data.password !== undefined) {
      assertPasswordPolicy(command.data.password, { login: state.login });
      password = command.data.password;
    } else {
      const settings = (await this.reader.settings()).state.settings;
      password = generatePassword(settings, { id: state.id, now: new Date().toISOString(), random: randomInt, login: state.login });
    }
    const passwordCiphertext = this.secretBox.seal(password);
    const result = await this.executor.write(
      command.customerId,
      { type: 'ResetPassword', data: { reason: command.data.reason, generated } },
      command.options,
      () => ({ passwordCiphertext }),
    );
    return { ...result, generated };
  }
}

/** Records CustomerPasswordRevealed first, then opens the sealed password: no reveal goes unaudited. */
@CommandHandler(RevealPasswordCommand)
export class RevealPasswordHandler implements ICommandHandler<RevealPasswordCommand> {
  constructor(
    @Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor,
    @Inject(SecretBox) private readonly secretBox: SecretBox,
  ) {}

  async execute(command: RevealPasswordCommand): Promise<WriteResult<{ customerId: number; password: string }>> {
    const outcome = await this.executor.run(command.customerId, { type: 'RevealPassword', data: { reason: command.reason } }, command.options);
    const password = this.secretBox.open(outcome.state.passwordCiphertext);
    return { resource: { customerId: outcome.state.id, password }, revision: outcome.revision, position: outcome.position };
  }
}

/**
 * POST /customers/{id}/erase: the decider checks the balance and the settings' requirement, the
 * erasure event is appended, and the encrypting store destroys the data key with it (the read
 * models clear the personal fields when their projections read the event).
 */
@CommandHandler(ErasePersonalDataCommand)
export class ErasePersonalDataHandler implements ICommandHandler<ErasePersonalDataCommand> {
  constructor(
    @Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor,
    @Inject(ReferenceDataReader) private readonly reader: ReferenceDataReader,
  ) {}

  async execute(command: ErasePersonalDataCommand): Promise<WriteResult<PersonalDataErasure>> {
    const outcome = await this.executor.run(command.customerId, { type: 'ErasePersonalData', data: { reason: command.reason } }, command.options, async () => ({
      erasureRequires: (await this.reader.settings()).state.settings.erasureRequires,
    }));
    return { resource: { customerId: outcome.state.id, erased: true }, revision: outcome.revision, position: outcome.position };
  }
}

/** Records CustomerPinRevealed first, then opens the sealed PIN: no reveal goes unaudited. */
@CommandHandler(RevealPinCommand)
export class RevealPinHandler implements ICommandHandler<RevealPinCommand> {
  constructor(
    @Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor,
    @Inject(SecretBox) private readonly secretBox: SecretBox,
  ) {}

  async execute(command: RevealPinCommand): Promise<WriteResult<{ customerId: number; pin: string }>> {
    const outcome = await this.executor.run(command.customerId, { type: 'RevealPin', data: { reason: command.reason } }, command.options);
    const pin = this.secretBox.open(outcome.state.voip.pinCiphertext);
    return { resource: { customerId: outcome.state.id, pin }, revision: outcome.revision, position: outcome.position };
  }
}

/**
 * "Login as customer": records CustomerImpersonated (reason, expiry), then issues a random opaque
 * token. Only its SHA-256 is stored (customer_portal_tokens), for the portal to check.
 */
@CommandHandler(ImpersonateCustomerCommand)
export class ImpersonateCustomerHandler implements ICommandHandler<ImpersonateCustomerCommand> {
  constructor(
    @Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor,
    @Inject(DATABASE) private readonly database: Database,
  ) {}

  async execute(command: ImpersonateCustomerCommand): Promise<WriteResult<PortalToken>> {
    const ttlSeconds = command.data.ttlSeconds ?? PORTAL_TOKEN_DEFAULT_TTL_SECONDS;
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
    const outcome = await this.executor.run(command.customerId, { type: 'Impersonate', data: { reason: command.data.reason, expiresAt } }, command.options);
    const token = randomBytes(32).toString('base64url');
    await this.database.db
      .insertInto('customer_portal_tokens')
      .values({
        token_hash: hashOpaqueToken(token),
        customer_id: outcome.state.id,
        expires_at: new Date(expiresAt),
        created_by: command.options.metadata.actor?.id ?? null,
      })
      .execute();
    return { resource: { customerId: outcome.state.id, token, tokenType: 'portal', expiresAt }, revision: outcome.revision, position: outcome.position };
  }
}

/**
 * Reverts one earlier change: reads the event at that revision, lets the decider decide the
 * compensating events (RevertChange, see domain/decide/revert.ts), and records in their metadata
 * what they undid: `revertedRevision` and, as `causationId`, the id of the undone event.
 */
@CommandHandler(RevertChangeCommand)
export class RevertChangeHandler implements ICommandHandler<RevertChangeCommand> {
  constructor(@Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor) {}

  async execute({ customerId, revision, options }: RevertChangeCommand): Promise<CustomerWrite> {
    await this.executor.loadFor(customerId, options);
    const { events } = await this.executor.load(customerId);
    const target = events.find((event) => event.revision === revision);
    if (!target) {
      throw new DomainRuleViolation(CUSTOMER_RULES.revertRevisionNotFound, `Customer ${customerId} has no revision ${revision}`, { revision });
    }
    const revertedLater = events.some((event) => event.revision > revision && event.metadata?.revertedRevision === revision);
    const metadata = { ...options.metadata, causationId: target.id, revertedRevision: revision };
    return this.executor.write(customerId, { type: 'RevertChange', data: { revision } }, { metadata, expectedRevision: options.expectedRevision }, () => ({
      reverted: { revision, type: target.type, data: target.data as Record<string, unknown>, revertedLater },
    }));
  }
}


export const CUSTOMER_COMMAND_HANDLERS = [
  RevertChangeHandler,
  CreateCustomerHandler,
  EditCustomerHandler,
  SetAdditionalFieldsHandler,
  ChangeStatusHandler,
  ChangeBillingTypeHandler,
  ConvertToLeadHandler,
  ConvertLeadToCustomerHandler,
  DeleteCustomerHandler,
  RestoreCustomerHandler,
  BulkDeleteCustomersHandler,
  ResetPasswordHandler,
  RevealPasswordHandler,
  RevealPinHandler,
  ImpersonateCustomerHandler,
  AddCommentHandler,
  EditCommentHandler,
  DeleteCommentHandler,
  AddNoteHandler,
  EditNoteHandler,
  DeleteNoteHandler,
  GrantCapBonusHandler,
  RevokeCapBonusHandler,
  AssignHardwareHandler,
  UnassignHardwareHandler,
  AddContactHandler,
  RemoveContactHandler,
  AddAddressHandler,
  RemoveAddressHandler,
  RecordPaymentHandler,
  RecordChargeHandler,
  ErasePersonalDataHandler,
];

