import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { consistencyConfig, ConsistencyConfig, databaseConfig, DatabaseConfig, OutageLog } from '@app/config';
import { PgListener } from '@app/database';
import { SourceRegistry } from '@app/sources';
import { ChangeRelayService } from './change-relay.service';
import { ITEM_CHANGES_CHANNEL } from './item-changes.notifier';
import { SourceRelayService } from './source-relay.service';

/**
 * Applications notify nobody (see the Sources migration), so the relay polls the declared sources'
 * change log this often; a claim on an empty log is one index probe.
 */
export const SOURCE_POLL_INTERVAL_MS = 100;

/**
 * Runs the change relays, of the items' change log and of the declared sources'. The items' relay
 * wakes on NOTIFY (commit to enqueue in milliseconds) and polls every RELAY_POLL_INTERVAL_MS as a
 * fallback; with captured sources it polls every SOURCE_POLL_INTERVAL_MS. Drains never overlap
 * within a process; across processes SKIP LOCKED keeps them apart.
 */
@Injectable()
export class RelayScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly outage = new OutageLog(new Logger(RelayScheduler.name), 'relay.failed', 'change relay');
  private readonly listener: PgListener;
  private draining: Promise<void> | null = null;
  private again = false;
  private stopping = false;

  constructor(
    private readonly relay: ChangeRelayService,
    private readonly sourceRelay: SourceRelayService,
    private readonly sources: SourceRegistry,
    private readonly scheduler: SchedulerRegistry,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
    @Inject(databaseConfig.KEY) db: DatabaseConfig,
  ) {
    this.listener = new PgListener(db.url, ITEM_CHANGES_CHANNEL, () => this.kick());
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.cfg.relay.enabled) return;
    await this.listener.start();
    const captured = this.sources.sources.some((s) => s.capture === 'trigger');
    this.scheduler.addInterval(
      `${RelayScheduler.name}.poll`,
      setInterval(
        () => this.kick(),
        captured ? Math.min(SOURCE_POLL_INTERVAL_MS, this.cfg.relay.pollIntervalMs) : this.cfg.relay.pollIntervalMs,
      ),
    );
  }

  /** Starts a drain, or asks the running one to go round again. */
  kick(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        await this.relay.drain(() => this.stopping);
        await this.sourceRelay.drain(() => this.stopping);
      } while (this.again && !this.stopping);
    })()
      .then(() => this.outage.ok())
      .catch((err: Error) => this.outage.failed(err)) // retried on the next poll or notification
      .finally(() => (this.draining = null));
    return this.draining;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.listener.stop();
    await this.draining;
  }
}
