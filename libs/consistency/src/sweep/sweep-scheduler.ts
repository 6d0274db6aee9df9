import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { consistencyConfig, ConsistencyConfig, OutageLog } from '@app/config';
import { SourceSweepService } from './source-sweep.service';
import { SweepLock } from './sweep-lock';
import { SweepService, SweepTickResult } from './sweep.service';

/**
 * Runs a sweep tick every SWEEP_INTERVAL_MS: the items, then the declared sources, each with its own budget. Ticks never overlap: within a process a running tick
 * makes the next one skip; across worker processes the sweep lock lets one sweeper at a time run,
 * on the cursor they share in PostgreSQL.
 */
@Injectable()
export class SweepScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly outage = new OutageLog(new Logger(SweepScheduler.name), 'sweep.failed', 'sweep');
  private running: Promise<SweepTickResult | null> | null = null;
  private stopping = false;

  constructor(
    private readonly sweep: SweepService,
    private readonly sourceSweep: SourceSweepService,
    private readonly lock: SweepLock,
    private readonly scheduler: SchedulerRegistry,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.cfg.sweep.enabled) return;
    this.scheduler.addInterval(
      SweepScheduler.name,
      setInterval(() => void this.tick(), this.cfg.sweep.intervalMs),
    );
  }

  /** Runs one tick unless one is running here or another worker holds the lock (then null). */
  tick(): Promise<SweepTickResult | null> {
    if (this.stopping) return Promise.resolve(null);
    if (this.running) return this.running.then(() => null);
    this.running = this.exclusiveTick()
      .then((result) => {
        this.outage.ok();
        return result;
      })
      .catch((err: Error) => {
        this.outage.failed(err); // retried next interval
        return null;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  private async exclusiveTick(): Promise<SweepTickResult | null> {
    const lease = await this.lock.acquire();
    if (!lease) return null;
    try {
      const shouldStop = () => this.stopping || !lease.held();
      const result = await this.sweep.tick({ shouldStop });
      await this.sourceSweep.tick(shouldStop);
      return result;
    } finally {
      await lease.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }
}
