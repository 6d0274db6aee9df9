import { ApiProperty } from '@nestjs/swagger';
import { ANY_JSON_BUT_NULL, JsonValue } from '@app/items';
import type { Version } from '../../outcome';
import type { Inconsistency } from '../inconsistency';

const anyJson = { ...ANY_JSON_BUT_NULL, description: 'JSON as observed', nullable: true };
/** The items' integer version, or a declared source's version column as text (e.g. a timestamp). */
const version = (example: number) => ({ oneOf: [{ type: 'integer' }, { type: 'string' }], nullable: true, example });

export class FieldDiffDto {
  @ApiProperty({ example: 'tier', description: 'The cache field (a string key: the column)' }) field: string;
  @ApiProperty({ ...ANY_JSON_BUT_NULL, nullable: true, description: 'What the cache holds (null: absent)' }) cache: JsonValue | null;
  @ApiProperty({ ...ANY_JSON_BUT_NULL, nullable: true, description: "The row's value" }) db: JsonValue | null;
}

/** One inconsistency record: the prototype's fields plus its lifecycle. */
export class InconsistencyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'item:6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f', description: 'The cache key' }) key: string;
  @ApiProperty({ example: 'items', description: '`items`, or the declared source the key belongs to' }) source: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The item id (null for a declared source)' }) itemId:
    string | null;
  @ApiProperty(version(2)) cacheVersion: Version | null;
  @ApiProperty(version(3)) dbVersion: Version | null;
  @ApiProperty({ example: false }) resolved: boolean;
  @ApiProperty({ minimum: 1, example: 4, description: 'Times the mismatch was observed while open' }) count: number;
  @ApiProperty(anyJson) cacheValue: JsonValue | null;
  @ApiProperty(anyJson) dbValue: JsonValue | null;
  @ApiProperty({ type: [FieldDiffDto], nullable: true, description: 'Declared sources: the fields that differ (at most 20)' }) diff:
    FieldDiffDto[] | null;
  @ApiProperty({ format: 'date-time', description: 'First detection (start of the grace period)' }) firstSeen: string;
  @ApiProperty({ format: 'date-time' }) lastSeen: string;
  @ApiProperty({ example: 4200, description: 'First detection until resolution, or until now while open' }) durationMs: number;
  @ApiProperty({ enum: ['confirmed', 'persistent', 'resolved'] }) status: Inconsistency['status'];
  @ApiProperty({
    enum: ['stale', 'ahead', 'corrupt', 'diverged', 'orphan'],
    description: 'diverged: different, with no version column to say which side is newer',
  })
  kind: Inconsistency['kind'];
  @ApiProperty({ format: 'date-time' }) confirmedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) resolvedAt: string | null;
  @ApiProperty({ enum: ['self_healed', 'refreshed', 'item_deleted', 'auto_healed'], nullable: true, type: String })
  resolution: Inconsistency['resolution'];
  @ApiProperty({
    enum: ['write', 'change', 'sweep', 'manual'],
    description: 'write: an api write; change: an out-of-band change seen in the change log',
  })
  detectedBy: Inconsistency['detectedBy'];

  static from(r: Inconsistency, now = Date.now()): InconsistencyDto {
    return {
      id: r.id,
      key: r.cacheKey,
      source: r.source,
      itemId: r.itemId,
      cacheVersion: r.cacheVersion,
      dbVersion: r.dbVersion,
      resolved: r.status === 'resolved',
      count: r.count,
      cacheValue: r.cacheValue,
      dbValue: r.dbValue,
      diff: r.diff as FieldDiffDto[] | null,
      firstSeen: r.firstDetectedAt.toISOString(),
      lastSeen: r.lastSeenAt.toISOString(),
      durationMs: (r.resolvedAt?.getTime() ?? now) - r.firstDetectedAt.getTime(),
      status: r.status,
      kind: r.kind,
      confirmedAt: r.confirmedAt.toISOString(),
      resolvedAt: r.resolvedAt?.toISOString() ?? null,
      resolution: r.resolution,
      detectedBy: r.detectedBy,
    };
  }
}

export class TimelineEntryDto {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['change', 'check'], description: "A captured change to the row, or a check's observation" }) type:
    'change' | 'check';
  @ApiProperty({ enum: ['insert', 'update', 'delete'], required: false }) op?: string;
  @ApiProperty({ enum: ['api', 'external'], required: false, description: 'Items: who made the change' }) origin?: string;
  @ApiProperty({ ...version(1), required: false }) oldVersion?: Version | null;
  @ApiProperty({ ...version(2), required: false }) newVersion?: Version | null;
  @ApiProperty({ required: false, example: 'post-write', description: 'What triggered the check' }) trigger?: string;
  @ApiProperty({ required: false, enum: ['consistent', 'miss', 'absent', 'stale', 'ahead', 'corrupt', 'diverged', 'orphan'] })
  outcome?: string;
  @ApiProperty({ ...version(3), required: false }) dbVersion?: Version | null;
  @ApiProperty({ ...version(2), required: false }) cacheVersion?: Version | null;
  @ApiProperty({ required: false, example: 'detect', description: 'The lifecycle step this observation caused' }) transition?: string;
}

/** One record with its timeline: the item's changes and the checks' observations around the detection. */
export class InconsistencyDetailDto extends InconsistencyDto {
  @ApiProperty({ type: [TimelineEntryDto], description: `Bounded (TIMELINE_MAX_ENTRIES), oldest first` })
  timeline: TimelineEntryDto[];

  static detail(r: Inconsistency): InconsistencyDetailDto {
    return { ...InconsistencyDto.from(r), timeline: (r.timeline ?? []) as TimelineEntryDto[] };
  }
}
