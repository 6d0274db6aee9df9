// The DataSource the TypeORM CLI uses, e.g.
//   npx typeorm-ts-node-commonjs -d ormconfig.ts migration:show
import 'tsconfig-paths/register';
import { DataSource } from 'typeorm';
import { databaseConfig } from './libs/config/src';
import { dataSourceOptions } from './libs/database/src';

export default new DataSource(dataSourceOptions(databaseConfig()));
