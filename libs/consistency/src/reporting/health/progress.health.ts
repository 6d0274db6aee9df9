import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorFunction, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { consistencyConfig, ConsistencyConfig } from '@app/config';
import { withTimeout } from '@app/cache';
import { ChangeBacklog } from '../../capture';
import { SWEEPER, SweeperStateRepository } from '../../sweep';
import { HEALTH_TIMEOUT_MS } from './timeouts';

/**
 * Whether the worker's background work is moving: the relay keeps the change log's backlog young,
 * and the sweeper (one at a time across workers) keeps saving its shared cursor. Both read
 * PostgreSQL: when it cannot answer in time they are down, never an error.
 */
@Injectable()
export class ProgressHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly changes: ChangeBacklog,
    private readonly sweeps: SweeperStateRepository,
    @Inject(consistencyConfig.KEY) private readonly cfg: ConsistencyConfig,
  ) {}

  /** The worker's readiness checks besides the stores' (see Readiness): `relay` and `sweeper`. */
  readonly checks: HealthIndicatorFunction[] = [() => this.relay('relay'), () => this.sweeper('sweeper')];

  /** Down when the oldest unrelayed change is older than 10 polls (at least 30 s). */
  async relay(key: string): Promise<HealthIndicatorResult> {
    const probe = this.indicator.check(key);
    if (!this.cfg.relay.enabled) return probe.up({ enabled: false });
    const backlog = await bounded(this.changes.read());
    if (backlog instanceof Error) return probe.down({ message: `change log unreadable: ${backlog.message}` });
    const ageS = backlog.oldest ? (Date.now() - backlog.oldest.getTime()) / 1000 : 0;
    const limitS = Math.max(30, (this.cfg.relay.pollIntervalMs * 10) / 1000);
    const details = { backlog: backlog.count, oldestAgeSeconds: Math.round(ageS) };
    return ageS <= limitS ? probe.up(details) : probe.down({ ...details, message: `changes wait longer than ${limitS} s to be relayed` });
  }

  /** Down when no sweeper has saved the shared cursor for 3 intervals (at least 60 s). */
  async sweeper(key: string): Promise<HealthIndicatorResult> {
    const probe = this.indicator.check(key);
    if (!this.cfg.sweep.enabled) return probe.up({ enabled: false });
    const updatedAt = await bounded(this.sweeps.lastSavedAt(SWEEPER));
    if (updatedAt instanceof Error) return probe.down({ message: `sweeper state unreadable: ${updatedAt.message}` });
    const limitS = Math.max(60, (this.cfg.sweep.intervalMs * 3) / 1000);
    if (!updatedAt) return probe.up({ message: 'no tick yet' });
    const ageS = (Date.now() - updatedAt.getTime()) / 1000;
    const details = { lastTickSecondsAgo: Math.round(ageS) };
    return ageS <= limitS ? probe.up(details) : probe.down({ ...details, message: `no sweep tick for over ${limitS} s` });
  }
}

function bounded<T>(read: Promise<T>): Promise<T | Error> {
  return withTimeout(read, HEALTH_TIMEOUT_MS).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
}
