import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ProgressHealthIndicator, RedisHealthIndicator } from '@app/consistency';

const PING_TIMEOUT_MS = 1500;

/** The worker's probes: liveness, and readiness (PostgreSQL, Redis, and the relay and sweeper making progress). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly progress: ProgressHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.postgres.pingCheck('postgres', { timeout: PING_TIMEOUT_MS }),
      () => this.redis.check('redis', PING_TIMEOUT_MS),
      () => this.progress.relay('relay'),
      () => this.progress.sweeper('sweeper'),
    ]);
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
