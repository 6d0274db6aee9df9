import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, HealthIndicatorFunction, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { withTimeout } from '@app/cache';
import { OutageLog } from '@app/config';
import { MetricsService } from '@app/metrics';
import { RedisHealthIndicator } from './redis.health';
import { HEALTH_TIMEOUT_MS, SCRAPE_READ_TIMEOUT_MS } from './timeouts';

/**
 * A process's readiness: PostgreSQL and Redis, plus the checks a process adds (the worker's relay and
 * sweeper). /health runs them (503 with the failing ones when any is down) and logs readiness once per
 * change, never once per probe: an orchestrator probes every few seconds through a whole outage.
 * /metrics runs the same checks for `polaris_health_check_up`, so Prometheus sees what /health answers.
 */
@Injectable()
export class Readiness {
  private readonly outage = new OutageLog(new Logger('Health'), 'health.down', 'readiness');
  private probing: Promise<void> | null = null;

  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly metrics: MetricsService,
  ) {}

  /** /health: 503 with the failing checks when any is down. */
  async check(more: HealthIndicatorFunction[] = []): Promise<HealthCheckResult> {
    try {
      const result = await this.health.check(this.indicators(more));
      this.outage.ok();
      return result;
    } catch (err) {
      const failing = err instanceof ServiceUnavailableException ? Object.keys((err.getResponse() as HealthCheckResult).error ?? {}) : [];
      this.outage.failed(`down: ${failing.join(', ') || (err as Error).message}`, { failing });
      throw err;
    }
  }

  /**
   * For /metrics: runs the same checks and sets `polaris_health_check_up`, waiting at most a scrape-time
   * read's bound. A probe still running then (a store that hangs) sets the gauge when it ends, for the
   * next scrape; one probe at a time.
   */
  async report(more: HealthIndicatorFunction[] = []): Promise<void> {
    this.probing ??= this.probe(more).finally(() => (this.probing = null));
    await withTimeout(this.probing, SCRAPE_READ_TIMEOUT_MS).catch(() => undefined);
  }

  private async probe(more: HealthIndicatorFunction[]): Promise<void> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check(this.indicators(more));
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) return; // not a check's verdict: the gauge keeps its values
      result = err.getResponse() as HealthCheckResult;
    }
    this.metrics.setHealthChecks(Object.fromEntries(Object.entries(result.details).map(([check, r]) => [check, r.status === 'up'])));
  }

  private indicators(more: HealthIndicatorFunction[]): HealthIndicatorFunction[] {
    return [() => this.postgres.pingCheck('postgres', { timeout: HEALTH_TIMEOUT_MS }), () => this.redis.check('redis'), ...more];
  }
}
