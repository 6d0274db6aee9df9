import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sources (polaris.yaml). Records carry their source, the differing fields, and versions as JSON
 * (an integer, or a timestamp's text); a record of a declared source has no item id, and may be
 * `diverged` (different, with no version to say which side is newer).
 *
 * Change capture for declared sources: `npm run migrate` installs a row trigger per source table
 * (see installCapture), which logs the key columns' text before and after each change into
 * `source_changes`, so that both the old and the new cache keys get checked. The log is a queue: the
 * relay deletes the rows it has relayed. The triggers do not NOTIFY: a notifying transaction holds
 * PostgreSQL's notification lock through its commit, which serialized the application's commits (a
 * tenth of its write throughput, measured); the relay polls instead.
 */
export class Sources1732800000000 implements MigrationInterface {
  name = 'Sources1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inconsistencies ADD COLUMN source text NOT NULL DEFAULT 'items'`);
    await q.query(`ALTER TABLE inconsistencies ADD COLUMN diff jsonb`);
    await q.query(`ALTER TABLE inconsistencies ALTER COLUMN item_id DROP NOT NULL`);
    await q.query(`ALTER TABLE inconsistencies ALTER COLUMN db_version TYPE jsonb USING to_jsonb(db_version)`);
    await q.query(`ALTER TABLE inconsistencies ALTER COLUMN cache_version TYPE jsonb USING to_jsonb(cache_version)`);
    await q.query(`ALTER TABLE inconsistencies DROP CONSTRAINT inconsistencies_kind_check`);
    await q.query(`ALTER TABLE inconsistencies ADD CONSTRAINT inconsistencies_kind_check
      CHECK (kind IN ('stale', 'ahead', 'corrupt', 'diverged', 'orphan'))`);
    await q.query(`CREATE INDEX inconsistencies_source_last_seen ON inconsistencies (source, last_seen_at DESC)`);
    await q.query(`
      CREATE TABLE source_changes (
        id         bigserial   PRIMARY KEY,
        source     text        NOT NULL,
        op         text        NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
        old_keys   jsonb,
        new_keys   jsonb,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // Where the sweep of each declared source is: its rows phase (a keyset cursor over the primary
    // key), then its keys phase (a SCAN of each key template in turn).
    await q.query(`
      CREATE TABLE source_sweep_state (
        source          text        PRIMARY KEY,
        phase           text        NOT NULL DEFAULT 'rows' CHECK (phase IN ('rows', 'keys')),
        row_cursor      jsonb,
        key_template    integer     NOT NULL DEFAULT 0,
        key_cursor      text        NOT NULL DEFAULT '0',
        passes          bigint      NOT NULL DEFAULT 0,
        pass_started_at timestamptz,
        last_pass_ms    integer,
        last_pass_at    timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The capture functions migrate installed, with their triggers.
    await q.query(`
      DO $$ DECLARE f regprocedure; BEGIN
        FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE proname LIKE 'polaris\\_capture\\_%' AND proname <> 'polaris_capture_item_change' LOOP
          EXECUTE 'DROP FUNCTION ' || f || ' CASCADE';
        END LOOP;
      END $$`);
    await q.query(`DROP TABLE source_changes`);
    await q.query(`DROP TABLE source_sweep_state`);
    await q.query(`DELETE FROM inconsistencies WHERE source <> 'items'`);
    await q.query(`DROP INDEX inconsistencies_source_last_seen`);
    await q.query(`ALTER TABLE inconsistencies DROP CONSTRAINT inconsistencies_kind_check`);
    await q.query(
      `ALTER TABLE inconsistencies ADD CONSTRAINT inconsistencies_kind_check CHECK (kind IN ('stale', 'ahead', 'corrupt', 'orphan'))`,
    );
    await q.query(`ALTER TABLE inconsistencies ALTER COLUMN cache_version TYPE integer USING (cache_version #>> '{}')::integer`);
    await q.query(`ALTER TABLE inconsistencies ALTER COLUMN db_version TYPE integer USING (db_version #>> '{}')::integer`);
    await q.query(`ALTER TABLE inconsistencies ALTER COLUMN item_id SET NOT NULL`);
    await q.query(`ALTER TABLE inconsistencies DROP COLUMN diff`);
    await q.query(`ALTER TABLE inconsistencies DROP COLUMN source`);
  }
}
