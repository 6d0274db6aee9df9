import { Inject, Injectable } from '@nestjs/common';
import { consistencyConfig, ConsistencyConfig, databaseConfig, DatabaseConfig, redisConfig, RedisConfig } from '@app/config';
import { BUILT_IN_SOURCE } from './declaration/source-declaration';
import { SourceDto, SourceKeyDto } from './dto/source.dto';
import type { Source } from './registry/source';
import { SourceRegistry } from './registry/source.registry';

const GUARDED_BY = {
  trigger: 'changes are captured by a trigger and checked, and the sweep checks every row',
  none: 'the sweep (and audit) alone: no trigger on the table',
} as const;

/** What GET /sources answers: the built-in items source, then every declared one. */
@Injectable()
export class SourcesService {
  constructor(
    private readonly registry: SourceRegistry,
    @Inject(redisConfig.KEY) private readonly redis: RedisConfig,
    @Inject(consistencyConfig.KEY) private readonly consistency: ConsistencyConfig,
    @Inject(databaseConfig.KEY) private readonly db: DatabaseConfig,
  ) {}

  list(): SourceDto[] {
    return [this.builtIn(), ...this.registry.sources.map(toSourceDto)];
  }

  private builtIn(): SourceDto {
    const prefix = this.redis.keyPrefix;
    return {
      name: BUILT_IN_SOURCE,
      builtIn: true,
      table: `${this.db.schema}.items`,
      primaryKey: ['id'],
      version: 'version',
      onChange: this.consistency.outOfBandPolicy === 'detect' ? 'check' : this.consistency.outOfBandPolicy,
      heal: this.consistency.healPolicy,
      capture: 'trigger',
      guardedBy: GUARDED_BY.trigger,
      keys: [
        {
          key: `${prefix}{id}`,
          format: 'json',
          fields: { id: 'id', name: 'name', value: 'value', version: 'version' },
          scanPattern: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
        },
      ],
    };
  }
}

function toSourceDto(s: Source): SourceDto {
  return {
    name: s.name,
    builtIn: false,
    table: s.tableName,
    primaryKey: [...s.primaryKey],
    ...(s.version !== undefined ? { version: s.version } : {}),
    onChange: s.onChange,
    heal: s.heal,
    ...(s.checkDelayMs !== undefined ? { checkDelayMs: s.checkDelayMs } : {}),
    capture: s.capture,
    guardedBy: GUARDED_BY[s.capture],
    keys: s.keys.map((k): SourceKeyDto => ({
      key: k.template.text,
      format: k.format,
      ...(k.shape.format === 'string' ? { column: k.shape.column } : { fields: { ...k.shape.fields } }),
      scanPattern: k.template.scanPattern(),
    })),
  };
}
