import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { HEALTH_TIMEOUT_MS, ProgressHealthIndicator, Readiness, RedisHealthIndicator } from '@app/consistency';

/** The worker's probes: liveness, and readiness (PostgreSQL, Redis, and the relay and sweeper making progress). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    private readonly postgres: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly progress: ProgressHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.readiness.check([
      () => this.postgres.pingCheck('postgres', { timeout: HEALTH_TIMEOUT_MS }),
      () => this.redis.check('redis'),
      () => this.progress.relay('relay'),
      () => this.progress.sweeper('sweeper'),
    ]);
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
