/**
 * Limits shared by more than one domain, or by a domain and its HTTP layer, named for what they
 * limit. A DTO decorator and the decider's validator read the same constant, so the two rounds of
 * validation can never disagree about a field.
 */

/** A customer's login: the characters allowed (given or generated) and its longest length. */
export const LOGIN_PATTERN = /^[A-Za-z0-9._@+-]+$/;
export const LOGIN_MAX_LENGTH = 64;

/** An email address (RFC 5321's path limit) and a phone number, wherever they appear. */
export const EMAIL_MAX_LENGTH = 254;
export const PHONE_MAX_LENGTH = 32;

/** A customer's self-service portal password (ASTPP chk_password_expression): at least 8 characters. */
export const PORTAL_PASSWORD_MIN_LENGTH = 8;
/** The longest portal password a request may carry (it is sealed, so only the request limits it). */
export const PORTAL_PASSWORD_MAX_LENGTH = 128;

/** An administrator's password: longer than a portal password, since it opens the whole system. */
export const ADMIN_PASSWORD_MIN_LENGTH = 10;
/** bcrypt only reads the first 72 bytes; longer admin passwords would silently be truncated. */
export const ADMIN_PASSWORD_MAX_BYTES = 72;
