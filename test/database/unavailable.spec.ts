import { databaseUnavailableReason } from '../../src/database/unavailable.js';
import { problemOf } from '../../src/common/http-errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database unavailable: which errors mean "retry later"', () => {
  it.each([
    [withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'connection refused (ECONNREFUSED)'],
    [withCode('ECONNRESET'), 'connection reset (ECONNRESET)'],
    [withCode('ETIMEDOUT'), 'connection timed out (ETIMEDOUT)'],
    [withCode('EPIPE'), 'connection broken (EPIPE)'],
    [withCode('57P01', 'terminating connection due to administrator command'), 'the server is shutting down (SQLSTATE 57P01)'],
    [withCode('57P02'), 'the server crashed (SQLSTATE 57P02)'],
    [withCode('57P03', 'the database system is starting up'), 'the server is starting up (SQLSTATE 57P03)'],
    [withCode('08006'), 'connection failure (SQLSTATE 08006)'],
    [withCode('53300'), 'too many connections (SQLSTATE 53300)'],
    [new Error('Connection terminated unexpectedly'), 'connection terminated'],
    [new Error('timeout exceeded when trying to connect'), 'connection timed out'],
    [new Error('query failed', { cause: withCode('ECONNREFUSED') }), 'connection refused (ECONNREFUSED)'],
    [Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: undefined }), 'connection refused (ECONNREFUSED)'],
  ])('%s → %s', (error, reason) => {
    expect(databaseUnavailableReason(error)).toBe(reason);
  });

  it.each([withCode('23505', 'duplicate key'), withCode('42P01', 'relation does not exist'), new TypeError('x is undefined'), null, 'text'])('not for %s', (error) => {
    expect(databaseUnavailableReason(error)).toBeNull();
  });

  it('the error mapper answers 503 server.unavailable with Retry-After for them, 500 for the rest', () => {
    expect(problemOf(withCode('57P01'))).toMatchObject({ status: 503, rule: 'server.unavailable', retryAfter: 2 });
    expect(problemOf(withCode('23505'))).toMatchObject({ status: 500, rule: 'server.internal_error' });
  });
});
