import { SkipThrottle } from '@nestjs/throttler';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import { Readiness } from '@app/consistency';
import { HEALTH_PATH } from './http/paths';

@ApiTags('health')
@SkipThrottle()
@Controller(HEALTH_PATH.slice(1))
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get()
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'PostgreSQL or Redis is down' })
  ready(): Promise<HealthCheckResult> {
    return this.readiness.check();
  }

  @Get('live')
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
