import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '@app/config';
import { dataSourceOptions, ensureDatabase, migrate, MIGRATIONS } from '@app/database';
import { dropDatabase, TEST_POSTGRES } from '@app/testing';

const POLARIS_TABLES = [
  'inconsistencies',
  'item_changes',
  'items',
  'source_changes',
  'source_sweep_state',
  'sweeper_state',
  'typeorm_migrations',
];

/**
 * Polaris keeps its tables, functions and the demo items in one schema (POLARIS_SCHEMA), so that in an
 * application's database it adds nothing to the application's schemas but capture triggers.
 */
describe('the Polaris schema', () => {
  const databases: string[] = [];

  function config(schema: string): DatabaseConfig {
    const name = `polaris_test_schema_${schema}_${process.pid}`;
    databases.push(name);
    return { url: `${TEST_POSTGRES}/${name}`, schema, poolSize: 2, connectTimeoutMs: 2000, queryTimeoutMs: 10_000 };
  }

  /** A plain session, with the default search_path an application has. */
  async function plain<T>(db: DatabaseConfig, work: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  }

  const tablesBySchema = (db: DatabaseConfig) =>
    plain(db, async (c) =>
      (
        await c.query(
          `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_name = ANY($1) ORDER BY table_name`,
          [POLARIS_TABLES],
        )
      ).rows.map((r) => r.t),
    );

  afterAll(async () => {
    for (const name of databases) await dropDatabase(TEST_POSTGRES, name);
  });

  it('a fresh database: every Polaris table and function in `polaris`, none in public', async () => {
    const db = config('polaris');
    await migrate(db);
    expect(await tablesBySchema(db)).toEqual(POLARIS_TABLES.map((t) => `polaris.${t}`));
    const functions = await plain(db, async (c) =>
      (
        await c.query(
          `SELECT n.nspname || '.' || p.proname AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname LIKE 'polaris_%' ORDER BY 1`,
        )
      ).rows.map((r) => r.f),
    );
    expect(functions).toEqual(['polaris.polaris_capture_item_change']); // sources' capture functions come with their declaration
    expect(await migrate(db)).toEqual([]); // up to date: TypeORM finds its record in the new schema
  });

  it('an application session with its own search_path writes the demo items and is captured', async () => {
    const db = config('captured');
    await migrate(db);
    const changes = await plain(db, async (c) => {
      await c.query(`INSERT INTO captured.items (name, value) VALUES ('x', '1')`);
      await c.query('SET search_path TO pg_catalog');
      await c.query(`UPDATE captured.items SET version = version + 1`);
      return (await c.query(`SELECT op, origin FROM captured.item_changes ORDER BY id`)).rows;
    });
    expect(changes).toEqual([
      { op: 'insert', origin: 'external' },
      { op: 'update', origin: 'external' },
    ]);
  });

  it('an existing installation moves into the schema with its data, and a custom POLARIS_SCHEMA is honoured', async () => {
    const db = config('guard');
    await ensureDatabase(db.url);
    // Migrated by the previous release: its tables in public.
    const before = new DataSource({ ...dataSourceOptions({ ...db, schema: 'public' }), migrations: MIGRATIONS.slice(0, -1) });
    await before.initialize();
    await before.runMigrations({ transaction: 'each' });
    await before.query(`INSERT INTO items (name, value) VALUES ('kept', '{"a": 1}')`);
    await before.destroy();
    expect(await tablesBySchema(db)).toEqual(POLARIS_TABLES.map((t) => `public.${t}`));

    expect(await migrate(db)).toEqual(['PolarisSchema1732900000000']);
    expect(await tablesBySchema(db)).toEqual(POLARIS_TABLES.map((t) => `guard.${t}`));
    expect(await plain(db, async (c) => (await c.query(`SELECT name FROM guard.items`)).rows)).toEqual([{ name: 'kept' }]);
    expect(await migrate(db)).toEqual([]);
  });
});
