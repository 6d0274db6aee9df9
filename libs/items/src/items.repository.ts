import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ItemChangesNotifier, sqlRows } from '@app/database';
import { Item, ItemUpdate, JsonValue, UpdatedItem } from './item';
import { ItemEntity } from './item.entity';

interface ItemRow {
  id: string;
  name: string;
  value: JsonValue;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, value, version, created_at, updated_at';

/**
 * Marks the statement's transaction as the api's own (`SET LOCAL polaris.origin = 'api'`), so the
 * change-capture trigger tells api writes from out-of-band ones. As a FROM item it runs before the
 * row triggers fire, and it costs no extra round trip.
 */
const API_ORIGIN = `(SELECT set_config('polaris.origin', 'api', true)) AS api_origin`;

export function toItem(row: ItemRow): Item {
  return {
    id: row.id,
    name: row.name,
    value: row.value,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * The only code that reads or writes the `items` table. Every write marks its transaction as the
 * api's and, once committed, wakes the change relay (the capture trigger only notifies for
 * out-of-band writes; see the NotifyOutOfBandOnly migration).
 */
@Injectable()
export class ItemsRepository {
  private readonly relay: ItemChangesNotifier;

  constructor(@InjectRepository(ItemEntity) private readonly repo: Repository<ItemEntity>) {
    this.relay = new ItemChangesNotifier(repo.manager);
  }

  async create(name: string, value: JsonValue): Promise<Item> {
    const rows: ItemRow[] = await sqlRows(
      this.repo.manager,
      `INSERT INTO items (name, value) SELECT $1, $2::jsonb FROM ${API_ORIGIN} RETURNING ${COLUMNS}`,
      [name, JSON.stringify(value)],
    );
    this.relay.poke();
    return toItem(rows[0]);
  }

  async findById(id: string): Promise<Item | null> {
    const rows: ItemRow[] = await sqlRows(this.repo.manager, `SELECT ${COLUMNS} FROM items WHERE id = $1`, [id]);
    return rows.length ? toItem(rows[0]) : null;
  }

  /** The rows that exist among `ids`, keyed by id. */
  async findByIds(ids: readonly string[]): Promise<Map<string, Item>> {
    if (ids.length === 0) return new Map();
    const rows: ItemRow[] = await sqlRows(this.repo.manager, `SELECT ${COLUMNS} FROM items WHERE id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.id, toItem(r)]));
  }

  /**
   * Which of `ids` have no row. The sweeper's orphan check: nearly every id exists, so only the
   * few missing ones are sent back, and the lookups are index-only scans.
   */
  async missingIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: { id: string }[] = await sqlRows(
      this.repo.manager,
      `SELECT t.id FROM unnest($1::uuid[]) AS t(id) WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = t.id)`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** One keyset page in id order, starting after `after`. */
  async page(after: string | undefined, limit: number): Promise<Item[]> {
    const rows: ItemRow[] = await sqlRows(
      this.repo.manager,
      `SELECT ${COLUMNS} FROM items WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [after ?? null, limit],
    );
    return rows.map(toItem);
  }

  /** The fields a consistency comparison needs, one keyset page in id order (the sweeper's read). */
  statesAfter(after: string | null, limit: number): Promise<Pick<Item, 'id' | 'name' | 'value' | 'version'>[]> {
    return sqlRows(
      this.repo.manager,
      `SELECT id, name, value, version FROM items WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [after, limit],
    );
  }

  /**
   * Updates the row and bumps its version in one statement (one implicit transaction). Null when the
   * id is unknown or `expectedVersion` differs. The row as it was before is read only on request
   * (failure injection needs it): locking and copying it makes the statement ~30% slower.
   */
  async update(id: string, change: ItemUpdate, withPrevious = false): Promise<UpdatedItem | null> {
    const params = [id, change.name ?? null, JSON.stringify(change.value), change.expectedVersion ?? null];
    if (!withPrevious) {
      const rows: ItemRow[] = await sqlRows(
        this.repo.manager,
        `UPDATE items SET name = COALESCE($2, name), value = $3::jsonb, version = version + 1, updated_at = now()
           FROM ${API_ORIGIN}
          WHERE id = $1 AND ($4::int IS NULL OR version = $4::int)
         RETURNING ${COLUMNS}`,
        params,
      );
      if (rows.length === 0) return null;
      this.relay.poke();
      return { current: toItem(rows[0]) };
    }
    const rows: (ItemRow & { prev: ItemRow })[] = await sqlRows(
      this.repo.manager,
      `WITH prev AS (SELECT ${COLUMNS} FROM items WHERE id = $1 FOR UPDATE)
       UPDATE items AS i
          SET name = COALESCE($2, i.name), value = $3::jsonb, version = i.version + 1, updated_at = now()
         FROM prev, ${API_ORIGIN}
        WHERE i.id = prev.id AND ($4::int IS NULL OR prev.version = $4::int)
       RETURNING i.id, i.name, i.value, i.version, i.created_at, i.updated_at, to_jsonb(prev) AS prev`,
      params,
    );
    if (rows.length === 0) return null;
    this.relay.poke();
    const { prev, ...current } = rows[0];
    return {
      current: toItem(current),
      previous: toItem({ ...prev, created_at: new Date(prev.created_at), updated_at: new Date(prev.updated_at) }),
    };
  }

  async currentVersion(id: string): Promise<number | null> {
    const rows: { version: number }[] = await sqlRows(this.repo.manager, `SELECT version FROM items WHERE id = $1`, [id]);
    return rows.length ? rows[0].version : null;
  }

  async delete(id: string): Promise<boolean> {
    const rows: unknown[] = await sqlRows(this.repo.manager, `DELETE FROM items USING ${API_ORIGIN} WHERE id = $1 RETURNING id`, [id]);
    if (rows.length > 0) this.relay.poke();
    return rows.length > 0;
  }
}
