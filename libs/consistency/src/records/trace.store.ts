import { Inject, Injectable } from '@nestjs/common';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { QUEUE_REDIS, QueueRedis } from '../queues';
import type { TimelineEntry } from './timeline';

/**
 * Each watched subject's recent history (an item, or a declared source's key) in Redis (captured changes and check observations), bounded
 * and expiring, until a confirmation snapshots it into its record's timeline. Best-effort: a lost
 * trace costs a timeline entry, never a check.
 */
@Injectable()
export class TraceStore {
  private readonly ttlMs: number;

  constructor(
    @Inject(QUEUE_REDIS) private readonly redis: QueueRedis,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {
    this.ttlMs = cfg.timeline.windowMs + cfg.gracePeriodMs * 5 + 60_000;
  }

  private key = (subject: string) => this.redis.key('trace', subject);

  /** Appends entries to the subjects' traces (one pipeline). */
  async append(entries: readonly { subject: string; entry: TimelineEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { subject, entry } of entries) {
      const key = this.key(subject);
      pipeline
        .lpush(key, JSON.stringify(entry))
        .ltrim(key, 0, this.cfg.timeline.maxEntries - 1)
        .pexpire(key, this.ttlMs);
    }
    await pipeline.exec();
  }

  /** The subject's recent entries, oldest first. */
  async of(subject: string): Promise<TimelineEntry[]> {
    const raw = await this.redis.lrange(this.key(subject), 0, -1);
    return raw.reverse().map((r) => JSON.parse(r) as TimelineEntry);
  }
}
