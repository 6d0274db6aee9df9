import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { QUEUE_REDIS, QueueRedis } from '../queues';

/** A held sweeper lock: renewed in the background until released. */
export interface SweepLease {
  /** False once the lease could not be renewed: another worker may hold the lock now. */
  readonly held: () => boolean;
  release(): Promise<void>;
}

/**
 * One sweeper active at a time across every worker: a Redis lock with a TTL, renewed while the
 * tick runs. A holder that stalls past the TTL loses it; the fence in sweeper_state (see
 * SweeperStateRepository) then stops it from writing the shared cursor.
 */
@Injectable()
export class SweepLock {
  private readonly ttlMs: number;

  constructor(
    @Inject(QUEUE_REDIS) private readonly redis: QueueRedis,
    @Inject(consistencyConfig.KEY) cfg: ConsistencyConfig,
  ) {
    this.ttlMs = Math.max(10_000, cfg.sweep.intervalMs * 3);
  }

  private get key(): string {
    return this.redis.key('sweeper', 'lock');
  }

  /** The lease, or null when another worker is sweeping. */
  async acquire(): Promise<SweepLease | null> {
    const owner = randomUUID();
    if ((await this.redis.set(this.key, owner, 'PX', this.ttlMs, 'NX')) !== 'OK') return null;
    let held = true;
    const renew = setInterval(
      () => {
        this.redis
          .renewIfEquals(this.key, owner, this.ttlMs)
          .then((ok) => (held = held && ok === 1))
          .catch(() => undefined); // a transient failure is retried; expiry decides
      },
      Math.floor(this.ttlMs / 3),
    );
    renew.unref();
    return {
      held: () => held,
      release: async () => {
        clearInterval(renew);
        held = false;
        await this.redis.claimIfEquals(this.key, owner).catch(() => undefined);
      },
    };
  }
}
