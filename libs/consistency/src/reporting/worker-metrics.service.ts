import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { withTimeout } from '@app/cache';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import { SourceRegistry } from '@app/sources';
import { ChangeBacklog } from '../capture';
import { QUEUES } from '../queues';
import { SourceSweepStateRepository, SWEEPER, SweeperStateRepository, SweepProgress } from '../sweep';
import { ProgressHealthIndicator } from './health/progress.health';
import { Readiness } from './health/readiness';
import { SCRAPE_READ_TIMEOUT_MS } from './health/timeouts';

const JOB_STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

/**
 * The worker's /metrics: its own counters, plus what it reads at scrape time: queue depth, the relay's
 * backlog, each sweep's progress, and its readiness checks.
 */
@Injectable()
export class WorkerMetricsService {
  /** Each swept source's progress as last read: while PostgreSQL is away the pass ages keep growing. */
  private sweeps = new Map<string, SweepProgress>();

  constructor(
    private readonly metrics: MetricsService,
    private readonly changes: ChangeBacklog,
    private readonly itemSweep: SweeperStateRepository,
    private readonly sourceSweep: SourceSweepStateRepository,
    private readonly registry: SourceRegistry,
    private readonly readiness: Readiness,
    private readonly progress: ProgressHealthIndicator,
    @InjectQueue(QUEUES.checks) private readonly checks: Queue,
    @InjectQueue(QUEUES.confirmations) private readonly confirmations: Queue,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {}

  async prometheus(): Promise<string> {
    // A store being away must not hide the rest of the metrics: its gauges keep their last values.
    await Promise.allSettled([
      ...[this.checks, this.confirmations].map(async (q) =>
        this.metrics.setQueueJobs(q.name, await withTimeout(q.getJobCounts(...JOB_STATES), SCRAPE_READ_TIMEOUT_MS)),
      ),
      withTimeout(this.changes.read(), SCRAPE_READ_TIMEOUT_MS).then(({ count, oldest }) =>
        this.metrics.setRelayBacklog(count, oldest ? (Date.now() - oldest.getTime()) / 1000 : 0),
      ),
      this.cfg.sweep.enabled && withTimeout(this.readSweeps(), SCRAPE_READ_TIMEOUT_MS).then((read) => (this.sweeps = read)),
      this.readiness.report(this.progress.checks),
    ]);
    const now = Date.now();
    this.metrics.setSweepProgress(
      [...this.sweeps].map(([source, p]) => ({
        source,
        passAgeSeconds: Math.max(0, (now - p.since.getTime()) / 1000),
        lastPassSeconds: p.lastPassMs === null ? null : p.lastPassMs / 1000,
      })),
    );
    return this.metrics.prometheus();
  }

  /** The sweeps this worker runs: the built-in items' and each declared source's, once it has ticked. */
  private async readSweeps(): Promise<Map<string, SweepProgress>> {
    const [items, sources] = await Promise.all([this.itemSweep.progress(SWEEPER), this.sourceSweep.progress()]);
    const read = new Map<string, SweepProgress>();
    if (items && this.registry.builtIn) read.set(this.registry.builtIn.name, items);
    for (const { name } of this.registry.sources) {
      const progress = sources.get(name);
      if (progress) read.set(name, progress);
    }
    return read;
  }
}
