/**
 * Generated logins must pass the customer's own login rule (LOGIN_PATTERN: letters, digits and
 * . _ @ + -). Settings whose login charset or pattern text could produce anything else are
 * refused up front; otherwise every create without a login would fail later with a 422 on `login`
 * the admin creating the customer cannot fix.
 */
import { describe, expect, it } from '@jest/globals';
import { decideCustomer, generateLogin, LOGIN_PATTERN, ValidationFailed } from '../../src/customers/domain/index.js';
import { customerSettingsDecider, DEFAULT_CUSTOMER_SETTINGS } from '../../src/reference-data/domain/index.js';
import { specFor } from './given-when-then.js';
import { baseContext, minimalInput } from './fixtures.js';

const NOW = '2025-03-01T10:00:00.000Z';
const settings = specFor(customerSettingsDecider, () => ({ now: NOW }));

describe('customer settings: logins the customer decider accepts', () => {
  it('without the check, a charset with other characters yields logins the customer decider refuses', () => {
    const login = generateLogin({ loginPattern: '{rand_string}', loginLength: 8, loginCharset: 'ab#' }, { id: 1, now: NOW, random: () => 2 });
    expect(login).toBe('########');
    expect(LOGIN_PATTERN.test(login)).toBe(false);
    expect(() =>
      decideCustomer({ type: 'CreateCustomer', data: minimalInput }, { exists: false, revision: -1 }, { ...baseContext(), creation: { ...baseContext().creation!, login } }),
    ).toThrow(ValidationFailed);
  });

  it('refuses a login charset with characters a login may not hold', () => {
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { loginPattern: '{rand_string}', loginCharset: 'abc#%' } }).thenInvalid({ field: 'loginCharset', rule: 'format' });
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { loginCharset: 'abcäöü' } }).thenInvalid({ field: 'loginCharset', rule: 'format' });
  });

  it('refuses login pattern text with characters a login may not hold', () => {
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { loginPattern: 'cust#{id}' } }).thenInvalid({ field: 'loginPattern', rule: 'format' });
  });

  it('accepts what a login may hold', () => {
    settings
      .given([])
      .when({ type: 'ChangeCustomerSettings', data: { loginPattern: 'c.{id}-{rand_string:3}@isp', loginCharset: 'abc_+.-XYZ09' } })
      .then((events) => expect(events).toHaveLength(1));
    expect(LOGIN_PATTERN.test(DEFAULT_CUSTOMER_SETTINGS.loginCharset)).toBe(true);
  });
});
