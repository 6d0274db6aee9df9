import type { JsonValue } from '@app/items';
import type { FieldDiff } from '@app/sources';
import type { MismatchKind, Observation, Version } from '../outcome';
import type { DetectedBy } from '../queues';
import type { TimelineEntry } from './timeline';

export type OpenStatus = 'confirmed' | 'persistent';
export type InconsistencyStatus = OpenStatus | 'resolved';
export type Resolution = 'self_healed' | 'refreshed' | 'item_deleted' | 'auto_healed';

export interface Inconsistency {
  id: string;
  /** `items`, or the declared source's name. */
  source: string;
  cacheKey: string;
  /** The built-in items' id; null for a declared source's key. */
  itemId: string | null;
  status: InconsistencyStatus;
  kind: MismatchKind;
  dbVersion: Version | null;
  cacheVersion: Version | null;
  dbValue: JsonValue | null;
  cacheValue: JsonValue | null;
  /** Declared sources: the fields that differ. */
  diff: FieldDiff[] | null;
  count: number;
  firstDetectedAt: Date;
  confirmedAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  resolution: Resolution | null;
  detectedBy: DetectedBy;
  /** Changes and observations around the detection; only loaded for a single record. */
  timeline?: TimelineEntry[];
}

export interface ConfirmInput {
  source: string;
  cacheKey: string;
  itemId: string | null;
  kind: MismatchKind;
  observation: Observation;
  firstDetectedAt: Date;
  detectedBy: DetectedBy;
  timeline: TimelineEntry[];
}

/** Open records of one source, kind and status: how many, and when the oldest was first detected. */
export interface OpenRecords {
  source: string;
  kind: MismatchKind;
  status: OpenStatus;
  count: number;
  oldestDetectedAt: Date;
}

export interface InconsistencyStats {
  active: number;
  resolved: number;
  total: number;
  avgResolutionSeconds: number;
  open: OpenRecords[];
}
