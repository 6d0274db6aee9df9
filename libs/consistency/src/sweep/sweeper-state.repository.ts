import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { sqlRows } from '@app/database';

/** The sweepers' shared state row: every worker sweeps the same pass, one tick at a time. */
export const SWEEPER = 'default';

/** Where a sweep pass stands. A pass audits every row (phase items), then every cache key (phase keys). */
export interface SweepCursor {
  phase: 'items' | 'keys';
  itemCursor: string | null;
  keyCursor: string;
  passes: number;
  passStartedAt: Date | null;
  lastPassMs: number | null;
}

/** For the metrics: since when a sweep has been in its pass (or between passes), and how long its last pass took. */
export interface SweepProgress {
  since: Date;
  lastPassMs: number | null;
}

const START: SweepCursor = { phase: 'items', itemCursor: null, keyCursor: '0', passes: 0, passStartedAt: null, lastPassMs: null };

/** The only code that reads or writes the `sweeper_state` table. */
@Injectable()
export class SweeperStateRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  async load(name: string): Promise<SweepCursor> {
    const [row] = await sqlRows<{
      phase: SweepCursor['phase'];
      item_cursor: string | null;
      key_cursor: string;
      passes: string;
      pass_started_at: Date | null;
      last_pass_ms: number | null;
    }>(this.manager, `SELECT phase, item_cursor, key_cursor, passes, pass_started_at, last_pass_ms FROM sweeper_state WHERE name = $1`, [
      name,
    ]);
    if (!row) return { ...START };
    return {
      phase: row.phase,
      itemCursor: row.item_cursor,
      keyCursor: row.key_cursor,
      passes: Number(row.passes),
      passStartedAt: row.pass_started_at,
      lastPassMs: row.last_pass_ms,
    };
  }

  /** When a sweeper last saved the cursor, or null before the first tick. */
  async lastSavedAt(name: string): Promise<Date | null> {
    const [row] = await sqlRows<{ updated_at: Date }>(this.manager, `SELECT updated_at FROM sweeper_state WHERE name = $1`, [name]);
    return row?.updated_at ?? null;
  }

  /**
   * Since when the sweep has been in its current state: the start of the pass in progress or, between
   * passes, the end of the last one (the save that completed it); with the last pass's duration. Null
   * before the first tick.
   */
  async progress(name: string): Promise<SweepProgress | null> {
    const [row] = await sqlRows<{ since: Date; last_pass_ms: number | null }>(
      this.manager,
      `SELECT coalesce(pass_started_at, updated_at) AS since, last_pass_ms FROM sweeper_state WHERE name = $1`,
      [name],
    );
    return row ? { since: row.since, lastPassMs: row.last_pass_ms } : null;
  }

  /**
   * Takes the next fence for a sweeper about to tick. Only the newest fence may save the cursor, so a
   * worker that stalled past its lock's TTL cannot overwrite what the lock's next holder wrote.
   */
  async nextFence(name: string): Promise<number> {
    const [row] = await sqlRows<{ fence: string }>(
      this.manager,
      `INSERT INTO sweeper_state (name, fence) VALUES ($1, 1)
       ON CONFLICT (name) DO UPDATE SET fence = sweeper_state.fence + 1
       RETURNING fence`,
      [name],
    );
    return Number(row.fence);
  }

  /** Saves the cursor if `fence` is still the newest; false when another sweeper has taken over. */
  async save(name: string, c: SweepCursor, fence: number): Promise<boolean> {
    const rows = await sqlRows(
      this.manager,
      `UPDATE sweeper_state SET phase = $2, item_cursor = $3, key_cursor = $4, passes = $5,
              pass_started_at = $6, last_pass_ms = $7, updated_at = now()
        WHERE name = $1 AND fence = $8
       RETURNING name`,
      [name, c.phase, c.itemCursor, c.keyCursor, c.passes, c.passStartedAt, c.lastPassMs, fence],
    );
    return rows.length === 1;
  }
}
