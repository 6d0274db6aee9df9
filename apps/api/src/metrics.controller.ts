import { SkipThrottle } from '@nestjs/throttler';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { prometheusContentType } from 'prom-client';
import { ConsistencyReportService, MetricsSummaryDto } from '@app/consistency';

@ApiTags('metrics')
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly report: ConsistencyReportService) {}

  @Get()
  @Header('Content-Type', prometheusContentType)
  @ApiProduces(prometheusContentType)
  @ApiOkResponse({
    schema: { type: 'string' },
    description: "Prometheus text exposition of the api's metrics (each worker serves its own)",
  })
  prometheus(): Promise<string> {
    return this.report.prometheus();
  }

  @Get('summary')
  @ApiOkResponse({ type: MetricsSummaryDto, description: 'Figures summed over the api and the workers (their snapshots, at most 5 s old)' })
  summary(): Promise<MetricsSummaryDto> {
    return this.report.summary();
  }
}
