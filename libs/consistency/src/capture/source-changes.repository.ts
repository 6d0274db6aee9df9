import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { sqlRows } from '@app/database';
import { Backlog, claimChanges } from './change-log';
import { SourceChange } from './source-change';

interface Row {
  id: string;
  source: string;
  op: SourceChange['op'];
  old_keys: SourceChange['oldKeys'];
  new_keys: SourceChange['newKeys'];
  changed_at: Date;
}

const toChange = (r: Row): SourceChange => ({
  id: r.id,
  source: r.source,
  op: r.op,
  oldKeys: r.old_keys,
  newKeys: r.new_keys,
  changedAt: r.changed_at,
});

/** The only code that reads or writes `source_changes` (the capture triggers aside): a queue of changes not yet relayed. */
@Injectable()
export class SourceChangesRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /** Claims up to `limit` changes for `relay`, deleted when it succeeds (see claimChanges). */
  claim(limit: number, relay: (changes: SourceChange[]) => Promise<void>): Promise<number> {
    return claimChanges<Row>(this.manager, 'source_changes', limit, (rows) => relay(rows.map(toChange)));
  }

  /** Changes captured but not relayed yet. */
  async backlog(): Promise<Backlog> {
    const [row] = await sqlRows<{ n: number; oldest: Date | null }>(
      this.manager,
      `SELECT count(*)::int AS n, min(changed_at) AS oldest FROM source_changes`,
    );
    return { count: row.n, oldest: row.oldest };
  }
}
