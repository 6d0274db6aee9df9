import { Inject, Injectable } from '@nestjs/common';
import { MetricsSnapshot } from '@app/metrics';
import { QUEUE_REDIS, QueueRedis } from '../queues';

const FRESH_MS = 30_000;

/** A worker's metrics as it last published them. */
export interface PublishedSnapshot {
  id: string;
  /** ms since the epoch */
  publishedAt: number;
  snapshot: MetricsSnapshot;
}

/** Workers leave their metric snapshots here so the api's /metrics can sum them. */
@Injectable()
export class MetricsSnapshotStore {
  constructor(@Inject(QUEUE_REDIS) private readonly redis: QueueRedis) {}

  async publish(processId: string, snapshot: MetricsSnapshot): Promise<void> {
    const now = Date.now();
    await this.redis
      .multi()
      .set(this.redis.key('metrics', processId), JSON.stringify(snapshot), 'PX', FRESH_MS)
      .zadd(this.redis.key('metrics'), now, processId)
      .zremrangebyscore(this.redis.key('metrics'), '-inf', now - FRESH_MS)
      .exec();
  }

  async withdraw(processId: string): Promise<void> {
    await this.redis.multi().del(this.redis.key('metrics', processId)).zrem(this.redis.key('metrics'), processId).exec();
  }

  /** Snapshots published within the last 30 s, each with its worker's id and when it was published. */
  async recent(): Promise<PublishedSnapshot[]> {
    const scored = await this.redis.zrangebyscore(this.redis.key('metrics'), Date.now() - FRESH_MS, '+inf', 'WITHSCORES');
    const ids = scored.filter((_, i) => i % 2 === 0);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.redis.key('metrics', id)));
    return ids.flatMap((id, i) =>
      raws[i] === null ? [] : [{ id, publishedAt: Number(scored[2 * i + 1]), snapshot: JSON.parse(raws[i]!) as MetricsSnapshot }],
    );
  }
}
