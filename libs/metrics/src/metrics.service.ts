import { Injectable } from '@nestjs/common';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  MetricObjectWithValues,
  MetricValue,
  Registry,
} from 'prom-client';

export type Transition = 'detected' | 'cleared' | 'confirmed' | 'persistent' | 'resolved';
export const TRANSITIONS: readonly Transition[] = ['detected', 'cleared', 'confirmed', 'persistent', 'resolved'];

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The one place Polaris's metric names are defined. Each process has its own registry and exposes it
 * on its own /metrics (api and worker), counting only what happens in that process; Prometheus sums
 * across instances. Workers also leave snapshots in Redis, which the api's JSON summary adds up.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'polaris_process_' });
    // prom-client's *_total gauges break the naming rule `promtool check metrics` enforces (a _total suffix
    // means a counter); the same figures stay available by type in polaris_process_nodejs_active_{handles,requests,resources}.
    for (const what of ['handles', 'requests', 'resources'])
      this.registry.removeSingleMetric(`polaris_process_nodejs_active_${what}_total`);
  }

  private readonly httpDuration = new Histogram({
    name: 'polaris_http_request_duration_seconds',
    help: 'api request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly queueJobs = new Gauge({
    name: 'polaris_queue_jobs',
    help: 'Jobs in Polaris queues by queue and state (waiting, delayed, active, failed), read at scrape time',
    labelNames: ['queue', 'state'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  private readonly relayBacklog = new Gauge({
    name: 'polaris_relay_backlog',
    help: 'Captured changes not yet relayed to the checks, read at scrape time',
    aggregator: 'max',
    registers: [this.registry],
  });

  private readonly relayBacklogAge = new Gauge({
    name: 'polaris_relay_backlog_age_seconds',
    help: 'Age of the oldest change not yet relayed (0 when none), read at scrape time',
    aggregator: 'max',
    registers: [this.registry],
  });

  private readonly cacheRequests = new Counter({
    name: 'polaris_cache_requests_total',
    help: 'Item reads by cache result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly checks = new Counter({
    name: 'polaris_checks_total',
    help: 'Consistency checks by trigger and outcome (consistent, miss, stale, ahead, corrupt, orphan, absent)',
    labelNames: ['trigger', 'outcome', 'source'] as const,
    registers: [this.registry],
  });

  private readonly comparisonFailures = new Counter({
    name: 'polaris_comparison_failures_total',
    help: 'Cache entries that could not be compared with their row, by trigger; each is skipped, the rest of its batch goes on',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });

  private readonly checkDuration = new Histogram({
    name: 'polaris_check_duration_seconds',
    help: 'Time to check one batch of items against the cache',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly transitions = new Counter({
    name: 'polaris_lifecycle_transitions_total',
    help: 'Inconsistency lifecycle transitions (detected, cleared, confirmed, persistent, resolved)',
    labelNames: ['transition'] as const,
    registers: [this.registry],
  });

  private readonly activeInconsistencies = new Gauge({
    name: 'polaris_inconsistencies_active',
    help: 'Open inconsistencies by source, kind and status (confirmed, persistent), read from PostgreSQL at scrape time',
    labelNames: ['source', 'kind', 'status'] as const,
    registers: [this.registry],
  });

  private readonly oldestInconsistency = new Gauge({
    name: 'polaris_inconsistencies_oldest_seconds',
    help: 'Age (since first detected) of the oldest open inconsistency by source and status, read from PostgreSQL at scrape time',
    labelNames: ['source', 'status'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  private readonly sweepDuration = new Histogram({
    name: 'polaris_sweep_tick_duration_seconds',
    help: 'Duration of one sweeper tick',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly sweptItems = new Counter({
    name: 'polaris_sweep_items_total',
    help: 'Items and cache keys audited by the sweeper',
    labelNames: ['phase', 'source'] as const,
    registers: [this.registry],
  });

  private readonly sweepMismatches = new Counter({
    name: 'polaris_sweep_mismatches_total',
    help: 'Mismatches the sweeper found and queued for a check (rows whose cache entry differs, orphan keys)',
    labelNames: ['phase', 'source'] as const,
    registers: [this.registry],
  });

  private readonly sweepPasses = new Counter({
    name: 'polaris_sweep_passes_total',
    help: 'Completed full sweeper passes',
    registers: [this.registry],
  });

  private readonly lastPassDuration = new Gauge({
    name: 'polaris_sweep_last_pass_duration_seconds',
    help: "Wall-clock duration of a source's last completed sweep pass, read from PostgreSQL at scrape time",
    labelNames: ['source'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  private readonly passAge = new Gauge({
    name: 'polaris_sweep_pass_age_seconds',
    help: "Time since a source's sweep pass in progress started, or between passes since the last one ended, read from PostgreSQL at scrape time",
    labelNames: ['source'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  private readonly checkErrors = new Counter({
    name: 'polaris_check_errors_total',
    help: 'Check and confirmation job attempts that failed with an error (not an outage, which is waited out), by queue; BullMQ retries them, then moves them to the failed set',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  private readonly healthCheckUp = new Gauge({
    name: 'polaris_health_check_up',
    help: "This process's readiness checks (those /health runs, with the same timeouts) by check: 1 up, 0 down; run at scrape time",
    labelNames: ['check'] as const,
    aggregator: 'min',
    registers: [this.registry],
  });

  private readonly changesRelayed = new Counter({
    name: 'polaris_changes_relayed_total',
    help: 'Captured changes relayed from the change logs to the check queue, by origin (api, external) and source',
    labelNames: ['origin', 'source'] as const,
    registers: [this.registry],
  });

  private readonly sliSamples = new Counter({
    name: 'polaris_sli_post_write_checks_total',
    help: 'Post-write checks as SLI samples: was the cache consistent POST_WRITE_CHECK_DELAY_MS after the write? (consistent, inconsistent, absent)',
    labelNames: ['result', 'source'] as const,
    registers: [this.registry],
  });

  private readonly timeToConsistencyHistogram = new Histogram({
    name: 'polaris_sli_time_to_consistency_seconds',
    help: 'For writes a post-write check caught inconsistent: time from the write until the cache was seen consistent again',
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [this.registry],
  });

  private readonly sliRatio = new Gauge({
    name: 'polaris_sli_consistency_ratio',
    help: 'consistent / (consistent + inconsistent) post-write samples since the processes started',
    aggregator: 'max',
    registers: [this.registry],
  });

  private readonly sliNines = new Gauge({
    name: 'polaris_sli_consistency_nines',
    help: '-log10(1 - ratio), capped at log10(samples): the "nines" of writes consistent after POST_WRITE_CHECK_DELAY_MS',
    aggregator: 'max',
    registers: [this.registry],
  });

  httpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  setQueueJobs(queue: string, counts: Record<string, number>): void {
    for (const [state, n] of Object.entries(counts)) this.queueJobs.set({ queue, state }, n);
  }

  setRelayBacklog(count: number, oldestAgeSeconds: number): void {
    this.relayBacklog.set(count);
    this.relayBacklogAge.set(oldestAgeSeconds);
  }

  cacheHit(): void {
    this.cacheRequests.inc({ result: 'hit' });
  }

  cacheMiss(): void {
    this.cacheRequests.inc({ result: 'miss' });
  }

  /** One check's outcome; `source` is `items` or a declared source's name. */
  checked(trigger: string, outcome: string, source = 'items', count = 1): void {
    this.checks.inc({ trigger, outcome, source }, count);
  }

  comparisonFailed(trigger: string): void {
    this.comparisonFailures.inc({ trigger });
  }

  checkBatchTook(seconds: number): void {
    this.checkDuration.observe(seconds);
  }

  transition(name: Transition): void {
    this.transitions.inc({ transition: name });
  }

  /** Open records: counts by source, kind and status; the oldest one's age by source and status. Replaces the previous figures. */
  setOpenInconsistencies(
    counts: readonly { source: string; kind: string; status: string; count: number }[],
    oldest: readonly { source: string; status: string; seconds: number }[],
  ): void {
    this.activeInconsistencies.reset();
    for (const { source, kind, status, count } of counts) this.activeInconsistencies.set({ source, kind, status }, count);
    this.oldestInconsistency.reset();
    for (const { source, status, seconds } of oldest) this.oldestInconsistency.set({ source, status }, seconds);
  }

  sweepTickTook(seconds: number): void {
    this.sweepDuration.observe(seconds);
  }

  /** phase `items`: rows compared with their entries; `keys`: cache keys searched for orphans. */
  swept(phase: 'items' | 'keys', count: number, mismatches: number, source = 'items'): void {
    this.sweptItems.inc({ phase, source }, count);
    if (mismatches > 0) this.sweepMismatches.inc({ phase, source }, mismatches);
  }

  sweepPassCompleted(): void {
    this.sweepPasses.inc();
  }

  /** Where each source's sweep stands; a source left out loses its series. */
  setSweepProgress(sources: readonly { source: string; passAgeSeconds: number; lastPassSeconds: number | null }[]): void {
    this.passAge.reset();
    this.lastPassDuration.reset();
    for (const { source, passAgeSeconds, lastPassSeconds } of sources) {
      this.passAge.set({ source }, passAgeSeconds);
      if (lastPassSeconds !== null) this.lastPassDuration.set({ source }, lastPassSeconds);
    }
  }

  checkFailed(queue: string): void {
    this.checkErrors.inc({ queue });
  }

  /** Each readiness check's latest result, by check name. */
  setHealthChecks(up: Record<string, boolean>): void {
    for (const [check, ok] of Object.entries(up)) this.healthCheckUp.set({ check }, ok ? 1 : 0);
  }

  changeRelayed(origin: string, source = 'items', count = 1): void {
    this.changesRelayed.inc({ origin, source }, count);
  }

  sliSample(result: 'consistent' | 'inconsistent' | 'absent', source = 'items'): void {
    this.sliSamples.inc({ result, source });
  }

  timeToConsistency(seconds: number): void {
    this.timeToConsistencyHistogram.observe(seconds);
  }

  setSli(ratio: number, nines: number): void {
    this.sliRatio.set(ratio);
    this.sliNines.set(nines);
  }

  /** This process's metrics in the Prometheus text format. */
  async prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  async snapshot(): Promise<MetricsSnapshot> {
    return (await this.registry.getMetricsAsJSON()) as MetricsSnapshot;
  }

  /** This process's metrics summed with other processes' snapshots. */
  static aggregate(snapshots: MetricsSnapshot[]): Registry {
    return AggregatorRegistry.aggregate(snapshots);
  }
}

/**
 * Sum of a counter's values in a snapshot, by one label (or in total when no label is given), over
 * the series whose labels match `where`.
 */
export function sumBy(snapshot: MetricsSnapshot, name: string, label?: string, where: Record<string, string> = {}): Record<string, number> {
  const metric = snapshot.find((m) => m.name === name);
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) {
    if (Object.entries(where).some(([k, want]) => String(v.labels[k] ?? '') !== want)) continue;
    const key = label ? String(v.labels[label] ?? '') : 'total';
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}
