import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { sqlRows } from '@app/database';
import { Backlog, claimChanges } from './change-log';
import { ItemChange } from './item-change';

interface Row {
  id: string;
  item_id: string;
  op: ItemChange['op'];
  old_version: number | null;
  new_version: number | null;
  old_name: string | null;
  new_name: string | null;
  origin: ItemChange['origin'];
  changed_at: Date;
}

const toChange = (r: Row): ItemChange => ({
  id: r.id,
  itemId: r.item_id,
  op: r.op,
  oldVersion: r.old_version,
  newVersion: r.new_version,
  oldName: r.old_name,
  newName: r.new_name,
  origin: r.origin,
  changedAt: r.changed_at,
});

/**
 * The only code that reads or writes the `item_changes` table (the capture trigger aside). The table
 * is a queue of changes not yet relayed: relaying a change deletes its row.
 */
@Injectable()
export class ItemChangesRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /** Claims up to `limit` changes for `relay`, deleted when it succeeds (see claimChanges). */
  claim(limit: number, relay: (changes: ItemChange[]) => Promise<void>): Promise<number> {
    return claimChanges<Row>(this.manager, 'item_changes', limit, (rows) => relay(rows.map(toChange)));
  }

  /** Changes captured but not relayed yet. */
  async backlog(): Promise<Backlog> {
    const [row] = await sqlRows<{ n: number; oldest: Date | null }>(
      this.manager,
      `SELECT count(*)::int AS n, min(changed_at) AS oldest FROM item_changes`,
    );
    return { count: row.n, oldest: row.oldest };
  }
}
