import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The `sweeper_state` table: where each sweeper's pass stands, so it survives restarts. */
@Entity({ name: 'sweeper_state' })
export class SweeperStateEntity {
  @PrimaryColumn('text') name: string;
  @Column({ name: 'item_cursor', type: 'uuid', nullable: true }) itemCursor: string | null;
  @Column({ name: 'key_cursor', type: 'text' }) keyCursor: string;
  @Column('text') phase: 'items' | 'keys';
  @Column({ type: 'bigint' }) passes: string;
  @Column({ name: 'pass_started_at', type: 'timestamptz', nullable: true }) passStartedAt: Date | null;
  @Column({ name: 'last_pass_ms', type: 'integer', nullable: true }) lastPassMs: number | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
