import { Inject, Injectable } from '@nestjs/common';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { QueueRedis } from '../queues';
import type { TimelineEntry } from './timeline';

/**
 * Each watched item's recent history in Redis (captured changes and check observations), bounded
 * and expiring, until a confirmation snapshots it into its record's timeline. Best-effort: a lost
 * trace costs a timeline entry, never a check.
 */
@Injectable()
export class TraceStore {
  private readonly ttlMs: number;

  constructor(
    private readonly redis: QueueRedis,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {
    this.ttlMs = cfg.timeline.windowMs + cfg.gracePeriodMs * 5 + 60_000;
  }

  private key = (itemId: string) => this.redis.key('trace', itemId);

  /** Appends entries to the items' traces (one pipeline). */
  async append(entries: readonly { itemId: string; entry: TimelineEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { itemId, entry } of entries) {
      const key = this.key(itemId);
      pipeline
        .lpush(key, JSON.stringify(entry))
        .ltrim(key, 0, this.cfg.timeline.maxEntries - 1)
        .pexpire(key, this.ttlMs);
    }
    await pipeline.exec();
  }

  /** The item's recent entries, oldest first. */
  async of(itemId: string): Promise<TimelineEntry[]> {
    const raw = await this.redis.lrange(this.key(itemId), 0, -1);
    return raw.reverse().map((r) => JSON.parse(r) as TimelineEntry);
  }
}
