import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { JsonValue } from '@app/items';

/** The `inconsistencies` table. Its schema comes from migrations; the entity only maps it. */
@Entity({ name: 'inconsistencies' })
export class InconsistencyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'cache_key', type: 'text' }) cacheKey: string;
  @Column({ name: 'item_id', type: 'uuid' }) itemId: string;
  @Column('text') status: string;
  @Column('text') kind: string;
  @Column({ name: 'db_version', type: 'integer', nullable: true }) dbVersion: number | null;
  @Column({ name: 'cache_version', type: 'integer', nullable: true }) cacheVersion: number | null;
  @Column({ name: 'db_value', type: 'jsonb', nullable: true }) dbValue: JsonValue | null;
  @Column({ name: 'cache_value', type: 'jsonb', nullable: true }) cacheValue: JsonValue | null;
  @Column('integer') count: number;
  @Column({ name: 'first_detected_at', type: 'timestamptz' }) firstDetectedAt: Date;
  @Column({ name: 'confirmed_at', type: 'timestamptz' }) confirmedAt: Date;
  @Column({ name: 'last_seen_at', type: 'timestamptz' }) lastSeenAt: Date;
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt: Date | null;
  @Column({ type: 'text', nullable: true }) resolution: string | null;
  @Column({ name: 'detected_by', type: 'text' }) detectedBy: string;
}
