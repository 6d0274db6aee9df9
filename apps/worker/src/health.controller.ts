import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import { ProgressHealthIndicator, Readiness } from '@app/consistency';

/** The worker's probes: liveness, and readiness (PostgreSQL, Redis, and the relay and sweeper making progress). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    private readonly progress: ProgressHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.readiness.check(this.progress.checks);
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
