import { isRedisUnavailable } from './redis-errors';

describe('isRedisUnavailable', () => {
  it.each([
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Connection is closed.',
    'Command timed out',
    'connect ECONNREFUSED 127.0.0.1:6379',
    'read ECONNRESET',
    'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    'LOADING Redis is loading the dataset in memory',
    'queue Redis did not answer in time',
  ])('is true for %p', (message) => expect(isRedisUnavailable(new Error(message))).toBe(true));

  it.each(['ERR wrong number of arguments', 'WRONGTYPE Operation against a key holding the wrong kind of value', 'boom'])(
    'is false for %p',
    (message) => expect(isRedisUnavailable(new Error(message))).toBe(false),
  );

  it('is false for things that are not errors', () => {
    expect(isRedisUnavailable(null)).toBe(false);
    expect(isRedisUnavailable('ECONNREFUSED')).toBe(false);
  });
});
