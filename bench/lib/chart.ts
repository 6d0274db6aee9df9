/**
 * Charts: a Vega-Lite spec, compiled to a Vega spec, rendered headless to SVG by vega's View
 * (renderer "none", View.toSVG). Both packages are ESM-only with top-level await, so they are
 * loaded with a native import() that TypeScript's CommonJS output leaves alone.
 */
import type { TopLevelSpec, compile } from 'vega-lite' with { 'resolution-mode': 'import' };
import type * as Vega from 'vega' with { 'resolution-mode': 'import' };

const nativeImport = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vl = await nativeImport<{ compile: typeof compile }>('vega-lite');
  const vega = await nativeImport<typeof Vega>('vega');
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface ChartPoint {
  round: number;
  side: string;
  metric: string;
  value: number;
}

export const SIDE_COLORS = { domain: ['polaris', 'baseline'], range: ['#4c78a8', '#bab0ac'] };

/**
 * One panel per metric: a bar per round and side (grouped by round), the median of each side as a
 * dashed rule, so the alternating rounds and their spread are visible at a glance. `sides`: the side
 * names in the order of SIDE_COLORS (the side measured first, in blue; its reference second, in grey).
 */
export function roundsChart(
  title: string,
  subtitle: string[],
  points: ChartPoint[],
  metrics: { name: string; unit: string; /** drawn as a red dotted line */ goal?: number }[],
  sides: readonly string[] = SIDE_COLORS.domain,
): TopLevelSpec {
  const colors = { domain: [...sides], range: SIDE_COLORS.range.slice(0, sides.length) };
  const panels = metrics.map(({ name, unit, goal }) => ({
    title: { text: name, fontSize: 12 },
    width: 70 + 26 * Math.max(1, ...points.filter((p) => p.metric === name).map((p) => p.round)),
    height: 200,
    transform: [{ filter: { field: 'metric', equal: name } }],
    layer: [
      {
        mark: { type: 'bar' as const, tooltip: true },
        encoding: {
          x: { field: 'round', type: 'ordinal' as const, title: 'round', axis: { labelAngle: 0 } },
          xOffset: { field: 'side', type: 'nominal' as const, sort: colors.domain },
          y: { field: 'value', type: 'quantitative' as const, title: unit },
          color: { field: 'side', type: 'nominal' as const, scale: colors, title: null },
        },
      },
      {
        transform: [{ aggregate: [{ op: 'median' as const, field: 'value', as: 'median' }], groupby: ['side'] }],
        mark: { type: 'rule' as const, strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: {
          y: { field: 'median', type: 'quantitative' as const },
          color: { field: 'side', type: 'nominal' as const, scale: colors, title: null },
        },
      },
      ...(goal === undefined
        ? []
        : [
            {
              data: { values: [{ goal }] },
              mark: { type: 'rule' as const, color: '#e45756', strokeDash: [2, 2], strokeWidth: 1.5 },
              encoding: { y: { field: 'goal', type: 'quantitative' as const } },
            },
          ]),
    ],
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start' },
    data: { values: points },
    hconcat: panels,
    config: { font: 'sans-serif', view: { stroke: null }, legend: { orient: 'bottom' } },
  } as TopLevelSpec;
}
