import { Module } from '@nestjs/common';
import { cacheRedisProvider } from './cache-redis.provider';
import { CacheService } from './cache.service';

@Module({
  providers: [cacheRedisProvider, CacheService],
  exports: [CacheService],
})
export class CacheModule {}
