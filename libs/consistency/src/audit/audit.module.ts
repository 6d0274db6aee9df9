import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { PolarisConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { SourcesModule } from '@app/sources';
import { AuditService } from './audit.service';

/** What `audit` needs and nothing more: configuration, PostgreSQL, the cache and the declared sources. No queues, no processors, no sweeper. */
@Module({
  imports: [PolarisConfigModule, DatabaseModule.forRoot({ waitAtBoot: false }), CacheModule, SourcesModule],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
