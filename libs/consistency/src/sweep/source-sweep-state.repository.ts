import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { sqlRows } from '@app/database';
import type { SweepProgress } from './sweeper-state.repository';

/** Where the sweep of one declared source is. */
export interface SourceSweepCursor {
  phase: 'rows' | 'keys';
  /** The primary key's text of the last row compared; null at the start of a pass. */
  rowCursor: string[] | null;
  /** Which key template the keys phase scans, and the SCAN cursor in it. */
  keyTemplate: number;
  keyCursor: string;
  passes: number;
  passStartedAt: Date | null;
  lastPassMs: number | null;
  lastPassAt: Date | null;
}

interface Row {
  phase: SourceSweepCursor['phase'];
  row_cursor: string[] | null;
  key_template: number;
  key_cursor: string;
  passes: string;
  pass_started_at: Date | null;
  last_pass_ms: number | null;
  last_pass_at: Date | null;
}

const START: SourceSweepCursor = {
  phase: 'rows',
  rowCursor: null,
  keyTemplate: 0,
  keyCursor: '0',
  passes: 0,
  passStartedAt: null,
  lastPassMs: null,
  lastPassAt: null,
};

/** The only code that reads or writes `source_sweep_state`. */
@Injectable()
export class SourceSweepStateRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  async load(source: string): Promise<SourceSweepCursor> {
    const [r] = await sqlRows<Row>(this.manager, `SELECT * FROM source_sweep_state WHERE source = $1`, [source]);
    if (!r) return { ...START };
    return {
      phase: r.phase,
      rowCursor: r.row_cursor,
      keyTemplate: r.key_template,
      keyCursor: r.key_cursor,
      passes: Number(r.passes),
      passStartedAt: r.pass_started_at,
      lastPassMs: r.last_pass_ms,
      lastPassAt: r.last_pass_at,
    };
  }

  async save(source: string, c: SourceSweepCursor): Promise<void> {
    await sqlRows(
      this.manager,
      `INSERT INTO source_sweep_state (source, phase, row_cursor, key_template, key_cursor, passes, pass_started_at, last_pass_ms, last_pass_at, updated_at)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, now())
       ON CONFLICT (source) DO UPDATE SET phase = $2, row_cursor = $3::jsonb, key_template = $4, key_cursor = $5, passes = $6,
         pass_started_at = $7, last_pass_ms = $8, last_pass_at = $9, updated_at = now()`,
      [
        source,
        c.phase,
        c.rowCursor && JSON.stringify(c.rowCursor),
        c.keyTemplate,
        c.keyCursor,
        c.passes,
        c.passStartedAt,
        c.lastPassMs,
        c.lastPassAt,
      ],
    );
  }

  /** Every source's sweep progress (see SweeperStateRepository.progress), by source name. */
  async progress(): Promise<Map<string, SweepProgress>> {
    const rows = await sqlRows<{ source: string; since: Date; last_pass_ms: number | null }>(
      this.manager,
      `SELECT source, coalesce(pass_started_at, last_pass_at, updated_at) AS since, last_pass_ms FROM source_sweep_state`,
    );
    return new Map(rows.map((r) => [r.source, { since: r.since, lastPassMs: r.last_pass_ms }]));
  }

  /** Every source's last completed pass, by source name. */
  async lastPasses(): Promise<Map<string, { passes: number; lastPassMs: number | null; lastPassAt: Date | null }>> {
    const rows = await sqlRows<{ source: string; passes: string; last_pass_ms: number | null; last_pass_at: Date | null }>(
      this.manager,
      `SELECT source, passes, last_pass_ms, last_pass_at FROM source_sweep_state`,
    );
    return new Map(rows.map((r) => [r.source, { passes: Number(r.passes), lastPassMs: r.last_pass_ms, lastPassAt: r.last_pass_at }]));
  }
}
