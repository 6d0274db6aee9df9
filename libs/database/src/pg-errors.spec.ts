import { isDatabaseUnavailable } from './pg-errors';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006', message: 'connection failure' }],
    [{ driverError: { code: '08003' }, message: 'x' }],
    [new Error('timeout exceeded when trying to connect')],
    [new Error('Connection terminated unexpectedly')],
  ])('recognises %p', (err) => expect(isDatabaseUnavailable(err)).toBe(true));

  it.each([[{ code: '23505', message: 'duplicate key' }], [new Error('syntax error')], [null], ['ECONNREFUSED']])(
    'does not mistake %p',
    (err) => expect(isDatabaseUnavailable(err)).toBe(false),
  );
});
