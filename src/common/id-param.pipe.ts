import { Injectable, type PipeTransform } from '@nestjs/common';
import { ProblemException } from './problem.js';

const MAX_ID = 2_147_483_647;

/**
 * A path id: a positive integer. Not a number → 400 (malformed request); a number no entity can
 * have (0, beyond the integer ids' range) → 404 with `rule`, as an id that does not exist.
 * (The global ValidationPipe may already have turned the text into a number, NaN for "abc".)
 */
@Injectable()
export class IdParamPipe implements PipeTransform<unknown, number> {
  constructor(private readonly notFound: (id: string) => ProblemException) {}

  transform(value: unknown): number {
    const text = String(value);
    if (!/^\d{1,20}$/.test(text)) throw ProblemException.rule('request.malformed_id', 'The id must be a positive integer');
    const id = Number(text);
    if (id < 1 || id > MAX_ID) throw this.notFound(text);
    return id;
  }
}

export const customerIdPipe = new IdParamPipe((id) => ProblemException.rule('customer.not_found', `Customer ${id} does not exist`));
export const partnerIdPipe = new IdParamPipe((id) => ProblemException.rule('partner.not_found', `Partner ${id} does not exist`));
export const locationIdPipe = new IdParamPipe((id) => ProblemException.rule('location.not_found', `Location ${id} does not exist`));
