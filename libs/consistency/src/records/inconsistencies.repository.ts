import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { sqlRows } from '@app/database';
import type { Observation } from '../outcome';
import { ConfirmInput, Inconsistency, InconsistencyStats, OpenRecords, OpenStatus, Resolution } from './inconsistency';

interface Row {
  id: string;
  source: string;
  cache_key: string;
  item_id: string | null;
  status: Inconsistency['status'];
  kind: Inconsistency['kind'];
  db_version: Inconsistency['dbVersion'];
  cache_version: Inconsistency['cacheVersion'];
  db_value: Inconsistency['dbValue'];
  cache_value: Inconsistency['cacheValue'];
  diff: Inconsistency['diff'];
  count: number;
  first_detected_at: Date;
  confirmed_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
  resolution: Resolution | null;
  detected_by: Inconsistency['detectedBy'];
  timeline?: Inconsistency['timeline'];
}

/** Every column but the timeline, which only the single-record read needs. */
const LIST_COLUMNS = `id, source, cache_key, item_id, status, kind, db_version, cache_version, db_value, cache_value, diff, count,
  first_detected_at, confirmed_at, last_seen_at, resolved_at, resolution, detected_by`;

function toInconsistency(r: Row): Inconsistency {
  return {
    id: r.id,
    source: r.source,
    cacheKey: r.cache_key,
    itemId: r.item_id,
    status: r.status,
    kind: r.kind,
    dbVersion: r.db_version,
    cacheVersion: r.cache_version,
    dbValue: r.db_value,
    cacheValue: r.cache_value,
    diff: r.diff,
    count: r.count,
    firstDetectedAt: r.first_detected_at,
    confirmedAt: r.confirmed_at,
    lastSeenAt: r.last_seen_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
    detectedBy: r.detected_by,
    ...(r.timeline ? { timeline: r.timeline } : {}),
  };
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** The only code that reads or writes the `inconsistencies` table. */
@Injectable()
export class InconsistenciesRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /** Open records among `cacheKeys`, keyed by cache key. */
  async findOpenByKeys(cacheKeys: readonly string[]): Promise<Map<string, { id: string; status: OpenStatus }>> {
    if (cacheKeys.length === 0) return new Map();
    const rows: { id: string; cache_key: string; status: OpenStatus }[] = await sqlRows(
      this.manager,
      `SELECT id, cache_key, status FROM inconsistencies WHERE cache_key = ANY($1::text[]) AND status <> 'resolved'`,
      [cacheKeys],
    );
    return new Map(rows.map((r) => [r.cache_key, { id: r.id, status: r.status }]));
  }

  /**
   * Writes the confirmed record. The partial unique index makes this race-free: when another
   * worker opened a record for the key first, this counts one more occurrence on it instead.
   */
  async confirm(input: ConfirmInput): Promise<{ record: Inconsistency; inserted: boolean }> {
    const o = input.observation;
    const rows: (Row & { inserted: boolean })[] = await sqlRows(
      this.manager,
      `INSERT INTO inconsistencies
         (cache_key, item_id, status, kind, db_version, cache_version, db_value, cache_value, first_detected_at, detected_by, timeline, source, diff)
       VALUES ($1, $2, 'confirmed', $3, $4::jsonb, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10::jsonb, $11, $12::jsonb)
       ON CONFLICT (cache_key) WHERE status <> 'resolved' DO UPDATE
         SET count = inconsistencies.count + 1, last_seen_at = now()
       RETURNING ${LIST_COLUMNS}, (xmax = 0) AS inserted`,
      [
        input.cacheKey,
        input.itemId,
        input.kind,
        json(o.dbVersion),
        json(o.cacheVersion),
        json(o.dbValue),
        json(o.cacheValue),
        input.firstDetectedAt,
        input.detectedBy,
        JSON.stringify(input.timeline),
        input.source,
        json(o.diff),
      ],
    );
    return { record: toInconsistency(rows[0]), inserted: rows[0].inserted };
  }

  /**
   * One more occurrence on the open record: count++, last_seen_at, the latest observation, and
   * status persistent. Returns the status it had before, so confirmed→persistent is logged once.
   */
  async touch(
    cacheKey: string,
    o: Observation & { outcome: Inconsistency['kind'] },
  ): Promise<{ id: string; count: number; previousStatus: OpenStatus } | null> {
    const rows = await sqlRows<{ id: string; count: number; previous_status: OpenStatus }>(
      this.manager,
      `WITH prev AS (
         SELECT id, status FROM inconsistencies WHERE cache_key = $1 AND status <> 'resolved' FOR UPDATE
       )
       UPDATE inconsistencies AS i
          SET count = i.count + 1, last_seen_at = now(), status = 'persistent',
              kind = $2, db_version = $3::jsonb, cache_version = $4::jsonb, db_value = $5::jsonb, cache_value = $6::jsonb, diff = $7::jsonb
         FROM prev
        WHERE i.id = prev.id
       RETURNING i.id, i.count, prev.status AS previous_status`,
      [cacheKey, o.outcome, json(o.dbVersion), json(o.cacheVersion), json(o.dbValue), json(o.cacheValue), json(o.diff)],
    );
    return rows.length ? { id: rows[0].id, count: rows[0].count, previousStatus: rows[0].previous_status } : null;
  }

  /** Closes the open record for the key, if any; only one caller gets it back. */
  async resolve(cacheKey: string, resolution: Resolution): Promise<Inconsistency | null> {
    const rows: Row[] = await sqlRows(
      this.manager,
      `UPDATE inconsistencies SET status = 'resolved', resolved_at = now(), resolution = $2
        WHERE cache_key = $1 AND status <> 'resolved'
       RETURNING ${LIST_COLUMNS}`,
      [cacheKey, resolution],
    );
    return rows.length ? toInconsistency(rows[0]) : null;
  }

  async findById(id: string): Promise<Inconsistency | null> {
    const rows: Row[] = await sqlRows(this.manager, `SELECT * FROM inconsistencies WHERE id = $1`, [id]);
    return rows.length ? toInconsistency(rows[0]) : null;
  }

  /** Newest last_seen first; of one source when `source` is given. */
  async list(activeOnly: boolean, limit: number, source?: string): Promise<Inconsistency[]> {
    const where = [activeOnly ? `status <> 'resolved'` : '', source !== undefined ? 'source = $2' : ''].filter(Boolean);
    const rows: Row[] = await sqlRows(
      this.manager,
      `SELECT ${LIST_COLUMNS} FROM inconsistencies ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_seen_at DESC, id LIMIT $1`,
      source !== undefined ? [limit, source] : [limit],
    );
    return rows.map(toInconsistency);
  }

  /** Item ids of open records, least recently seen first, for the sweeper to re-check. */
  async openItemIds(limit: number): Promise<string[]> {
    const rows: { item_id: string }[] = await sqlRows(
      this.manager,
      `SELECT item_id FROM inconsistencies WHERE status <> 'resolved' AND item_id IS NOT NULL ORDER BY last_seen_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.item_id);
  }

  /** Keys of `sources` with open records, least recently seen first, for the sweeper to re-check. */
  async openSourceKeys(sources: readonly string[], limit: number): Promise<{ source: string; key: string }[]> {
    if (sources.length === 0) return [];
    return sqlRows<{ source: string; key: string }>(
      this.manager,
      `SELECT source, cache_key AS key FROM inconsistencies WHERE status <> 'resolved' AND source = ANY($2::text[]) ORDER BY last_seen_at LIMIT $1`,
      [limit, sources],
    );
  }

  /** Whether any record, open or not, belongs to `source` (one no longer declared keeps its records). */
  async hasSource(source: string): Promise<boolean> {
    const rows = await sqlRows(this.manager, `SELECT 1 FROM inconsistencies WHERE source = $1 LIMIT 1`, [source]);
    return rows.length > 0;
  }

  /** Open records by source and kind. */
  async activeBySource(): Promise<Map<string, Record<string, number>>> {
    const rows = await sqlRows<{ source: string; kind: string; n: number }>(
      this.manager,
      `SELECT source, kind, count(*)::int AS n FROM inconsistencies WHERE status <> 'resolved' GROUP BY source, kind`,
    );
    const out = new Map<string, Record<string, number>>();
    for (const r of rows) out.set(r.source, { ...out.get(r.source), [r.kind]: r.n });
    return out;
  }

  async stats(): Promise<InconsistencyStats> {
    const [totals]: { active: string; resolved: string; total: string; avg_resolution_s: string | null }[] = await sqlRows(
      this.manager,
      `SELECT count(*) FILTER (WHERE status <> 'resolved') AS active,
              count(*) FILTER (WHERE status = 'resolved') AS resolved,
              count(*) AS total,
              avg(extract(epoch FROM resolved_at - first_detected_at)) FILTER (WHERE status = 'resolved') AS avg_resolution_s
         FROM inconsistencies`,
    );
    const open = await sqlRows<{ source: string; kind: OpenRecords['kind']; status: OpenStatus; n: string; oldest: Date }>(
      this.manager,
      `SELECT source, kind, status, count(*) AS n, min(first_detected_at) AS oldest
         FROM inconsistencies WHERE status <> 'resolved' GROUP BY source, kind, status`,
    );
    return {
      active: Number(totals.active),
      resolved: Number(totals.resolved),
      total: Number(totals.total),
      avgResolutionSeconds: totals.avg_resolution_s === null ? 0 : Number(totals.avg_resolution_s),
      open: open.map((r) => ({ source: r.source, kind: r.kind, status: r.status, count: Number(r.n), oldestDetectedAt: r.oldest })),
    };
  }
}
