import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transactional change capture: a trigger writes every change to `items` into `item_changes` in the
 * same transaction, and notifies the relay. Writes made with plain SQL are captured exactly like the
 * api's; the api marks its own transactions with `polaris.origin = 'api'`.
 */
export class ChangeCapture1732500000000 implements MigrationInterface {
  name = 'ChangeCapture1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE item_changes (
        id           bigserial   PRIMARY KEY,
        item_id      uuid        NOT NULL,
        op           text        NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
        old_version  integer,
        new_version  integer,
        old_name     text,
        new_name     text,
        origin       text        NOT NULL CHECK (origin IN ('api', 'external')),
        changed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
        processed_at timestamptz
      )`);
    await q.query(`CREATE INDEX item_changes_unprocessed ON item_changes (id) WHERE processed_at IS NULL`);
    await q.query(`CREATE INDEX item_changes_by_item ON item_changes (item_id, changed_at)`);
    await q.query(`CREATE INDEX item_changes_processed_at ON item_changes (processed_at) WHERE processed_at IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION polaris_capture_item_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        origin text := CASE WHEN current_setting('polaris.origin', true) = 'api' THEN 'api' ELSE 'external' END;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO item_changes (item_id, op, new_version, new_name, origin)
          VALUES (NEW.id, 'insert', NEW.version, NEW.name, origin);
        ELSIF TG_OP = 'UPDATE' THEN
          INSERT INTO item_changes (item_id, op, old_version, new_version, old_name, new_name, origin)
          VALUES (NEW.id, 'update', OLD.version, NEW.version, OLD.name, NEW.name, origin);
        ELSE
          INSERT INTO item_changes (item_id, op, old_version, old_name, origin)
          VALUES (OLD.id, 'delete', OLD.version, OLD.name, origin);
        END IF;
        -- Identical notifications in one transaction are delivered once, at commit.
        PERFORM pg_notify('polaris_item_changes', '');
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER items_capture_changes
        AFTER INSERT OR UPDATE OR DELETE ON items
        FOR EACH ROW EXECUTE FUNCTION polaris_capture_item_change()`);

    await q.query(`ALTER TABLE inconsistencies DROP CONSTRAINT inconsistencies_resolution_check`);
    await q.query(`ALTER TABLE inconsistencies ADD CONSTRAINT inconsistencies_resolution_check
      CHECK (resolution IN ('self_healed', 'refreshed', 'item_deleted', 'auto_healed'))`);
    await q.query(`ALTER TABLE inconsistencies DROP CONSTRAINT inconsistencies_detected_by_check`);
    await q.query(`ALTER TABLE inconsistencies ADD CONSTRAINT inconsistencies_detected_by_check
      CHECK (detected_by IN ('write', 'change', 'sweep', 'manual'))`);
    await q.query(`ALTER TABLE inconsistencies ADD COLUMN timeline jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE sweeper_state ADD COLUMN fence bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sweeper_state DROP COLUMN fence`);
    await q.query(`ALTER TABLE inconsistencies DROP COLUMN timeline`);
    await q.query(`ALTER TABLE inconsistencies DROP CONSTRAINT inconsistencies_detected_by_check`);
    await q.query(
      `ALTER TABLE inconsistencies ADD CONSTRAINT inconsistencies_detected_by_check CHECK (detected_by IN ('write', 'sweep', 'manual'))`,
    );
    await q.query(`ALTER TABLE inconsistencies DROP CONSTRAINT inconsistencies_resolution_check`);
    await q.query(
      `ALTER TABLE inconsistencies ADD CONSTRAINT inconsistencies_resolution_check CHECK (resolution IN ('self_healed', 'refreshed', 'item_deleted'))`,
    );
    await q.query(`DROP TRIGGER items_capture_changes ON items`);
    await q.query(`DROP FUNCTION polaris_capture_item_change()`);
    await q.query(`DROP TABLE item_changes`);
  }
}
