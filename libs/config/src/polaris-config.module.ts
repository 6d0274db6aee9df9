import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { appConfig } from './app.config';
import { consistencyConfig } from './consistency.config';
import { databaseConfig } from './database.config';
import { redisConfig } from './redis.config';

/** Loads and validates every namespace once at boot; a bad variable stops the process. */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      ignoreEnvFile: process.env.NODE_ENV === 'test',
      load: [appConfig, databaseConfig, redisConfig, consistencyConfig],
    }),
  ],
})
export class PolarisConfigModule {}
