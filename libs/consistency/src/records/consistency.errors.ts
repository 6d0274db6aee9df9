/** Domain errors carry a code; apps/api maps codes to HTTP in one filter. */
export enum ConsistencyErrorCode {
  InconsistencyNotFound = 'INCONSISTENCY_NOT_FOUND',
  UnknownSource = 'UNKNOWN_SOURCE',
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

  static unknownSource(source: string, known: readonly string[]): ConsistencyError {
    return new ConsistencyError(ConsistencyErrorCode.UnknownSource, `No source named "${source}"; known: ${known.join(', ')}`, { source });
  }

  static notFound(id: string): ConsistencyError {
    return new ConsistencyError(ConsistencyErrorCode.InconsistencyNotFound, `Inconsistency ${id} not found`, { id });
  }
}
