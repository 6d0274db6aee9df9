import { loadEnvironment } from './environment';
import { clusterTarget, describeTarget } from './redis-target';

describe('Redis Cluster seeds', () => {
  it('reads host:port seeds, and credentials and TLS from seeds written as URLs', () => {
    expect(clusterTarget('10.0.0.1:7000, 10.0.0.2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    });
    expect(clusterTarget('rediss://app:s%40cret@cache-1.example:6380,cache-2.example:6380')).toMatchObject({
      nodes: [
        { host: 'cache-1.example', port: 6380 },
        { host: 'cache-2.example', port: 6380 },
      ],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
    expect(clusterTarget('[::1]:7000').kind === 'cluster' && clusterTarget('[::1]:7000')).toMatchObject({
      nodes: [{ host: '::1', port: 7000 }],
    });
  });

  it('refuses seeds that disagree on credentials, and shows a target without them', () => {
    expect(() => clusterTarget('redis://a:x@h1:7000,redis://a:y@h2:7000')).toThrow(/different users or passwords/);
    expect(describeTarget(clusterTarget('rediss://a:x@h1:7000'))).toBe('cluster h1:7000 (TLS)');
  });

  it.each([['cache-1'], ['cache-1:'], ['cache-1:7000,'], ['http://h:1'], ['h:1 h:2']])(
    'refuses %p at boot, naming the variable',
    (seeds) => {
      expect(() => loadEnvironment({ REDIS_CLUSTER_NODES: seeds })).toThrow(/REDIS_CLUSTER_NODES=.*comma-separated host:port seeds/);
    },
  );

  it('never echoes a seed password, and refuses two queue Redis settings', () => {
    let message = '';
    try {
      loadEnvironment({ QUEUE_REDIS_CLUSTER_NODES: 'redis://u:hunter2@h1:7000,bad' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/QUEUE_REDIS_CLUSTER_NODES/);
    expect(message).not.toContain('hunter2');
    expect(() => loadEnvironment({ QUEUE_REDIS_URL: 'redis://q:6379', QUEUE_REDIS_CLUSTER_NODES: 'h1:7000' })).toThrow(/both set/);
  });
});
