import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { ItemChangesRepository } from '../item-changes.repository';
import { SWEEPER, SweeperStateRepository } from '../sweeper-state.repository';

/**
 * Whether the worker's background work is moving: the relay keeps the change log's backlog young,
 * and the sweeper (one at a time across workers) keeps saving its shared cursor.
 */
@Injectable()
export class ProgressHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly changes: ItemChangesRepository,
    private readonly sweeps: SweeperStateRepository,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {}

  /** Down when the oldest unrelayed change is older than 10 polls (at least 30 s). */
  async relay(key: string): Promise<HealthIndicatorResult> {
    const probe = this.indicator.check(key);
    if (!this.cfg.relay.enabled) return probe.up({ enabled: false });
    const { count, oldest } = await this.changes.backlog();
    const ageS = oldest ? (Date.now() - oldest.getTime()) / 1000 : 0;
    const limitS = Math.max(30, (this.cfg.relay.pollIntervalMs * 10) / 1000);
    const details = { backlog: count, oldestAgeSeconds: Math.round(ageS) };
    return ageS <= limitS ? probe.up(details) : probe.down({ ...details, message: `changes wait longer than ${limitS} s to be relayed` });
  }

  /** Down when no sweeper has saved the shared cursor for 3 intervals (at least 60 s). */
  async sweeper(key: string): Promise<HealthIndicatorResult> {
    const probe = this.indicator.check(key);
    if (!this.cfg.sweep.enabled) return probe.up({ enabled: false });
    const updatedAt = await this.sweeps.lastSavedAt(SWEEPER);
    const limitS = Math.max(60, (this.cfg.sweep.intervalMs * 3) / 1000);
    if (!updatedAt) return probe.up({ message: 'no tick yet' });
    const ageS = (Date.now() - updatedAt.getTime()) / 1000;
    const details = { lastTickSecondsAgo: Math.round(ageS) };
    return ageS <= limitS ? probe.up(details) : probe.down({ ...details, message: `no sweep tick for over ${limitS} s` });
  }
}
