import type { EntityManager } from 'typeorm';

/**
 * Runs raw SQL and returns its rows, whatever the command. (TypeORM's plain `query()` returns
 * `[rows, count]` for UPDATE and DELETE but bare rows otherwise; the structured result does not.)
 */
export async function sqlRows<T>(manager: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const runner = manager.connection.createQueryRunner();
  try {
    return (await runner.query(sql, params, true)).records as T[];
  } finally {
    await runner.release();
  }
}
