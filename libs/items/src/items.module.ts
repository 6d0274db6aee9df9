import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { MetricsModule } from '@app/metrics';
import { CacheWriterService } from './cache-writer.service';
import { ItemsRepositoryModule } from './items-repository.module';
import { ItemsService } from './items.service';

/** The item service: read-through, write PostgreSQL then Redis. */
@Module({
  imports: [ItemsRepositoryModule, CacheModule, MetricsModule],
  providers: [ItemsService, CacheWriterService],
  exports: [ItemsService],
})
export class ItemsModule {}
