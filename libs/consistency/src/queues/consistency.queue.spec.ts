import { assertJobHandlers, detectedBy, JOBS } from './consistency.queue';

describe('assertJobHandlers', () => {
  it('accepts exactly one handler per job', () => {
    expect(() => assertJobHandlers([[JOBS.check], [JOBS.confirm]])).not.toThrow();
  });

  it('refuses a job with no handler', () => {
    expect(() => assertJobHandlers([[JOBS.check]])).toThrow('job "confirm" has 0 handlers');
  });

  it('refuses a job with two handlers', () => {
    expect(() => assertJobHandlers([[JOBS.check, JOBS.confirm], [JOBS.check]])).toThrow('job "check" has 2 handlers');
  });

  it('refuses handlers for jobs nobody enqueues', () => {
    expect(() => assertJobHandlers([[JOBS.check, JOBS.confirm, 'ghost']])).toThrow('unknown jobs: ghost');
  });
});

describe('detectedBy', () => {
  it('attributes post-write checks to the write', () => {
    expect(detectedBy('post-write')).toBe('write');
    expect(detectedBy('sweep')).toBe('sweep');
  });
});
