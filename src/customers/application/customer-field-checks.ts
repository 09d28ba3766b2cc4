import { Inject, Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { ReferenceDataReader } from '../../reference-data/application/reference-data.reader.js';
import {
  checkPasswordPolicy,
  checkPin,
  generateAccountNumber,
  generateLogin,
  type CreateCustomerInput,
  type CustomerPatch,
  type FieldError,
} from '../domain/index.js';
import { CustomerCommandExecutor } from './customer-command-executor.js';
import type { WriteOptions } from '../../event-sourcing/write-options.js';

/** Stands in for what the write seals (the password, the PIN): the check never appends. */
const PLACEHOLDER_CIPHERTEXT = 'field-check';

/**
 * Every field error of a create or edit body at once: the password policy, the PIN rule of the
 * customer settings and the decider's own validation. The write handlers answer them together, and
 * the HTTP layer adds them to the format errors of the DTO round (on the fields that parsed).
 */
@Injectable()
export class CustomerFieldChecks {
  constructor(
    @Inject(CustomerCommandExecutor) private readonly executor: CustomerCommandExecutor,
    @Inject(ReferenceDataReader) private readonly reader: ReferenceDataReader,
  ) {}

  async create(body: unknown, options: WriteOptions): Promise<FieldError[]> {
    const { login, password, voip: givenVoip, ...profile } = asRecord(body);
    const { accountNumber, pin, ...voip } = asRecord(givenVoip);
    const settings = (await this.reader.settings()).state.settings;
    const credentials = [
      ...(password === undefined ? [] : checkPasswordPolicy(password as string, { login: typeof login === 'string' ? login : undefined })),
      ...(pin === undefined || pin === null ? [] : checkPin(pin, settings)),
    ];
    const now = new Date().toISOString();
    const input = (givenVoip === undefined ? profile : { ...profile, voip: isRecord(givenVoip) ? voip : givenVoip }) as unknown as CreateCustomerInput;
    const creation = {
      customerId: 1,
      login: login ?? generateLogin(settings, { id: 1, now, random: randomInt }),
      passwordCiphertext: PLACEHOLDER_CIPHERTEXT,
      accountNumber: accountNumber ?? generateAccountNumber(settings, randomInt),
      pinCiphertext: PLACEHOLDER_CIPHERTEXT,
    };
    const decided = await this.executor.fieldErrors(1, { type: 'CreateCustomer', data: input }, options, () => ({ creation: creation as never }));
    return mergeFieldErrors(credentials, decided);
  }

  async edit(customerId: number, patch: unknown, options: WriteOptions): Promise<FieldError[]> {
    const { voip, ...rest } = asRecord(patch);
    const pinErrors: FieldError[] = [];
    let data: Record<string, unknown> = { ...rest, ...(voip === undefined ? {} : { voip }) };
    if (isRecord(voip) && voip.pin !== undefined) {
      const { pin, ...otherVoip } = voip;
      pinErrors.push(...checkPin(pin, (await this.reader.settings()).state.settings));
      data = { ...rest, voip: { ...otherVoip, pinChanged: true } };
    }
    const decided = await this.executor.fieldErrors(customerId, { type: 'EditCustomer', data: data as CustomerPatch }, options, () => ({ pinCiphertext: PLACEHOLDER_CIPHERTEXT }));
    return mergeFieldErrors(pinErrors, decided);
  }
}

/** One entry per field and rule, the earlier list first. */
export function mergeFieldErrors(...lists: FieldError[][]): FieldError[] {
  const seen = new Set<string>();
  return lists.flat().filter((error) => {
    const key = `${error.field}\u0000${error.rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
