import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every table Polaris owns, the demo's included, and TypeORM's record of migrations. */
const TABLES = ['items', 'inconsistencies', 'item_changes', 'sweeper_state', 'source_changes', 'source_sweep_state', 'typeorm_migrations'];
const FUNCTIONS = ['polaris_capture_item_change'];

/**
 * Polaris's tables and functions move into their own schema (POLARIS_SCHEMA, default `polaris`; its
 * sessions set `polaris.schema` and put it first on their search_path), so that in an application's
 * database Polaris creates nothing in the application's schemas but the capture triggers. The items'
 * capture function runs in the writers' sessions, whatever their search_path: it names its change
 * log by schema. (The declared sources' capture functions are installed by migrate, after the
 * migrations, where Polaris's schema already is.)
 */
export class PolarisSchema1732900000000 implements MigrationInterface {
  name = 'PolarisSchema1732900000000';

  async up(q: QueryRunner): Promise<void> {
    const [{ from, to }] = await q.query(
      `SELECT quote_ident(current_schema()) AS from, quote_ident(coalesce(nullif(current_setting('polaris.schema', true), ''), 'polaris')) AS to`,
    );
    await q.query(`CREATE SCHEMA IF NOT EXISTS ${to}`);
    if (from !== to) {
      for (const table of TABLES) await q.query(`ALTER TABLE ${from}.${table} SET SCHEMA ${to}`);
      for (const fn of FUNCTIONS) await q.query(`ALTER FUNCTION ${from}.${fn}() SET SCHEMA ${to}`);
    }
    await q.query(itemCapture(to));
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ from }] = await q.query(
      `SELECT quote_ident(coalesce(nullif(current_setting('polaris.schema', true), ''), 'polaris')) AS from`,
    );
    if (from !== 'public') {
      for (const table of TABLES) await q.query(`ALTER TABLE ${from}.${table} SET SCHEMA public`);
      for (const fn of FUNCTIONS) await q.query(`ALTER FUNCTION ${from}.${fn}() SET SCHEMA public`);
    }
    await q.query(itemCapture('public'));
  }
}

function itemCapture(schema: string): string {
  return `
    CREATE OR REPLACE FUNCTION ${schema}.polaris_capture_item_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      origin text := CASE WHEN current_setting('polaris.origin', true) = 'api' THEN 'api' ELSE 'external' END;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO ${schema}.item_changes (item_id, op, new_version, new_name, origin)
        VALUES (NEW.id, 'insert', NEW.version, NEW.name, origin);
      ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO ${schema}.item_changes (item_id, op, old_version, new_version, old_name, new_name, origin)
        VALUES (NEW.id, 'update', OLD.version, NEW.version, OLD.name, NEW.name, origin);
      ELSE
        INSERT INTO ${schema}.item_changes (item_id, op, old_version, old_name, origin)
        VALUES (OLD.id, 'delete', OLD.version, OLD.name, origin);
      END IF;
      IF origin = 'external' THEN PERFORM pg_notify('polaris_item_changes', ''); END IF;
      RETURN NULL;
    END
    $$`;
}
