import { DataSource } from 'typeorm';
import { databaseConfig } from '@app/config';
import { dataSourceOptions, sqlRows } from '@app/database';
import { TestContext } from '@app/testing';

/** sqlRows runs on the transaction it is handed, and no TypeORM entity exists to drift from the migrations. */
describe('transactions you can see', () => {
  let ctx: TestContext;
  let db: DataSource;

  beforeAll(async () => {
    ctx = await TestContext.create('transactions', { LOG_LEVEL: 'error' });
    db = await new DataSource(dataSourceOptions(databaseConfig())).initialize();
  });

  afterAll(async () => {
    await db.destroy();
    await ctx.close();
  });

  const names = async () => (await ctx.pg.query(`SELECT name FROM items ORDER BY name`)).rows.map((r) => r.name);
  const insert = `INSERT INTO items (name, value) VALUES ($1, '1'::jsonb) RETURNING name`;

  it("on a transaction's manager, runs inside the transaction: a rollback undoes it", async () => {
    await expect(
      db.transaction(async (manager) => {
        expect(await sqlRows(manager, insert, ['rolled-back'])).toEqual([{ name: 'rolled-back' }]);
        expect(await sqlRows(manager, `SELECT name FROM items WHERE name = 'rolled-back'`)).toHaveLength(1); // its own write
        expect(await names()).toEqual([]); // invisible outside until the commit
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await names()).toEqual([]);
  });

  it("on a transaction's query runner, likewise; committed, it stays", async () => {
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await sqlRows(runner, insert, ['committed']);
    expect(await names()).toEqual([]);
    await runner.commitTransaction();
    await runner.release();
    expect(await names()).toEqual(['committed']);
  });

  it('on the plain manager, runs on a connection of its own and commits at once', async () => {
    await sqlRows(db.manager, insert, ['autocommit']);
    expect(await names()).toEqual(['autocommit', 'committed']);
  });

  it('the apps declare no TypeORM entity: every table is raw SQL over the migrated schema', async () => {
    await ctx.startApi();
    await ctx.startWorker();
    for (const app of [ctx.api!, ctx.workers[0]]) expect(app.get(DataSource).entityMetadatas).toEqual([]);
  });
});
