import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '@app/metrics';

const LOG_EVERY_MS = 3_600_000;
/** Keys remembered for the log's rate limit; past this the memory is dropped, so a key may log again early. */
const MAX_REMEMBERED_KEYS = 10_000;

/**
 * Entries that could not be compared with their row. Each is counted
 * (`polaris_comparison_failures_total`) and logged at most once per key per hour; the batch or sweep
 * tick it belonged to goes on without it.
 */
@Injectable()
export class ComparisonFailures {
  private readonly logger = new Logger(ComparisonFailures.name);
  private readonly loggedAt = new Map<string, number>();

  constructor(private readonly metrics: MetricsService) {}

  record(key: string, trigger: string, err: Error): void {
    this.metrics.comparisonFailed(trigger);
    const now = Date.now();
    if (now - (this.loggedAt.get(key) ?? -Infinity) < LOG_EVERY_MS) return;
    if (this.loggedAt.size >= MAX_REMEMBERED_KEYS) this.loggedAt.clear();
    this.loggedAt.set(key, now);
    this.logger.warn({ event: 'comparison.failed', key, trigger, error: err.message }, 'entry could not be compared with its row; skipped');
  }
}
