import { Injectable } from '@nestjs/common';
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
  constructor(private readonly registry: SourceRegistry) {}

  list(): SourceDto[] {
    return [...(this.registry.builtIn ? [this.registry.builtIn] : []), ...this.registry.sources].map(toSourceDto);
  }
}

function toSourceDto(s: Source): SourceDto {
  return {
    name: s.name,
    builtIn: s.builtIn,
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
