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

function messagesOf(body: object) {
  return fieldErrorsOf(validateSync(plainToInstance(Body, body), { whitelist: true, forbidNonWhitelisted: true }));
}

function errorsOf(body: object) {
  return messagesOf(body).map(({ field, rule }) => `${field}:${rule}`);
}

describe('composed body field decorators', () => {
  it('accept a valid body, and leave optional fields out or null', () => {
    expect(errorsOf({ name: 'Ann' })).toEqual([]);
    expect(errorsOf({ name: 'Ann', note: null, code: 'ab', tags: ['x', 'y'], inner: { level: 9 } })).toEqual([]);
  });

  it('name the field and every rule it breaks once, in the order the decorators read', () => {
    expect(errorsOf({ name: '' })).toEqual(['name:minLength']);
    expect(errorsOf({ name: 'Ann', note: 'long' })).toEqual(['note:maxLength']);
    expect(errorsOf({ name: 'Ann', code: 'A' })).toEqual(['code:minLength', 'code:format']);
    expect(errorsOf({ name: 'Ann', tags: ['a', 'b', 'toolong'] })).toEqual(['tags:maxItems', 'tags:maxLength']);
    expect(errorsOf({ name: 'Ann', inner: { level: 0 } })).toEqual(['inner.level:range']);
  });

  it('say only "required" for an absent field, and only the type for a value of the wrong type', () => {
    expect(messagesOf({})).toEqual([{ field: 'name', rule: 'required', message: 'name is required' }]);
    expect(messagesOf({ name: null })).toEqual([{ field: 'name', rule: 'required', message: 'name is required (null is not allowed)' }]);
    expect(messagesOf({ name: 42 })).toEqual([{ field: 'name', rule: 'type', message: 'name must be a string' }]);
    expect(messagesOf({ name: 'Ann', inner: { level: '1' } })).toEqual([{ field: 'inner.level', rule: 'integer', message: 'inner.level must be an integer' }]);
    expect(messagesOf({ name: 'Ann', inner: 'deep' })).toEqual([{ field: 'inner', rule: 'type', message: 'inner must be an object' }]);
  });

  it('name the full path of a nested field in the message, and unknown fields as such', () => {
    expect(messagesOf({ name: 'Ann', inner: { level: 10 } })).toEqual([{ field: 'inner.level', rule: 'range', message: 'inner.level must not be greater than 9' }]);
    expect(messagesOf({ name: 'Ann', inner: { depth: 1 } })).toEqual([{ field: 'inner.depth', rule: 'unknownField', message: 'inner.depth is not a known field' }]);
  });
});
