import { Injectable } from '@nestjs/common';
import { withTimeout } from '@app/cache';
import { MetricsService, MetricsSnapshot, sliFigures, sumBy, TRANSITIONS } from '@app/metrics';
import { MetricsSummaryDto } from './dto/metrics-summary.dto';
import { InconsistenciesRepository } from '../records';
import { SCRAPE_READ_TIMEOUT_MS } from './health/readiness';
import { MetricsSnapshotStore } from './metrics-snapshot.store';

/** What the api reports: its own Prometheus metrics, and a JSON summary across the api and the workers. */
@Injectable()
export class ConsistencyReportService {
  constructor(
    private readonly metrics: MetricsService,
    private readonly records: InconsistenciesRepository,
    private readonly snapshots: MetricsSnapshotStore,
  ) {}

  /**
   * The api's metrics. Worker-side counters are on each worker's own /metrics; the api adds what it
   * reads at scrape time: open inconsistencies by kind, and the SLI computed from every worker's samples.
   */
  async prometheus(): Promise<string> {
    const [stats, all] = await Promise.all([
      withTimeout(this.records.stats(), SCRAPE_READ_TIMEOUT_MS).catch(() => null), // PostgreSQL away: the gauge keeps its last values
      this.everyProcess(),
    ]);
    if (stats) this.metrics.setActiveInconsistencies(stats.activeByKind);
    const sli = sliFigures(sumBy(all, 'polaris_sli_post_write_checks_total', 'result'));
    this.metrics.setSli(sli.ratio, sli.nines);
    return this.metrics.prometheus();
  }

  async summary(): Promise<MetricsSummaryDto> {
    const [stats, all] = await Promise.all([this.records.stats(), this.everyProcess()]);
    const reads = sumBy(all, 'polaris_cache_requests_total', 'result');
    const transitions = sumBy(all, 'polaris_lifecycle_transitions_total', 'transition');
    return {
      cacheHits: reads.hit ?? 0,
      cacheMisses: reads.miss ?? 0,
      activeInconsistencies: stats.active,
      resolvedInconsistencies: stats.resolved,
      totalInconsistencies: stats.total,
      avgResolutionTime: Math.round(stats.avgResolutionSeconds * 1000) / 1000,
      transitions: Object.fromEntries(TRANSITIONS.map((t) => [t, transitions[t] ?? 0])) as unknown as MetricsSummaryDto['transitions'],
      sli: sliFigures(sumBy(all, 'polaris_sli_post_write_checks_total', 'result')),
    };
  }

  /** This process's metrics summed with the workers' latest snapshots (published every 5 s). */
  async everyProcess(): Promise<MetricsSnapshot> {
    // Redis away: what this process knows.
    const workers: MetricsSnapshot[] = await withTimeout(this.snapshots.recent(), SCRAPE_READ_TIMEOUT_MS).catch(() => []);
    const registry = MetricsService.aggregate([await this.metrics.snapshot(), ...workers]);
    return (await registry.getMetricsAsJSON()) as MetricsSnapshot;
  }
}
