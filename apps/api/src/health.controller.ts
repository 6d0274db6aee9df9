import { SkipThrottle } from '@nestjs/throttler';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { HEALTH_TIMEOUT_MS, Readiness, RedisHealthIndicator } from '@app/consistency';
import { HEALTH_PATH } from './http/paths';

@ApiTags('health')
@SkipThrottle()
@Controller(HEALTH_PATH.slice(1))
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    private readonly postgres: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'PostgreSQL or Redis is down' })
  ready(): Promise<HealthCheckResult> {
    return this.readiness.check([
      () => this.postgres.pingCheck('postgres', { timeout: HEALTH_TIMEOUT_MS }),
      () => this.redis.check('redis'),
    ]);
  }

  @Get('live')
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
