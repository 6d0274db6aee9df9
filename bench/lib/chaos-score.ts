/**
 * Scoring the chaos run: the recorded ground truth of injected faults against Polaris's records.
 * Pure functions, so the rules are readable and testable apart from the run.
 */
import { percentile, round } from './stats';

/** What the harness did to an item, and when the divergence began (epoch ms). */
export type FaultKind = 'skip' | 'delay' | 'external' | 'corrupt' | 'orphan' | 'blip';
export interface Fault {
  itemId: string;
  kind: FaultKind;
  onsetMs: number;
}

/** The faults that leave the cache diverged for good (until someone fixes it); blips repair themselves. */
export const PERSISTENT: readonly FaultKind[] = ['skip', 'delay', 'external', 'corrupt', 'orphan'];
/** The kind of record each persistent fault must produce. */
export const EXPECTED_KIND: Partial<Record<FaultKind, string>> = {
  skip: 'stale',
  delay: 'stale',
  external: 'stale',
  corrupt: 'corrupt',
  orphan: 'orphan',
};
/** Faults nothing wrote: only the sweeper can find them. */
export const UNANNOUNCED: readonly FaultKind[] = ['corrupt', 'orphan'];

export interface RecordRow {
  itemId: string;
  kind: string;
  detectedBy: string;
  firstDetectedAtMs: number;
  confirmedAtMs: number;
}

export interface LatencyStats {
  n: number;
  p50S: number;
  p99S: number;
  maxS: number;
}

export interface ChaosScore {
  injected: Record<FaultKind, number>;
  persistentInjected: number;
  persistentConfirmed: number;
  recall: number;
  missed: Fault[];
  falseConfirmations: RecordRow[];
  blipsConfirmed: number;
  /** Caught faults whose record has another kind than the fault must produce. */
  wrongKind: { fault: Fault; kind: string }[];
  /** Records per item beyond the first (the partial unique index should make this 0 while one is open). */
  duplicateRecords: number;
  /** From fault onset, by the record's detected_by. */
  detection: Record<string, LatencyStats>;
  confirmation: Record<string, LatencyStats>;
  /** Confirmation latency from onset, by where the fault came from: written (api or SQL) or unannounced. */
  confirmationByOrigin: { written: LatencyStats; unannounced: LatencyStats };
}

function stats(seconds: number[]): LatencyStats {
  if (seconds.length === 0) return { n: 0, p50S: NaN, p99S: NaN, maxS: NaN };
  return {
    n: seconds.length,
    p50S: round(percentile(seconds, 50)),
    p99S: round(percentile(seconds, 99)),
    maxS: round(Math.max(...seconds)),
  };
}

function groupStats<T>(items: T[], key: (t: T) => string, value: (t: T) => number): Record<string, LatencyStats> {
  const groups = new Map<string, number[]>();
  for (const t of items) groups.set(key(t), [...(groups.get(key(t)) ?? []), value(t)]);
  return Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, stats(v)]));
}

/**
 * A persistent fault counts as caught when its item has a record confirmed after the fault began.
 * Every confirmed record must have a persistent fault behind it; a record on a blipped item is a
 * blip confirmed, on any other item a false confirmation.
 */
export function scoreChaos(faults: Fault[], records: RecordRow[]): ChaosScore {
  const faultOf = new Map(faults.map((f) => [f.itemId, f]));
  const firstRecord = new Map<string, RecordRow>();
  for (const r of [...records].sort((a, b) => a.confirmedAtMs - b.confirmedAtMs))
    if (!firstRecord.has(r.itemId)) firstRecord.set(r.itemId, r);

  const persistent = faults.filter((f) => PERSISTENT.includes(f.kind));
  const caught: { fault: Fault; record: RecordRow }[] = [];
  const missed: Fault[] = [];
  for (const fault of persistent) {
    const record = firstRecord.get(fault.itemId);
    // Clocks: onsets are the harness's Date.now(), records PostgreSQL's now(), on the same machine.
    if (record && record.confirmedAtMs >= fault.onsetMs - 50) caught.push({ fault, record });
    else missed.push(fault);
  }
  const blips = [...firstRecord.values()].filter((r) => faultOf.get(r.itemId)?.kind === 'blip');
  const falseConfirmations = [...firstRecord.values()].filter((r) => !faultOf.has(r.itemId));
  const injected = Object.fromEntries(
    (['skip', 'delay', 'external', 'corrupt', 'orphan', 'blip'] as FaultKind[]).map((k) => [k, faults.filter((f) => f.kind === k).length]),
  ) as Record<FaultKind, number>;
  const seconds = (ms: number) => Math.max(0, ms) / 1000;
  return {
    injected,
    persistentInjected: persistent.length,
    persistentConfirmed: caught.length,
    recall: persistent.length ? caught.length / persistent.length : 1,
    missed,
    falseConfirmations,
    blipsConfirmed: blips.length,
    wrongKind: caught.filter((c) => c.record.kind !== EXPECTED_KIND[c.fault.kind]).map((c) => ({ fault: c.fault, kind: c.record.kind })),
    duplicateRecords: records.length - firstRecord.size,
    detection: groupStats(
      caught,
      (c) => c.record.detectedBy,
      (c) => seconds(c.record.firstDetectedAtMs - c.fault.onsetMs),
    ),
    confirmation: groupStats(
      caught,
      (c) => c.record.detectedBy,
      (c) => seconds(c.record.confirmedAtMs - c.fault.onsetMs),
    ),
    confirmationByOrigin: {
      written: stats(
        caught.filter((c) => !UNANNOUNCED.includes(c.fault.kind)).map((c) => seconds(c.record.confirmedAtMs - c.fault.onsetMs)),
      ),
      unannounced: stats(
        caught.filter((c) => UNANNOUNCED.includes(c.fault.kind)).map((c) => seconds(c.record.confirmedAtMs - c.fault.onsetMs)),
      ),
    },
  };
}
