/**
 * Scoring the sources chaos run (bench/sources-chaos.ts): the example shop's ground truth (its truth
 * file: when it left each key wrong, and when its own later operation put it right) against the
 * records Polaris confirmed for the declared sources. Pure functions, so the rules can be read and
 * tested apart from the run.
 *
 * Rules (times in epoch ms; the shop's clock and PostgreSQL's are the same machine's):
 *  - A key is wrong from a "wrong" event to its next "fixed" event; one still wrong at the end is
 *    wrong until `endMs` (the moment the harness verified it independently), or until its TTL ran out.
 *  - Recall: an interval longer than `thresholdMs` must overlap a record of its key: the record's
 *    window [firstSeen, resolvedAt or forever] meets [start, end]. A key is recalled when all its
 *    intervals longer than the threshold are.
 *  - False confirmation: a record whose confirmedAt falls in no wrong interval of its key, widened by
 *    `toleranceMs` on both sides. Records within the tolerance but outside the exact interval are
 *    counted apart ("edge"), so the tolerance hides nothing.
 */
import { percentile, round } from './stats';

export interface TruthEvent {
  at: string;
  event: 'wrong' | 'fixed';
  key: string;
  mode?: string;
  reason?: string;
  expiresAt?: string;
}

export interface WrongInterval {
  key: string;
  startMs: number;
  endMs: number;
  /** True when the truth file never fixed it (it ends at the run's end, or its TTL). */
  open: boolean;
  reason: string;
  fixedReason?: string;
}

/** A record as the api lists it, times as epoch ms. */
export interface SourceRecord {
  id: string;
  key: string;
  source: string;
  kind: string;
  status: string;
  detectedBy: string;
  count: number;
  firstSeenMs: number;
  confirmedAtMs: number;
  resolvedAtMs: number | null;
}

export interface LatencyStats {
  n: number;
  p50S: number;
  p95S: number;
  maxS: number;
}

export interface ScoreOptions {
  /** Intervals longer than this must be recalled. */
  thresholdMs: number;
  /** How far a confirmation may lie outside a wrong interval and still count as inside it. */
  toleranceMs: number;
}

export interface MissedInterval extends WrongInterval {
  durationS: number;
  /** Every record of the key, for the investigation. */
  records: SourceRecord[];
}

export interface FalseConfirmation {
  record: SourceRecord;
  /** The key's wrong intervals, if it had any. */
  intervals: WrongInterval[];
  /** Distance (s) from confirmedAt to the nearest wrong interval of the key; null when it had none. */
  nearestS: number | null;
}

export interface SourcesChaosScore {
  wrongKeys: number;
  wrongIntervals: number;
  stillWrongAtEnd: number;
  /** Keys with an interval longer than the threshold, and those recalled. */
  longKeys: number;
  recalledKeys: number;
  recall: number;
  longIntervals: number;
  recalledIntervals: number;
  missed: MissedInterval[];
  records: number;
  recordsByKind: Record<string, number>;
  recordsByStatus: Record<string, number>;
  recordsByDetectedBy: Record<string, number>;
  falseConfirmations: FalseConfirmation[];
  /** Confirmations outside the exact interval but within the tolerance; max distance in s. */
  edgeConfirmations: { n: number; maxS: number };
  /** Recorded intervals that were shorter than the threshold (allowed: the threshold only says when a record is owed). */
  shortIntervalsRecorded: number;
  /** Recalled long intervals whose record was opened in an earlier interval of the key (no latency for them). */
  carriedOver: number;
  /** From the interval's start to the record's first detection / confirmation. */
  detection: LatencyStats;
  confirmation: LatencyStats;
}

/** The truth file's lines, in the order the app logged them. */
export function parseTruth(text: string): TruthEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TruthEvent);
}

/** Wrong intervals per key, from the events in logged order; open ones end at `endMs` (or the key's expiry, if earlier). */
export function wrongIntervals(events: readonly TruthEvent[], endMs: number): WrongInterval[] {
  const open = new Map<string, { startMs: number; reason: string; expiresMs?: number }>();
  const intervals: WrongInterval[] = [];
  for (const e of events) {
    const at = Date.parse(e.at);
    if (e.event === 'wrong') {
      if (open.has(e.key)) throw new Error(`truth: ${e.key} logged wrong twice without a fix in between`);
      open.set(e.key, { startMs: at, reason: e.reason ?? '', expiresMs: e.expiresAt ? Date.parse(e.expiresAt) : undefined });
    } else {
      const o = open.get(e.key);
      if (!o) throw new Error(`truth: ${e.key} logged fixed while not wrong`);
      open.delete(e.key);
      intervals.push({
        key: e.key,
        startMs: o.startMs,
        endMs: Math.max(o.startMs, at),
        open: false,
        reason: o.reason,
        fixedReason: e.reason,
      });
    }
  }
  for (const [key, o] of open) {
    const end = o.expiresMs !== undefined ? Math.min(endMs, o.expiresMs) : endMs;
    intervals.push({ key, startMs: o.startMs, endMs: Math.max(o.startMs, end), open: true, reason: o.reason });
  }
  return intervals.sort((a, b) => a.startMs - b.startMs);
}

function latency(seconds: number[]): LatencyStats {
  if (seconds.length === 0) return { n: 0, p50S: NaN, p95S: NaN, maxS: NaN };
  return {
    n: seconds.length,
    p50S: round(percentile(seconds, 50)),
    p95S: round(percentile(seconds, 95)),
    maxS: round(Math.max(...seconds)),
  };
}

function tally(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of [...values].sort()) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(x);
  }
  return m;
}

const overlaps = (r: SourceRecord, i: WrongInterval) => r.firstSeenMs <= i.endMs && (r.resolvedAtMs ?? Infinity) >= i.startMs;

