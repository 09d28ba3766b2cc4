import { describe, expect, it } from '@jest/globals';
import { CUSTOMER_RULES, DomainRuleViolation } from '../../src/customers/domain/index.js';

describe('customer rule codes', () => {
  it('every "does not exist" rule ends in .not_found, so the HTTP layer answers 404', () => {
    const notFound = Object.entries(CUSTOMER_RULES).filter(([key, code]) => /(^n|N)otFound$/.test(key) || /not_?found/.test(code));
    expect(notFound.map(([key]) => key)).toEqual(
      expect.arrayContaining(['notFound', 'commentNotFound', 'noteNotFound', 'capGrantNotFound', 'hardwareNotFound', 'contactNotFound', 'addressNotFound']),
    );
    for (const [key, code] of notFound) {
      expect({ key, code, isNotFound: new DomainRuleViolation(code, 'x').isNotFound }).toEqual({ key, code, isNotFound: true });
    }
  });

  it('names the unknown CAP grant customer.cap.grant.not_found', () => {
    expect(CUSTOMER_RULES.capGrantNotFound).toBe('customer.cap.grant.not_found');
  });

  it('no other rule is a not-found (they answer 409)', () => {
    const others = Object.entries(CUSTOMER_RULES).filter(([key]) => !/(^n|N)otFound$/.test(key));
    for (const [, code] of others) expect(new DomainRuleViolation(code, 'x').isNotFound).toBe(false);
  });
});
