import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { consistencyConfig, ConsistencyConfig, databaseConfig, DatabaseConfig, OutageLog } from '@app/config';
import { PgListener } from '@app/database';
import { ChangeRelayService } from './change-relay.service';
import { ITEM_CHANGES_CHANNEL } from './item-changes.notifier';
import { SOURCE_CHANGES_CHANNEL } from './source-change';
import { SourceRelayService } from './source-relay.service';

/**
 * Runs the change relays (of the items' change log and of the declared sources'): wakes on NOTIFY (commit to enqueue in milliseconds), polls every
 * RELAY_POLL_INTERVAL_MS as a fallback.
 * Drains never overlap within a process; across processes SKIP LOCKED keeps them apart.
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
    private readonly scheduler: SchedulerRegistry,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
    @Inject(databaseConfig.KEY) db: DatabaseConfig,
  ) {
    this.listener = new PgListener(db.url, [ITEM_CHANGES_CHANNEL, SOURCE_CHANGES_CHANNEL], () => this.kick());
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.cfg.relay.enabled) return;
    await this.listener.start();
    this.scheduler.addInterval(
      `${RelayScheduler.name}.poll`,
      setInterval(() => this.kick(), this.cfg.relay.pollIntervalMs),
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
