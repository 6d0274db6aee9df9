import { Controller, Get, Header } from '@nestjs/common';
import { prometheusContentType } from 'prom-client';
import { WorkerMetricsService } from '@app/consistency';

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: WorkerMetricsService) {}

  @Get()
  @Header('Content-Type', prometheusContentType)
  prometheus(): Promise<string> {
    return this.metrics.prometheus();
  }
}
