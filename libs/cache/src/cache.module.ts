import { Module } from '@nestjs/common';
import { CacheRedis } from './cache-redis.provider';
import { CacheService } from './cache.service';

@Module({
  providers: [CacheRedis, CacheService],
  exports: [CacheService],
})
export class CacheModule {}
