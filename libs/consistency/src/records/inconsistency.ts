import type { JsonValue } from '@app/items';
import type { MismatchKind, Observation } from '../outcome';
import type { DetectedBy } from '../queues';
import type { TimelineEntry } from './timeline';

export type OpenStatus = 'confirmed' | 'persistent';
export type InconsistencyStatus = OpenStatus | 'resolved';
export type Resolution = 'self_healed' | 'refreshed' | 'item_deleted' | 'auto_healed';

export interface Inconsistency {
  id: string;
  cacheKey: string;
  itemId: string;
  status: InconsistencyStatus;
  kind: MismatchKind;
  dbVersion: number | null;
  cacheVersion: number | null;
  dbValue: JsonValue | null;
  cacheValue: JsonValue | null;
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
  cacheKey: string;
  itemId: string;
  kind: MismatchKind;
  observation: Observation;
  firstDetectedAt: Date;
  detectedBy: DetectedBy;
  timeline: TimelineEntry[];
}

export interface InconsistencyStats {
  active: number;
  resolved: number;
  total: number;
  avgResolutionSeconds: number;
  activeByKind: Record<string, number>;
}
