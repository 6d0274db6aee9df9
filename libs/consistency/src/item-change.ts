/** One captured change to `items`, as the trigger recorded it. */
export interface ItemChange {
  id: string;
  itemId: string;
  op: 'insert' | 'update' | 'delete';
  oldVersion: number | null;
  newVersion: number | null;
  oldName: string | null;
  newName: string | null;
  /** `api` when Polaris's own api made the change; anything else (psql, other services, migrations) is `external`. */
  origin: 'api' | 'external';
  changedAt: Date;
}
