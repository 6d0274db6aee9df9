/** Domain errors carry a code; apps/api maps codes to HTTP in one filter. */
export enum ItemsErrorCode {
  NotFound = 'ITEM_NOT_FOUND',
  VersionConflict = 'ITEM_VERSION_CONFLICT',
}

export class ItemsError extends Error {
  constructor(
    readonly code: ItemsErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ItemsError';
  }

  static notFound(id: string): ItemsError {
    return new ItemsError(ItemsErrorCode.NotFound, `Item ${id} not found`, { id });
  }

  static versionConflict(id: string, expected: number, actual: number): ItemsError {
    return new ItemsError(ItemsErrorCode.VersionConflict, `Item ${id} is at version ${actual}, not the expected ${expected}`, {
      id,
      expectedVersion: expected,
      currentVersion: actual,
    });
  }
}