export function scoreSourcesChaos(
  intervals: readonly WrongInterval[],
  records: readonly SourceRecord[],
  o: ScoreOptions,
): SourcesChaosScore {
  const intervalsOf = groupBy(intervals, (i) => i.key);
  const recordsOf = groupBy(
    [...records].sort((a, b) => a.firstSeenMs - b.firstSeenMs),
    (r) => r.key,
  );

  // ---- recall ----
  const long = intervals.filter((i) => i.endMs - i.startMs > o.thresholdMs);
  const missed: MissedInterval[] = [];
  const detect: number[] = [];
  const confirm: number[] = [];
  let carriedOver = 0;
  const missedKeys = new Set<string>();
  for (const i of long) {
    const own = recordsOf.get(i.key) ?? [];
    const hit = own.find((r) => overlaps(r, i));
    if (!hit) {
      missed.push({ ...i, durationS: round((i.endMs - i.startMs) / 1000), records: own });
      missedKeys.add(i.key);
    } else if (hit.firstSeenMs >= i.startMs - o.toleranceMs) {
      detect.push(Math.max(0, hit.firstSeenMs - i.startMs) / 1000);
      confirm.push(Math.max(0, hit.confirmedAtMs - i.startMs) / 1000);
    } else carriedOver++;
  }
  const longKeys = new Set(long.map((i) => i.key));

  // ---- false confirmations ----
  const falseConfirmations: FalseConfirmation[] = [];
  let edge = 0;
  let edgeMaxMs = 0;
  for (const r of records) {
    const own = intervalsOf.get(r.key) ?? [];
    const c = r.confirmedAtMs;
    if (own.some((i) => c >= i.startMs && c <= i.endMs)) continue;
    const distances = own.map((i) => (c < i.startMs ? i.startMs - c : c - i.endMs));
    const nearest = distances.length ? Math.min(...distances) : null;
    if (nearest !== null && nearest <= o.toleranceMs) {
      edge++;
      edgeMaxMs = Math.max(edgeMaxMs, nearest);
    } else falseConfirmations.push({ record: r, intervals: own, nearestS: nearest === null ? null : round(nearest / 1000) });
  }

  const shortIntervalsRecorded = intervals.filter(
    (i) => i.endMs - i.startMs <= o.thresholdMs && (recordsOf.get(i.key) ?? []).some((r) => overlaps(r, i)),
  ).length;

  return {
    wrongKeys: intervalsOf.size,
    wrongIntervals: intervals.length,
    stillWrongAtEnd: intervals.filter((i) => i.open).length,
    longKeys: longKeys.size,
    recalledKeys: longKeys.size - missedKeys.size,
    recall: longKeys.size ? (longKeys.size - missedKeys.size) / longKeys.size : 1,
    longIntervals: long.length,
    recalledIntervals: long.length - missed.length,
    missed,
    records: records.length,
    recordsByKind: tally(records.map((r) => r.kind)),
    recordsByStatus: tally(records.map((r) => r.status)),
    recordsByDetectedBy: tally(records.map((r) => r.detectedBy)),
    falseConfirmations,
    edgeConfirmations: { n: edge, maxS: round(edgeMaxMs / 1000) },
    shortIntervalsRecorded,
    carriedOver,
    detection: latency(detect),
    confirmation: latency(confirm),
  };
}

/** A timeline entry as Polaris keeps it (its trace of a key, or a record's timeline). */
export interface TraceEntry {
  at: string;
  type: 'change' | 'check';
  trigger?: string;
  outcome?: string;
  transition?: string;
}

const NOT_MISMATCHES = ['consistent', 'miss', 'absent'];
const isMismatch = (outcome?: string) => outcome !== undefined && !NOT_MISMATCHES.includes(outcome);

/**
 * Why a long wrong interval got no record, read from Polaris's own trace of the key: never seen
 * wrong, seen but never detected, detected but a confirmation restarted the grace period (it saw
 * another divergence than the one detected: clear + detect, logged as "clear"), or detected and
 * fixed before the confirmation. Best-effort: the trace is bounded and expires.
 */
export function classifyMiss(i: Pick<WrongInterval, 'startMs' | 'endMs'>, trace: readonly TraceEntry[]): string {
  if (trace.length === 0) return 'unknown: no trace left';
  const rel = (ms: number) => `+${((ms - i.startMs) / 1000).toFixed(2)} s`;
  const checks = trace.filter((e) => e.type === 'check' && Date.parse(e.at) >= i.startMs && Date.parse(e.at) <= i.endMs);
  const truncated = Date.parse(trace[0].at) > i.startMs ? ' (trace starts after the interval did)' : '';
  const seen = checks.filter((e) => isMismatch(e.outcome));
  if (seen.length === 0) return `never seen wrong: ${checks.length} checks in the interval, none a mismatch${truncated}`;
  const restarts = seen.filter((e) => e.trigger === 'confirm' && e.transition === 'clear');
  const detects = seen.filter((e) => e.transition === 'detect');
  const fixedAt = rel(i.endMs);
  if (restarts.length) {
    return (
      `grace restarted: detected at ${detects.length ? rel(Date.parse(detects[0].at)) : '(before the trace)'}, ` +
      `the confirmation at ${restarts.map((e) => rel(Date.parse(e.at))).join(', ')} saw another divergence and began a new grace period, ` +
      `fixed at ${fixedAt} before that one ended${truncated}`
    );
  }
  if (detects.length === 0) return `seen wrong ${seen.length}x, never detected${truncated}`;
  return `detected at ${rel(Date.parse(detects[0].at))}, fixed at ${fixedAt} before its confirmation${truncated}`;
}
