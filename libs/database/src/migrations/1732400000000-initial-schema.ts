import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1732400000000 implements MigrationInterface {
  name = 'InitialSchema1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE items (
        id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        name       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        value      jsonb       NOT NULL CHECK (value <> 'null'::jsonb),
        version    integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE inconsistencies (
        id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        cache_key         text        NOT NULL,
        item_id           uuid        NOT NULL,
        status            text        NOT NULL CHECK (status IN ('confirmed', 'persistent', 'resolved')),
        kind              text        NOT NULL CHECK (kind IN ('stale', 'ahead', 'corrupt', 'orphan')),
        db_version        integer,
        cache_version     integer,
        db_value          jsonb,
        cache_value       jsonb,
        count             integer     NOT NULL DEFAULT 1 CHECK (count >= 1),
        first_detected_at timestamptz NOT NULL,
        confirmed_at      timestamptz NOT NULL DEFAULT now(),
        last_seen_at      timestamptz NOT NULL DEFAULT now(),
        resolved_at       timestamptz,
        resolution        text        CHECK (resolution IN ('self_healed', 'refreshed', 'item_deleted')),
        detected_by       text        NOT NULL CHECK (detected_by IN ('write', 'sweep', 'manual')),
        CONSTRAINT inconsistencies_resolved_consistent
          CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND resolution IS NOT NULL))
      )`);
    // At most one open record per key: concurrent workers upsert into it instead of duplicating.
    await q.query(`CREATE UNIQUE INDEX inconsistencies_one_open_per_key ON inconsistencies (cache_key) WHERE status <> 'resolved'`);
    await q.query(`CREATE INDEX inconsistencies_last_seen ON inconsistencies (last_seen_at DESC)`);
    await q.query(`CREATE INDEX inconsistencies_open_last_seen ON inconsistencies (last_seen_at DESC) WHERE status <> 'resolved'`);
    await q.query(`
      CREATE TABLE sweeper_state (
        name             text        PRIMARY KEY,
        item_cursor      uuid,
        key_cursor       text        NOT NULL DEFAULT '0',
        phase            text        NOT NULL DEFAULT 'items' CHECK (phase IN ('items', 'keys')),
        passes           bigint      NOT NULL DEFAULT 0,
        pass_started_at  timestamptz,
        last_pass_ms     integer,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sweeper_state`);
    await q.query(`DROP TABLE inconsistencies`);
    await q.query(`DROP TABLE items`);
  }
}
