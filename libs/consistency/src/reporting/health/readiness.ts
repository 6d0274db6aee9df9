import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import { OutageLog } from '@app/config';

/** Each indicator's own bound, so /health always answers within a second, up or down. */
export const HEALTH_TIMEOUT_MS = 800;

/** A scrape-time read for /metrics that takes longer is skipped: /metrics answers within a second, whatever is down. */
export const SCRAPE_READ_TIMEOUT_MS = 500;

/**
 * Runs the readiness indicators (503 with the failing ones when any is down) and logs readiness
 * once per change, never once per probe: an orchestrator probes every few seconds through a whole outage.
 */
@Injectable()
export class Readiness {
  private readonly outage = new OutageLog(new Logger('Health'), 'health.down', 'readiness');

  constructor(private readonly health: HealthCheckService) {}

  async check(indicators: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    try {
      const result = await this.health.check(indicators);
      this.outage.ok();
      return result;
    } catch (err) {
      const failing = err instanceof ServiceUnavailableException ? Object.keys((err.getResponse() as HealthCheckResult).error ?? {}) : [];
      this.outage.failed(`down: ${failing.join(', ') || (err as Error).message}`, { failing });
      throw err;
    }
  }
}
