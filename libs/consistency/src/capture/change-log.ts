import { EntityManager } from 'typeorm';
import { sqlRows } from '@app/database';

/** Changes captured but not relayed yet. */
export interface Backlog {
  count: number;
  oldest: Date | null;
}

/**
 * Claims up to `limit` rows of a change log (a table the capture triggers fill), oldest first, and
 * hands them to `relay` inside one transaction; they are deleted only if `relay` succeeds and the
 * commit lands. Concurrent relays skip each other's rows (SKIP LOCKED); a relay killed mid-batch
 * leaves its rows for the next. The delete names its rows by `= ANY(array)`, an index lookup
 * whatever the table's statistics say.
 */
export function claimChanges<Row extends { id: string }>(
  manager: EntityManager,
  table: 'item_changes' | 'source_changes',
  limit: number,
  relay: (rows: Row[]) => Promise<void>,
): Promise<number> {
  return manager.transaction(async (tx) => {
    const rows = await sqlRows<Row>(tx, `SELECT * FROM ${table} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, [limit]);
    if (rows.length > 0) {
      await relay(rows);
      await sqlRows(tx, `DELETE FROM ${table} WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    }
    return rows.length;
  });
}

/** Relays batch after batch until the log is drained (a short batch) or `shouldStop`; returns how many changes it carried. */
export async function drainChanges(relayBatch: () => Promise<number>, batchSize: number, shouldStop: () => boolean): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await relayBatch();
    total += n;
    if (n < batchSize || shouldStop()) return total;
  }
}
