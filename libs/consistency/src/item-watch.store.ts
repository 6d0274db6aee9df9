import { Inject, Injectable } from '@nestjs/common';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { QueueRedis } from './queue-redis.provider';
import type { ConfirmJob } from './consistency.queue';
import type { TimelineEntry } from './timeline';

/** What Polaris keeps in Redis about an item it is watching. */
export interface WatchState {
  /** The pending confirmation's job id, while a grace period runs. */
  pendingToken?: string;
  /** When the write that a post-write check found inconsistent was made (ms), until it is consistent again. */
  inconsistentSince?: number;
}

/**
 * Redis bookkeeping about watched items, read for a whole batch in one MGET:
 *  - pending confirmations: one marker per item whose grace period runs. SET NX makes exactly one
 *    detector win, so an item never has two pending confirmations and DETECTED is logged once. The
 *    marker expires on its own, so a confirmation lost with its queue cannot silence an item for long.
 *  - inconsistent-since marks, for the time-to-consistency histogram of the SLI;
 *  - recent observations, for the timeline of a confirmed inconsistency.
 */
@Injectable()
export class ItemWatchStore {
  private readonly pendingTtlMs: number;
  private readonly traceTtlMs: number;

  constructor(
    private readonly redis: QueueRedis,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {
    this.pendingTtlMs = cfg.gracePeriodMs * 5 + 60_000;
    this.traceTtlMs = cfg.timeline.windowMs + cfg.gracePeriodMs * 5 + 60_000;
  }

  private pendingKey = (itemId: string) => this.redis.key('pending', itemId);
  private sinceKey = (itemId: string) => this.redis.key('inconsistent-since', itemId);
  private traceKey = (itemId: string) => this.redis.key('trace', itemId);

  async lookup(itemIds: readonly string[]): Promise<Map<string, WatchState>> {
    if (itemIds.length === 0) return new Map();
    const values = await this.redis.mget(itemIds.flatMap((id) => [this.pendingKey(id), this.sinceKey(id)]));
    return new Map(
      itemIds.map((id, i) => {
        const [token, since] = [values[2 * i], values[2 * i + 1]];
        return [id, { pendingToken: token ?? undefined, inconsistentSince: since === null ? undefined : Number(since) }];
      }),
    );
  }

  /** Starts the grace period under the confirmation's job id; false when one already runs for the item. */
  async startPending(job: ConfirmJob): Promise<boolean> {
    return (await this.redis.set(this.pendingKey(job.itemId), job.token, 'PX', this.pendingTtlMs, 'NX')) === 'OK';
  }

  async isPending(job: Pick<ConfirmJob, 'itemId' | 'token'>): Promise<boolean> {
    return (await this.redis.get(this.pendingKey(job.itemId))) === job.token;
  }

  /** Ends the grace period `token` started. Only one caller gets true, so a detection ends exactly once. */
  async endPending(itemId: string, token: string): Promise<boolean> {
    return (await this.redis.claimIfEquals(this.pendingKey(itemId), token)) === 1;
  }

  /** Remembers the earliest write seen inconsistent, until the item is consistent again. */
  async markInconsistent(itemId: string, writtenAt: number): Promise<void> {
    await this.redis.set(this.sinceKey(itemId), String(writtenAt), 'PX', 3_600_000, 'NX');
  }

  /** Clears the mark; returns it to exactly one caller. */
  async takeInconsistentSince(itemId: string): Promise<number | null> {
    const v = await this.redis.getdel(this.sinceKey(itemId));
    return v === null ? null : Number(v);
  }

  /** Appends observations to the items' bounded, expiring traces (one pipeline). */
  async trace(entries: readonly { itemId: string; entry: TimelineEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { itemId, entry } of entries) {
      const key = this.traceKey(itemId);
      pipeline
        .lpush(key, JSON.stringify(entry))
        .ltrim(key, 0, this.cfg.timeline.maxEntries - 1)
        .pexpire(key, this.traceTtlMs);
    }
    await pipeline.exec();
  }

  /** The item's recent observations, oldest first. */
  async traceOf(itemId: string): Promise<TimelineEntry[]> {
    const raw = await this.redis.lrange(this.traceKey(itemId), 0, -1);
    return raw.reverse().map((r) => JSON.parse(r) as TimelineEntry);
  }
}
