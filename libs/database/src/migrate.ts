import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '@app/config';
import { dataSourceOptions, sessionOptions } from './data-source-options';

const MIGRATION_LOCK = 724_001; // pg advisory lock id: one migrator at a time

/** Creates the database named in the URL when the server does not have it yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('POSTGRES_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently by another migrator
      });
    }
  } finally {
    await client.end();
  }
}

/** Creates the database if needed and applies pending migrations; returns their names. */
export async function migrate(db: DatabaseConfig): Promise<string[]> {
  await ensureDatabase(db.url);
  const lock = new Client({ connectionString: db.url, connectionTimeoutMillis: db.connectTimeoutMs, options: sessionOptions(db) });
  await lock.connect();
  const dataSource = new DataSource(dataSourceOptions(db));
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await lock.end();
  }
}
