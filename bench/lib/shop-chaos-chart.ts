/**
 * The sources chaos run's chart (bench/sources-chaos.ts): per mode, the keys the example shop left
 * wrong, those wrong past the threshold, those recalled, Polaris's records and false confirmations
 * (symlog scale, values labelled, so a 0 is visible), and the confirmation latency from the key
 * going wrong, p50 and p95, against the threshold.
 */
import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };
import type { SourcesChaosScore } from './shop-chaos-score';

export interface ChartMode {
  mode: string;
  score: Pick<SourcesChaosScore, 'wrongKeys' | 'longKeys' | 'recalledKeys' | 'records' | 'confirmation'> & {
    falseConfirmations: readonly unknown[];
  };
}

export function sourcesChaosChart(
  results: readonly ChartMode[],
  o: { durationS: number; thresholdS: number; smoke: boolean },
): TopLevelSpec {
  const modes = results.map((r) => r.mode);
  const chartRows = results.flatMap((r) => [
    { mode: r.mode, metric: 'keys wrong', value: r.score.wrongKeys },
    { mode: r.mode, metric: `wrong > ${o.thresholdS} s`, value: r.score.longKeys },
    { mode: r.mode, metric: 'recalled', value: r.score.recalledKeys },
    { mode: r.mode, metric: 'records', value: r.score.records },
    { mode: r.mode, metric: 'false confirmations', value: r.score.falseConfirmations.length },
  ]);
  const metricOrder = ['keys wrong', `wrong > ${o.thresholdS} s`, 'recalled', 'records', 'false confirmations'];
  const colors = ['#bab0ac', '#f58518', '#4c78a8', '#72b7b2', '#e45756'];
  const latencyRows = results.flatMap((r) =>
    r.score.confirmation.n
      ? [
          { mode: r.mode, stat: 'p50', seconds: r.score.confirmation.p50S },
          { mode: r.mode, stat: 'p95', seconds: r.score.confirmation.p95S },
        ]
      : [],
  );
  const totalFalse = results.reduce((a, r) => a + r.score.falseConfirmations.length, 0);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `sources chaos: the example shop, ${o.durationS} s per mode${o.smoke ? ' (SMOKE)' : ''}`,
      subtitle: [
        `recall ${results
          .filter((r) => r.mode !== 'correct')
          .map((r) => `${r.mode} ${r.score.recalledKeys}/${r.score.longKeys}`)
          .join(', ')}`,
        `false confirmations ${totalFalse}; correct mode records ${results.find((r) => r.mode === 'correct')?.score.records ?? 'n/a'}; red line: ${o.thresholdS} s threshold`,
      ],
      anchor: 'start',
    },
    hconcat: [
      {
        title: { text: 'keys per mode (symlog scale)', fontSize: 12 },
        data: { values: chartRows },
        width: 90 * results.length + 40,
        height: 220,
        encoding: {
          x: { field: 'mode', type: 'nominal', sort: modes, title: null, axis: { labelAngle: -30 } },
          xOffset: { field: 'metric', type: 'nominal', scale: { domain: metricOrder } },
          y: { field: 'value', type: 'quantitative', scale: { type: 'symlog' }, title: 'keys' },
        },
        layer: [
          {
            mark: { type: 'bar', tooltip: true },
            encoding: {
              color: {
                field: 'metric',
                type: 'nominal',
                scale: { domain: metricOrder, range: colors },
                title: null,
                legend: { orient: 'bottom', columns: 2 },
              },
            },
          },
          { mark: { type: 'text', dy: -5, fontSize: 8 }, encoding: { text: { field: 'value', type: 'quantitative' } } },
        ],
      },
      {
        title: { text: 'confirmation latency from the key going wrong', fontSize: 12 },
        width: 50 * results.length + 40,
        height: 220,
        layer: [
          {
            data: { values: latencyRows },
            mark: { type: 'bar', tooltip: true },
            encoding: {
              x: { field: 'mode', type: 'nominal', scale: { domain: modes }, title: null, axis: { labelAngle: -30 } },
              xOffset: { field: 'stat', type: 'nominal' },
              y: { field: 'seconds', type: 'quantitative', title: 's' },
              color: {
                field: 'stat',
                type: 'nominal',
                scale: { range: ['#4c78a8', '#9ecae9'] },
                title: null,
                legend: { orient: 'bottom' },
              },
            },
          },
          {
            data: { values: [{ threshold: o.thresholdS }] },
            mark: { type: 'rule', color: '#e45756', strokeDash: [2, 2], strokeWidth: 1.5 },
            encoding: { y: { field: 'threshold', type: 'quantitative' } },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent', xOffset: 'independent', x: 'independent', y: 'independent' } },
    config: { font: 'sans-serif', view: { stroke: null }, legend: { orient: 'bottom' } },
  } as TopLevelSpec;
}
