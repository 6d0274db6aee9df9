import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '@app/config';
import { MIGRATIONS } from './migrations';

/**
 * What every Polaris session sets: its schema first on the search_path (then public, where an
 * application's unqualified tables usually are), and `polaris.schema`, which migrations read.
 */
export function sessionOptions(db: Pick<DatabaseConfig, 'schema'>): string {
  return `-c search_path=${db.schema},public -c polaris.schema=${db.schema}`;
}

/** One definition of how Polaris talks to PostgreSQL, shared by the apps, the migrator and ormconfig.ts. */
export function dataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: db.url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    extra: {
      max: db.poolSize,
      connectionTimeoutMillis: db.connectTimeoutMs,
      query_timeout: db.queryTimeoutMs,
      application_name: 'polaris',
      options: sessionOptions(db),
    },
  };
}
