import { Global, Logger, Module } from '@nestjs/common';
import { getEntityManagerToken } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { CacheModule } from '@app/cache';
import { consistencyConfig, ConsistencyConfig, databaseConfig, DatabaseConfig, redisConfig, RedisConfig } from '@app/config';
import { sqlRows } from '@app/database';
import { builtInDeclaration } from './declaration/built-in-source';
import { OrphanFinder } from './inspect/orphan-finder';
import { SourceHealer } from './inspect/source-healer';
import { SourceInspector } from './inspect/source-inspector';
import { SourceRows } from './inspect/source-rows';
import { loadSources } from './registry/load-sources';
import { SourceRegistry } from './registry/source.registry';
import { SourcesService } from './sources.service';

/**
 * The declared sources, checked against the database once at boot: a declaration that does not fit
 * the database stops the process (DeclarationError names each source and field).
 */
@Global()
@Module({
  imports: [CacheModule],
  providers: [
    {
      provide: SourceRegistry,
      inject: [consistencyConfig.KEY, databaseConfig.KEY, redisConfig.KEY, getEntityManagerToken()],
      useFactory: async (cfg: ConsistencyConfig, db: DatabaseConfig, redis: RedisConfig, manager: EntityManager) => {
        const builtIn = builtInDeclaration({
          schema: db.schema,
          keyPrefix: redis.keyPrefix,
          onChange: cfg.outOfBandPolicy === 'detect' ? 'check' : cfg.outOfBandPolicy,
          heal: cfg.healPolicy,
        });
        const { sources, warnings } = await loadSources(cfg.sourcesFile, (sql, params) => sqlRows(manager, sql, params), builtIn);
        const log = new Logger('Sources');
        for (const w of warnings) log.warn(w);
        const declared = sources.filter((s) => !s.builtIn);
        if (declared.length) log.log(`Guarding ${declared.map((s) => `${s.name} (${s.tableName})`).join(', ')}`);
        return new SourceRegistry(sources);
      },
    },
    SourcesService,
    SourceRows,
    SourceInspector,
    SourceHealer,
    OrphanFinder,
  ],
  exports: [SourceRegistry, SourcesService, SourceRows, SourceInspector, SourceHealer, OrphanFinder],
})
export class SourcesModule {}
