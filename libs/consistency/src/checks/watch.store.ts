import { Inject, Injectable } from '@nestjs/common';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { ConfirmJob, QUEUE_REDIS, QueueRedis, subjectOf } from '../queues';

/** What Polaris keeps in Redis about a subject it is watching. */
export interface WatchState {
  /** The pending confirmation's job id, while a grace period runs. */
  pendingToken?: string;
  /** When the write that a post-write check found inconsistent was made (ms), until it is consistent again. */
  inconsistentSince?: number;
}

/**
 * Redis bookkeeping about watched subjects (items, and declared sources' keys), read for a whole batch in one MGET:
 *  - pending confirmations: one marker per subject whose grace period runs. SET NX makes exactly one
 *    detector win, so a subject never has two pending confirmations and DETECTED is logged once. The
 *    marker expires on its own, so a confirmation lost with its queue cannot silence a subject for long.
 *  - inconsistent-since marks, for the time-to-consistency histogram of the SLI.
 */
@Injectable()
export class WatchStore {
  private readonly pendingTtlMs: number;

  constructor(
    @Inject(QUEUE_REDIS) private readonly redis: QueueRedis,
    @Inject(consistencyConfig.KEY) cfg: ConsistencyConfig,
  ) {
    this.pendingTtlMs = cfg.gracePeriodMs * 5 + 60_000;
  }

  private pendingKey = (subject: string) => this.redis.key('pending', subject);
  private sinceKey = (subject: string) => this.redis.key('inconsistent-since', subject);

  async lookup(subjects: readonly string[]): Promise<Map<string, WatchState>> {
    if (subjects.length === 0) return new Map();
    const values = await this.redis.mget(subjects.flatMap((id) => [this.pendingKey(id), this.sinceKey(id)]));
    return new Map(
      subjects.map((id, i) => {
        const [token, since] = [values[2 * i], values[2 * i + 1]];
        return [id, { pendingToken: token ?? undefined, inconsistentSince: since === null ? undefined : Number(since) }];
      }),
    );
  }

  /** Starts the grace period under the confirmation's job id; false when one already runs for the subject. */
  async startPending(job: ConfirmJob): Promise<boolean> {
    return (await this.redis.set(this.pendingKey(subjectOf(job)), job.token, 'PX', this.pendingTtlMs, 'NX')) === 'OK';
  }

  async isPending(job: ConfirmJob): Promise<boolean> {
    return (await this.redis.get(this.pendingKey(subjectOf(job)))) === job.token;
  }

  /** Ends the grace period `token` started. Only one caller gets true, so a detection ends exactly once. */
  async endPending(subject: string, token: string): Promise<boolean> {
    return (await this.redis.claimIfEquals(this.pendingKey(subject), token)) === 1;
  }

  /** Remembers the earliest write seen inconsistent, until the subject is consistent again. */
  async markInconsistent(subject: string, writtenAt: number): Promise<void> {
    await this.redis.set(this.sinceKey(subject), String(writtenAt), 'PX', 3_600_000, 'NX');
  }

  /** Clears the mark; returns it to exactly one caller. */
  async takeInconsistentSince(subject: string): Promise<number | null> {
    const v = await this.redis.getdel(this.sinceKey(subject));
    return v === null ? null : Number(v);
  }
}
