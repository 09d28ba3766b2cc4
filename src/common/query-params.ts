/**
 * The pieces every query DTO uses: a query string arrives as text, so numbers, booleans and
 * comma-separated lists are converted before the validators run, and a value that does not convert is
 * left as it is for the validators to name. And the one opaque keyset cursor of the paged lists.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** `a,b` or repeated `?x=a&x=b` → ['a', 'b'] (trimmed, empty items dropped). */
export const commaList = () =>
  Transform(({ value }) => {
    const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : value;
    if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) return value;
    return items.flatMap((item: string) => item.split(',')).map((item: string) => item.trim()).filter((item: string) => item !== '');
  });

/** `1,2` or repeated `?x=1&x=2` → [1, 2] (trimmed, empty items dropped; an item that is no integer of at most nine digits is left as text for the validators to name). */
export const queryIntList = () =>
  Transform(({ value }) => {
    const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : value;
    if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) return value;
    return items
      .flatMap((item: string) => item.split(','))
      .map((item: string) => item.trim())
      .filter((item: string) => item !== '')
      .map((item: string) => (/^\d{1,9}$/.test(item) ? Number(item) : item));
  });

/** `42` → 42 (at most nine digits, so the validators see a safe integer or the text). */
export const queryInt = () => Transform(({ value }) => (typeof value === 'string' && /^-?\d{1,9}$/.test(value) ? Number(value) : value));

/** `true` / `false` → the boolean. */
export const queryBool = () => Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));

/** Longest cursor a paged list hands out (base64url of a small JSON key). */
export const CURSOR_MAX_LENGTH = 200;

/** `?cursor=`: the nextCursor of the previous page, base64url, refused with one message when it is not one. */
export function OpaqueCursor(description = 'Opaque; the nextCursor of the previous page'): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description }),
    IsOptional(),
    IsString(),
    MaxLength(CURSOR_MAX_LENGTH),
    Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not a cursor this endpoint returned' }),
  );
}
