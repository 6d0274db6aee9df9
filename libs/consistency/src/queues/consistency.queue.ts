import type { JobsOptions, WorkerOptions } from 'bullmq';
import type { RedisConfig } from '@app/config';
import { withTimeout } from '@app/cache';
import { createHash } from 'node:crypto';
import type { MismatchKind, Version } from '../outcome';

/** Every queue and job name Polaris uses. Each job name has exactly one handler (see checks/). */
export const QUEUES = {
  checks: 'checks',
  confirmations: 'confirmations',
} as const;

export const JOBS = {
  check: 'check',
  confirm: 'confirm',
} as const;

/**
 * What caused a check: an api write or an out-of-band change seen in the change log (each checked
 * at once and again after POST_WRITE_CHECK_DELAY_MS), the sweeper, or an operator.
 */
export type CheckTrigger = 'write' | 'post-write' | 'change' | 'post-change' | 'sweep' | 'manual';
export type DetectedBy = 'write' | 'change' | 'sweep' | 'manual';

export function detectedBy(trigger: CheckTrigger): DetectedBy {
  if (trigger === 'post-write') return 'write';
  if (trigger === 'post-change') return 'change';
  return trigger;
}

/** Post-write checks are the consistency SLI's samples: was the cache right N seconds after this write? */
export function isPostWrite(trigger: CheckTrigger): boolean {
  return trigger === 'post-write' || trigger === 'post-change';
}

/** One item of the built-in source to check, and why. */
export interface ItemCheck {
  itemId: string;
  trigger: CheckTrigger;
  /** For post-write checks: when the change committed (ms since epoch). */
  writtenAt?: number;
  /** For post-write checks: the version the write produced (none for a delete). */
  version?: number;
}

/** One cache key of a declared source to check, and why. */
export interface KeyCheck {
  source: string;
  key: string;
  trigger: CheckTrigger;
  writtenAt?: number;
  /** For post-change checks: the version column's text after the change, when the source has one. */
  version?: string;
}

export type CheckItem = ItemCheck | KeyCheck;

export function isKeyCheck(item: CheckItem): item is KeyCheck {
  return 'source' in item;
}

/** A check to queue, now or after a delay. */
export type CheckRequest = CheckItem & {
  delayMs?: number;
};

/**
 * A check job carries one or more items: the relay queues a whole batch of changes as one job (and
 * its post-write checks as another), so BullMQ's per-job cost is paid once per batch, not per write.
 */
export interface CheckJob {
  items: CheckItem[];
}

/** Items per check job at most. */
export const MAX_ITEMS_PER_CHECK_JOB = 500;

/** A confirmation, of an item (itemId) or of a declared source's key (source and key). */
export interface ConfirmJob {
  itemId?: string;
  source?: string;
  key?: string;
  /** The job id, which also marks the subject's pending confirmation. */
  token: string;
  detectedAt: string;
  detectedBy: DetectedBy;
  kind: MismatchKind;
  /** What the detection saw: the confirmation confirms only that same divergence. */
  cacheVersion: Version | null;
  dbVersion: Version | null;
  cacheDigest?: string;
  dbDigest?: string;
  /** A look again, shortly after a confirmation saw the mismatch move (declared sources; see decideOnConfirm). */
  recheck?: boolean;
}

/** What Polaris watches, in its bookkeeping keys: an item id, or a declared source's key. */
export function subjectOf(x: { itemId?: string; source?: string; key?: string }): string {
  return x.source !== undefined ? `${x.source}/${x.key}` : x.itemId!;
}

/**
 * BullMQ job ids may not contain ':'. One detection per subject at a time, so subject + time is
 * unique; a source's key (any text) is named by its digest.
 */
export function confirmJobId(subject: string, detectedAtMs: number): string {
  const safe = /^[0-9a-f-]+$/i.test(subject) ? subject : createHash('sha1').update(subject).digest('hex');
  return `confirm-${safe}-${detectedAtMs}`;
}

export const CHECK_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};

export const CONFIRM_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};

/**
 * How the check and confirm workers run. A killed worker's active jobs run again within
 * lockDuration + stalledInterval; a job whose lock ran out during a long Redis outage runs again
 * rather than failing (checks are idempotent); a failed fetch is retried after 1 s (BullMQ waits 15 s).
 */
export const WORKER_OPTIONS: Partial<WorkerOptions> = {
  lockDuration: 15_000,
  stalledInterval: 5_000,
  maxStalledCount: 10,
  runRetryDelay: 1_000,
};

/**
 * Refuses a worker whose processors leave a job name unhandled or handle one twice,
 * so no job can be dropped silently.
 */
export function assertJobHandlers(handled: readonly (readonly string[])[]): void {
  const all = handled.flat();
  const problems = Object.values(JOBS).flatMap((name) => {
    const n = all.filter((h) => h === name).length;
    return n === 1 ? [] : [`job "${name}" has ${n} handlers`];
  });
  const unknown = all.filter((h) => !(Object.values(JOBS) as string[]).includes(h));
  if (unknown.length) problems.push(`handlers for unknown jobs: ${unknown.join(', ')}`);
  if (problems.length) throw new Error(`Job handler registry is inconsistent: ${problems.join('; ')}`);
}

/**
 * A call on a queue never hangs its caller while the queue's Redis is away (the worker's connection
 * waits Redis out): it fails after five command timeouts, as an outage its caller can wait out.
 */
export function withinQueueTimeout<T>(work: Promise<T>, cfg: Pick<RedisConfig, 'commandTimeoutMs'>): Promise<T> {
  return withTimeout(work, cfg.commandTimeoutMs * 5, 'queue Redis did not answer in time');
}
