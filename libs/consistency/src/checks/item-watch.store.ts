import { Inject, Injectable } from '@nestjs/common';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { ConfirmJob, QueueRedis } from '../queues';

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
 *  - inconsistent-since marks, for the time-to-consistency histogram of the SLI.
 */
@Injectable()
export class ItemWatchStore {
  private readonly pendingTtlMs: number;

  constructor(
    private readonly redis: QueueRedis,
    @Inject(consistencyConfig.KEY) cfg: ConsistencyConfig,
  ) {
    this.pendingTtlMs = cfg.gracePeriodMs * 5 + 60_000;
  }

  private pendingKey = (itemId: string) => this.redis.key('pending', itemId);
  private sinceKey = (itemId: string) => this.redis.key('inconsistent-since', itemId);

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
}
