/** Domain errors carry a code; apps/api maps codes to HTTP in one filter. */
export enum ConsistencyErrorCode {
  InconsistencyNotFound = 'INCONSISTENCY_NOT_FOUND',
}

export class ConsistencyError extends Error {
  constructor(
    readonly code: ConsistencyErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ConsistencyError';
  }

  static notFound(id: string): ConsistencyError {
    return new ConsistencyError(ConsistencyErrorCode.InconsistencyNotFound, `Inconsistency ${id} not found`, { id });
  }
}
