import { EntityManager, QueryRunner } from 'typeorm';

/**
 * Runs raw SQL and returns its rows, whatever the command. (TypeORM's plain `query()` returns
 * `[rows, count]` for UPDATE and DELETE but bare rows otherwise; the structured result does not.)
 * On a transaction's QueryRunner, or on the EntityManager a transaction hands out, it runs inside
 * that transaction; on the plain manager, on a connection of its own from the pool.
 */
export async function sqlRows<T>(on: EntityManager | QueryRunner, sql: string, params: unknown[] = []): Promise<T[]> {
  const given = on instanceof EntityManager ? on.queryRunner : on;
  if (given) return (await given.query(sql, params, true)).records as T[];
  const runner = (on as EntityManager).connection.createQueryRunner();
  try {
    return (await runner.query(sql, params, true)).records as T[];
  } finally {
    await runner.release();
  }
}
