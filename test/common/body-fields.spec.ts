import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { fieldErrorsOf } from '../../src/common/problem.js';
import { OptionalInteger, OptionalNested, OptionalText, OptionalTextList, RequiredText } from '../../src/common/body-fields.js';

class Inner {
  @OptionalInteger({ minimum: 1, maximum: 9 })
  level?: number;
}

class Body {
  @RequiredText(5)
  name: string;

  @OptionalText(3)
  note?: string | null;

  @OptionalText(8, { nullable: false, minLength: 2, matches: { pattern: /^[a-z]+$/, message: 'code must be lower-case letters' } })
  code?: string;

  @OptionalTextList(2, 3)
  tags?: string[];

  @OptionalNested(() => Inner)
  inner?: Inner;
}

function errorsOf(body: object) {
  return fieldErrorsOf(validateSync(plainToInstance(Body, body))).map(({ field, rule }) => `${field}:${rule}`);
}

describe('composed body field decorators', () => {
  it('accept a valid body, and leave optional fields out or null', () => {
    expect(errorsOf({ name: 'Ann' })).toEqual([]);
    expect(errorsOf({ name: 'Ann', note: null, code: 'ab', tags: ['x', 'y'], inner: { level: 9 } })).toEqual([]);
  });

  it('name the field and every rule it breaks, in the order a hand-written stack reports them', () => {
    expect(errorsOf({})).toEqual(['name:maxLength', 'name:minLength', 'name:isString']);
    expect(errorsOf({ name: '' })).toEqual(['name:minLength']);
    expect(errorsOf({ name: 'Ann', note: 'long' })).toEqual(['note:maxLength']);
    expect(errorsOf({ name: 'Ann', code: 'A' })).toEqual(['code:matches', 'code:minLength']);
    expect(errorsOf({ name: 'Ann', tags: ['a', 'b', 'toolong'] })).toEqual(['tags:maxLength', 'tags:arrayMaxSize']);
    expect(errorsOf({ name: 'Ann', inner: { level: 0 } })).toEqual(['inner.level:min']);
  });
});
