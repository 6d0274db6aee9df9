import { ApiProperty } from '@nestjs/swagger';
import { ANY_JSON_BUT_NULL, JsonValue } from '@app/items';
import type { Inconsistency } from '../inconsistency';

const anyJson = { ...ANY_JSON_BUT_NULL, description: 'JSON as observed', nullable: true };

/** One inconsistency record: the prototype's fields plus its lifecycle. */
export class InconsistencyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'item:6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f', description: 'The cache key' }) key: string;
  @ApiProperty({ format: 'uuid' }) itemId: string;
  @ApiProperty({ type: Number, nullable: true, example: 2 }) cacheVersion: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 3 }) dbVersion: number | null;
  @ApiProperty({ example: false }) resolved: boolean;
  @ApiProperty({ minimum: 1, example: 4, description: 'Times the mismatch was observed while open' }) count: number;
  @ApiProperty(anyJson) cacheValue: JsonValue | null;
  @ApiProperty(anyJson) dbValue: JsonValue | null;
  @ApiProperty({ format: 'date-time', description: 'First detection (start of the grace period)' }) firstSeen: string;
  @ApiProperty({ format: 'date-time' }) lastSeen: string;
  @ApiProperty({ example: 4200, description: 'First detection until resolution, or until now while open' }) durationMs: number;
  @ApiProperty({ enum: ['confirmed', 'persistent', 'resolved'] }) status: Inconsistency['status'];
  @ApiProperty({ enum: ['stale', 'ahead', 'corrupt', 'orphan'] }) kind: Inconsistency['kind'];
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
      itemId: r.itemId,
      cacheVersion: r.cacheVersion,
      dbVersion: r.dbVersion,
      resolved: r.status === 'resolved',
      count: r.count,
      cacheValue: r.cacheValue,
      dbValue: r.dbValue,
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
  @ApiProperty({ enum: ['api', 'external'], required: false, description: 'Who made the change' }) origin?: string;
  @ApiProperty({ type: Number, nullable: true, required: false }) oldVersion?: number | null;
  @ApiProperty({ type: Number, nullable: true, required: false }) newVersion?: number | null;
  @ApiProperty({ required: false, example: 'post-write', description: 'What triggered the check' }) trigger?: string;
  @ApiProperty({ required: false, enum: ['consistent', 'miss', 'absent', 'stale', 'ahead', 'corrupt', 'orphan'] }) outcome?: string;
  @ApiProperty({ type: Number, nullable: true, required: false }) dbVersion?: number | null;
  @ApiProperty({ type: Number, nullable: true, required: false }) cacheVersion?: number | null;
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
