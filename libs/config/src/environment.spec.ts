import { loadEnvironment } from './environment';

describe('loadEnvironment', () => {
  it('runs with no variables at all, on local defaults', () => {
    const sut = loadEnvironment({});
    expect(sut).toMatchObject({
      PORT: 3000,
      POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/polaris',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CACHE_TTL_SECONDS: 3600,
      GRACE_PERIOD_MS: 2000,
      POST_WRITE_CHECK_DELAY_MS: 2500,
      SWEEP_INTERVAL_MS: 5000,
      SWEEP_BATCH_SIZE: 1000,
      SWEEP_ENABLED: true,
      FAILURE_MODE: 'none',
    });
  });

  it('converts numbers and booleans from strings', () => {
    const sut = loadEnvironment({ PORT: '8080', SWEEP_ENABLED: 'false', FAILURE_RATE: '0.5' });
    expect(sut.PORT).toBe(8080);
    expect(sut.SWEEP_ENABLED).toBe(false);
    expect(sut.FAILURE_RATE).toBe(0.5);
  });

  it('reports one line per bad variable', () => {
    expect(() => loadEnvironment({ PORT: 'abc', REDIS_URL: 'http://x', SWEEP_ENABLED: 'maybe', FAILURE_MODE: 'chaos' })).toThrow(
      [
        'Invalid configuration:',
        '  PORT="abc": PORT must be an integer number',
        '  REDIS_URL="http://x": REDIS_URL must be a redis:// URL',
        '  SWEEP_ENABLED="maybe": SWEEP_ENABLED must be a boolean value',
        '  FAILURE_MODE="chaos": FAILURE_MODE must be one of the following values: none, delay, skip, blip',
      ].join('\n'),
    );
  });

  it('never echoes a secret in a configuration error', () => {
    let message = '';
    try {
      loadEnvironment({ ADMIN_TOKEN: 'short-secret', POSTGRES_URL: 'mysql://app:pg-pass@db/x', REDIS_URL: 'http://:redis-pass@cache' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('ADMIN_TOKEN=[redacted, 12 characters]: ADMIN_TOKEN must be at least 16 characters');
    expect(message).toContain('POSTGRES_URL="mysql://[redacted]@db/x": POSTGRES_URL must be a postgres:// URL');
    expect(message).toContain('REDIS_URL="http://[redacted]@cache"');
    for (const secret of ['short-secret', 'pg-pass', 'redis-pass']) expect(message).not.toContain(secret);
  });

  it('refuses failure injection under production', () => {
    expect(() => loadEnvironment({ NODE_ENV: 'production', FAILURE_MODE: 'delay' })).toThrow(
      'FAILURE_MODE=delay: failure injection is refused under NODE_ENV=production',
    );
    expect(loadEnvironment({ NODE_ENV: 'production' }).FAILURE_MODE).toBe('none');
  });
});
