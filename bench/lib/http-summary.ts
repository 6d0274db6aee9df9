import { ChartPoint, roundsChart } from './chart';
import { LoadResult } from './load';
import { fmt, markdownTable } from './report';
import { RoundOf, Side } from './rounds';
import { median, round } from './stats';

export interface SideSummary {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  worstP99Ms: number;
  requests: number;
}

/** Medians over a side's rounds (throughput and latency percentiles), worst p99, total requests. */
export function summarizeSide<T extends LoadResult>(rounds: RoundOf<T>[], side: Side): SideSummary {
  const rs = rounds.filter((r) => r.side === side).map((r) => r.result);
  return {
    reqPerSec: round(median(rs.map((r) => r.reqPerSec)), 4),
    p50Ms: round(median(rs.map((r) => r.latencyMs.p50))),
    p99Ms: round(median(rs.map((r) => r.latencyMs.p99))),
    worstP99Ms: round(Math.max(...rs.map((r) => r.latencyMs.p99))),
    requests: rs.reduce((a, r) => a + r.ok, 0),
  };
}

export function summaryTable(labels: Record<Side, string>, s: Record<Side, SideSummary>, ratio: number): string {
  const row = (side: Side, r: string) => [
    labels[side],
    fmt(s[side].reqPerSec),
    fmt(s[side].p50Ms),
    fmt(s[side].p99Ms),
    fmt(s[side].worstP99Ms),
    fmt(s[side].requests),
    r,
  ];
  return markdownTable(
    ['side', 'req/s (median)', 'p50 ms (median)', 'p99 ms (median)', 'worst-round p99 ms', 'requests', 'ratio'],
    [row('polaris', fmt(ratio)), row('baseline', '1')],
  );
}

export function perRoundTable<T extends LoadResult>(
  rounds: RoundOf<T>[],
  extra: { header: string; value: (r: RoundOf<T>) => string }[] = [],
): string {
  return markdownTable(
    ['round', 'side', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', ...extra.map((e) => e.header)],
    rounds.map((r) => [
      r.round,
      r.side,
      fmt(r.result.reqPerSec),
      ...(['p50', 'p90', 'p99', 'p99_9', 'max'] as const).map((k) => fmt(r.result.latencyMs[k])),
      ...extra.map((e) => e.value(r)),
    ]),
    ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', ...extra.map(() => 'r' as const)],
  );
}

export function httpChart<T extends LoadResult>(title: string, subtitle: string[], rounds: RoundOf<T>[], p99Goal?: number) {
  const points: ChartPoint[] = rounds.flatMap((r) => [
    { round: r.round, side: r.side, metric: 'throughput', value: r.result.reqPerSec },
    { round: r.round, side: r.side, metric: 'p50 latency', value: r.result.latencyMs.p50 },
    { round: r.round, side: r.side, metric: 'p99 latency', value: r.result.latencyMs.p99 },
  ]);
  return roundsChart(title, subtitle, points, [
    { name: 'throughput', unit: 'requests/s' },
    { name: 'p50 latency', unit: 'ms' },
    { name: 'p99 latency', unit: 'ms', goal: p99Goal },
  ]);
}
