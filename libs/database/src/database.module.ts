import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig, DatabaseConfig } from '@app/config';
import { dataSourceOptions } from './data-source-options';

/** PostgreSQL through TypeORM. */
@Module({})
export class DatabaseModule {
  /**
   * A service (api, worker) waits for PostgreSQL at boot: 10 tries, 2 s apart. A one-shot command
   * (`audit`, `waitAtBoot: false`) fails at once, so a cron or CI job learns of the outage from its exit status.
   */
  static forRoot({ waitAtBoot = true }: { waitAtBoot?: boolean } = {}): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [databaseConfig.KEY],
          useFactory: (db: DatabaseConfig) => ({
            ...dataSourceOptions(db),
            retryAttempts: waitAtBoot ? 10 : 0,
            retryDelay: 2000,
          }),
        }),
      ],
    };
  }
}
