import { Injectable, Optional } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { sqlRows } from '@app/database';
import { Item, ItemUpdate, JsonValue } from './item';

export interface ItemRow {
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
 * Told after each of the api's writes to `items` commits. The change-capture trigger records every
 * write; a listener can act on it at once (the relay is woken this way, as the trigger only notifies
 * for out-of-band writes; see the NotifyOutOfBandOnly migration).
 */
export abstract class ItemWriteListener {
  abstract committed(): void;
}

/** The only code that reads or writes the `items` table. Every write marks its transaction as the api's. */
@Injectable()
export class ItemsRepository {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    @Optional() private readonly listener?: ItemWriteListener,
  ) {}

  async create(name: string, value: JsonValue): Promise<Item> {
    const rows: ItemRow[] = await sqlRows(
      this.manager,
      `INSERT INTO items (name, value) SELECT $1, $2::jsonb FROM ${API_ORIGIN} RETURNING ${COLUMNS}`,
      [name, JSON.stringify(value)],
    );
    this.listener?.committed();
    return toItem(rows[0]);
  }

  async findById(id: string): Promise<Item | null> {
    const rows: ItemRow[] = await sqlRows(this.manager, `SELECT ${COLUMNS} FROM items WHERE id = $1`, [id]);
    return rows.length ? toItem(rows[0]) : null;
  }

  /** The rows that exist among `ids`, keyed by id. */
  async findByIds(ids: readonly string[]): Promise<Map<string, Item>> {
    if (ids.length === 0) return new Map();
    const rows: ItemRow[] = await sqlRows(this.manager, `SELECT ${COLUMNS} FROM items WHERE id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.id, toItem(r)]));
  }

  /**
   * Which of `ids` have no row. The sweeper's orphan check: nearly every id exists, so only the
   * few missing ones are sent back, and the lookups are index-only scans.
   */
  async missingIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: { id: string }[] = await sqlRows(
      this.manager,
      `SELECT t.id FROM unnest($1::uuid[]) AS t(id) WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = t.id)`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** One keyset page in id order, starting after `after`. */
  async page(after: string | undefined, limit: number): Promise<Item[]> {
    const rows: ItemRow[] = await sqlRows(
      this.manager,
      `SELECT ${COLUMNS} FROM items WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [after ?? null, limit],
    );
    return rows.map(toItem);
  }

  /** Updates the row and bumps its version in one statement. Null when the id is unknown or `expectedVersion` differs. */
  async update(id: string, change: ItemUpdate): Promise<Item | null> {
    const rows: ItemRow[] = await sqlRows(
      this.manager,
      `UPDATE items SET name = COALESCE($2, name), value = $3::jsonb, version = version + 1, updated_at = now()
         FROM ${API_ORIGIN}
        WHERE id = $1 AND ($4::int IS NULL OR version = $4::int)
       RETURNING ${COLUMNS}`,
      [id, change.name ?? null, JSON.stringify(change.value), change.expectedVersion ?? null],
    );
    if (rows.length === 0) return null;
    this.listener?.committed();
    return toItem(rows[0]);
  }

  async currentVersion(id: string): Promise<number | null> {
    const rows: { version: number }[] = await sqlRows(this.manager, `SELECT version FROM items WHERE id = $1`, [id]);
    return rows.length ? rows[0].version : null;
  }

  async delete(id: string): Promise<boolean> {
    const rows: unknown[] = await sqlRows(this.manager, `DELETE FROM items USING ${API_ORIGIN} WHERE id = $1 RETURNING id`, [id]);
    if (rows.length > 0) this.listener?.committed();
    return rows.length > 0;
  }
}
