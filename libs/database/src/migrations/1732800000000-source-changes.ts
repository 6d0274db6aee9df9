import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change capture for declared sources (polaris.yaml). `npm run migrate` installs one row trigger per
 * source table, `polaris_capture_source_change(source, column...)`, which logs the key columns'
 * text before and after each change, so that both the old and the new cache keys get checked. The
 * log is a queue: the relay deletes the rows it has relayed.
 */
export class SourceChanges1732800000000 implements MigrationInterface {
  name = 'SourceChanges1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE source_changes (
        id         bigserial   PRIMARY KEY,
        source     text        NOT NULL,
        op         text        NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
        old_keys   jsonb,
        new_keys   jsonb,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`
      CREATE FUNCTION polaris_capture_source_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        old_keys jsonb;
        new_keys jsonb;
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          SELECT jsonb_object_agg(key, value) INTO old_keys FROM jsonb_each_text(to_jsonb(OLD)) WHERE key = ANY (TG_ARGV[1:]);
        END IF;
        IF TG_OP <> 'DELETE' THEN
          SELECT jsonb_object_agg(key, value) INTO new_keys FROM jsonb_each_text(to_jsonb(NEW)) WHERE key = ANY (TG_ARGV[1:]);
        END IF;
        INSERT INTO source_changes (source, op, old_keys, new_keys) VALUES (TG_ARGV[0], lower(TG_OP), old_keys, new_keys);
        PERFORM pg_notify('polaris_source_changes', TG_ARGV[0]);
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION polaris_capture_source_change() CASCADE`);
    await q.query(`DROP TABLE source_changes`);
  }
}
