import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The `item_changes` table, written only by the change-capture trigger on `items`. */
@Entity({ name: 'item_changes' })
export class ItemChangeEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'item_id', type: 'uuid' }) itemId: string;
  @Column('text') op: string;
  @Column({ name: 'old_version', type: 'integer', nullable: true }) oldVersion: number | null;
  @Column({ name: 'new_version', type: 'integer', nullable: true }) newVersion: number | null;
  @Column({ name: 'old_name', type: 'text', nullable: true }) oldName: string | null;
  @Column({ name: 'new_name', type: 'text', nullable: true }) newName: string | null;
  @Column('text') origin: string;
  @Column({ name: 'changed_at', type: 'timestamptz' }) changedAt: Date;
}
