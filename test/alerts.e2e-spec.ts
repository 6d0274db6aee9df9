import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

const ROOT = join(__dirname, '..');
const RULES = 'deploy/prometheus/alerts.yml';
const TESTS = 'deploy/prometheus/alerts.test.yml';
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface AlertRuleTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: unknown[];
}

function promtool(...args: string[]): { status: number | null; output: string } {
  const res = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  if (res.error) throw new Error(`promtool is required (apt-get install prometheus): ${res.error.message}`);
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a markdown document's headings (outside code fences), a repeated one suffixed -1, -2… as GitHub does. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = githubSlug(heading[1]);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/**
 * The alerting rules that ship with Polaris (deploy/prometheus/alerts.yml): valid for promtool, unit
 * tested (alerts.test.yml: every alert fires in one case and must not fire in another), and each one
 * documented: a summary, a description, and a runbook section of the README named after it, listed in
 * the README's table of alerts. test/observability.e2e-spec.ts loads them into a real Prometheus.
 */
describe('alerting rules', () => {
  const rules: Rule[] = (load(read(RULES)) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
  const alerts = rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined);
  const cases: AlertRuleTest[] = (load(read(TESTS)) as { tests: { alert_rule_test?: AlertRuleTest[] }[] }).tests.flatMap(
    (t) => t.alert_rule_test ?? [],
  );
  const readme = read('README.md');

  it('pass `promtool check rules`', () => {
    const check = promtool('check', 'rules', RULES);
    if (check.status !== 0) throw new Error(`promtool check rules ${RULES} failed (${check.status}):\n${check.output}`);
  });

  it('pass their unit tests, `promtool test rules`', () => {
    const test = promtool('test', 'rules', TESTS);
    if (test.status !== 0) throw new Error(`promtool test rules ${TESTS} failed (${test.status}):\n${test.output}`);
  });

  it('each have a case where they fire and one where they must not, and the cases name only real alerts', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    const names = new Set(alerts.map((a) => a.alert));
    const untested = alerts.flatMap(({ alert }) => {
      const mine = cases.filter((c) => c.alertname === alert);
      return [
        ...(mine.some((c) => (c.exp_alerts ?? []).length > 0) ? [] : [`${alert}: no case where it fires`]),
        ...(mine.some((c) => (c.exp_alerts ?? []).length === 0) ? [] : [`${alert}: no case where it must not fire`]),
      ];
    });
    expect(untested).toEqual([]);
    expect(cases.map((c) => c.alertname).filter((name) => !names.has(name))).toEqual([]);
  });

  it('each have a severity, a summary, a description and a runbook: the README section named after them', () => {
    const anchors = headingAnchors(readme);
    const problems = alerts.flatMap(({ alert, labels = {}, annotations = {} }) => {
      const runbook = `README.md#${githubSlug(alert)}`;
      return [
        ...(['page', 'ticket'].includes(labels.severity) ? [] : [`${alert}: severity "${labels.severity}" is neither page nor ticket`]),
        ...(['summary', 'description'] as const).filter((a) => !annotations[a]?.trim()).map((a) => `${alert}: no ${a}`),
        ...(annotations.runbook === runbook ? [] : [`${alert}: runbook "${annotations.runbook}", expected "${runbook}"`]),
        ...(anchors.has(githubSlug(alert)) ? [] : [`${alert}: README.md has no heading "${alert}" (its runbook)`]),
      ];
    });
    expect(problems).toEqual([]);
  });

  it("are each listed in the README's table of alerts, with their severity and a link to their runbook", () => {
    const rows = readme.split('\n').filter((l) => l.startsWith('| '));
    const missing = alerts
      .filter(({ alert, labels = {} }) => {
        const row = rows.find((r) => r.startsWith(`| \`${alert}\` |`));
        return !row || !row.includes(`| ${labels.severity} |`) || !row.includes(`](#${githubSlug(alert)})`);
      })
      .map((a) => a.alert);
    expect(missing).toEqual([]);
  });

  it('finds the anchors GitHub gives headings', () => {
    expect([...headingAnchors('# Polaris\n## Alerts\n```\n# not a heading\n```\n#### `PolarisRelayBehind`\n## Alerts\n')]).toEqual([
      'polaris',
      'alerts',
      'polarisrelaybehind',
      'alerts-1',
    ]);
    expect(githubSlug('Ports and paths')).toBe('ports-and-paths');
    expect(githubSlug('Timelines and the consistency SLI')).toBe('timelines-and-the-consistency-sli');
  });
});
