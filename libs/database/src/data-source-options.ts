import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '@app/config';
import { MIGRATIONS } from './migrations';

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
    },
  };
}
