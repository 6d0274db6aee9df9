import { Client } from 'pg';
import type { DatabaseConfig } from '@app/config';
import { sessionOptions } from '@app/database';
import { readDeclaration, SourceDeclaration } from '../declaration/source-declaration';
import { CaptureChanges, installCapture } from './capture-installer';
import { DescribedSources, describeSources, Query } from './describe-sources';

/** Reads the declaration at `file` and checks it against the database, with the built-in source after the declared ones when given. */
export async function loadSources(file: string, query: Query, builtIn?: SourceDeclaration): Promise<DescribedSources> {
  return describeSources([...readDeclaration(file), ...(builtIn ? [builtIn] : [])], query, file);
}

/** `npm run migrate`'s part for sources: the capture triggers made to match the declaration, in one transaction. */
export async function migrateSources(db: DatabaseConfig, file: string): Promise<CaptureChanges & { warnings: string[] }> {
  const client = new Client({ connectionString: db.url, connectionTimeoutMillis: db.connectTimeoutMs, options: sessionOptions(db) });
  await client.connect();
  const query: Query = async <T>(sql: string, params: unknown[]) => (await client.query(sql, params)).rows as T[];
  try {
    await client.query('BEGIN');
    const { sources, warnings } = await loadSources(file, query);
    const changes = await installCapture(sources, query);
    await client.query('COMMIT');
    return { ...changes, warnings };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}
