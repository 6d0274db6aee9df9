import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { MetricsSnapshotStore } from './metrics-snapshot.store';
import { MetricsService } from '@app/metrics';

const PUBLISH_EVERY_MS = 5000;

/** Leaves this worker's metrics where the api's /metrics sums them. */
@Injectable()
export class MetricsPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsPublisher.name);
  private readonly processId = `${hostname()}:${process.pid}:${Date.now()}`;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly metrics: MetricsService,
    private readonly store: MetricsSnapshotStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.publish(), PUBLISH_EVERY_MS);
    void this.publish();
  }

  async publish(): Promise<void> {
    try {
      await this.store.publish(this.processId, await this.metrics.snapshot());
    } catch (err) {
      this.logger.debug(`metrics snapshot not published: ${(err as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.publish();
  }
}
