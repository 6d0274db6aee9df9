import { Injectable } from '@nestjs/common';
import { withTimeout } from '@app/cache';
import { MetricsService, MetricsSnapshot, sliFigures, sumBy, TRANSITIONS } from '@app/metrics';
import { MetricsSummaryDto } from './dto/metrics-summary.dto';
import { InconsistenciesRepository, OpenRecords } from '../records';
import { Readiness } from './health/readiness';
import { SCRAPE_READ_TIMEOUT_MS } from './health/timeouts';
import { MetricsSnapshotStore, PublishedSnapshot } from './metrics-snapshot.store';
import { openRecordGauges } from './open-records';

/** What the api reports: its own Prometheus metrics, and a JSON summary across the api and the workers. */
@Injectable()
export class ConsistencyReportService {
  /** The open records as last read: while PostgreSQL is away their counts stay and their ages keep growing. */
  private open: OpenRecords[] | null = null;

  constructor(
    private readonly metrics: MetricsService,
    private readonly records: InconsistenciesRepository,
    private readonly snapshots: MetricsSnapshotStore,
    private readonly readiness: Readiness,
  ) {}

  /**
   * The api's metrics. Worker-side counters are on each worker's own /metrics; the api adds what it
   * reads at scrape time: open inconsistencies (counts and the oldest one's age), its readiness checks,
   * and the SLI computed from every worker's samples.
   */
  async prometheus(): Promise<string> {
    const [stats, all] = await Promise.all([
      withTimeout(this.records.stats(), SCRAPE_READ_TIMEOUT_MS).catch(() => null),
      this.everyProcess(),
      this.readiness.report(),
    ]);
    this.open = stats?.open ?? this.open;
    if (this.open) {
      const { counts, oldest } = openRecordGauges(this.open, Date.now());
      this.metrics.setOpenInconsistencies(counts, oldest);
    }
    const sli = sliFigures(sumBy(all, 'polaris_sli_post_write_checks_total', 'result'));
    this.metrics.setSli(sli.ratio, sli.nines);
    return this.metrics.prometheus();
  }

  async summary(): Promise<MetricsSummaryDto> {
    const workers = await this.workerSnapshots();
    const [stats, all] = await Promise.all([this.records.stats(), this.everyProcess(workers)]);
    const now = Date.now();
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
      workers: workers.map((w) => ({ id: w.id, ageSeconds: Math.max(0, Math.round((now - w.publishedAt) / 100) / 10) })),
    };
  }

  /** This process's metrics summed with the workers' latest snapshots (published every 5 s). */
  async everyProcess(workers?: PublishedSnapshot[]): Promise<MetricsSnapshot> {
    const snapshots = (workers ?? (await this.workerSnapshots())).map((w) => w.snapshot);
    const registry = MetricsService.aggregate([await this.metrics.snapshot(), ...snapshots]);
    return (await registry.getMetricsAsJSON()) as MetricsSnapshot;
  }

  /** The workers' latest snapshots; none while Redis is away (then this process reports what it knows). */
  private workerSnapshots(): Promise<PublishedSnapshot[]> {
    return withTimeout(this.snapshots.recent(), SCRAPE_READ_TIMEOUT_MS).catch(() => []);
  }
}
