import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { appConfig, AppConfig, PolarisConfigModule, PolarisLoggerModule } from '@app/config';
import { ItemChangesNotifier, QUEUES, queueRootModule, QueuesModule, RecordsModule, ReportingModule } from '@app/consistency';
import { DatabaseModule } from '@app/database';
import { SourcesModule } from '@app/sources';
import { ItemsModule } from '@app/items';
import { DebugController } from './debug.controller';
import { HealthController } from './health.controller';
import { DomainExceptionFilter } from './http/domain-exception.filter';
import { QUEUE_BOARD_PATH } from './http/paths';
import { InconsistenciesController } from './inconsistencies.controller';
import { ItemsController } from './items.controller';
import { MetricsController } from './metrics.controller';
import { SourcesController } from './sources.controller';

/** The HTTP api: items, records, reporting. It produces check jobs but never consumes them: no worker module is imported here. */
@Module({
  imports: [
    PolarisConfigModule,
    PolarisLoggerModule,
    DatabaseModule.forRoot(),
    SourcesModule,
    queueRootModule('producer'),
    // The api's writes wake the change relay at once (the capture trigger notifies only out-of-band writes).
    ItemsModule.forRoot({ writeListener: ItemChangesNotifier }),
    QueuesModule,
    RecordsModule,
    ReportingModule,
    ThrottlerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (app: AppConfig) => ({
        throttlers: [{ ttl: 60_000, limit: app.rateLimitPerMinute }],
        skipIf: () => app.rateLimitPerMinute === 0,
      }),
    }),
    // The queue board; its admin guard is a Fastify hook (see harden), as it is served outside Nest's router.
    BullBoardModule.forRoot({ route: QUEUE_BOARD_PATH, adapter: BullBoardFastifyAdapter }),
    BullBoardModule.forFeature({ name: QUEUES.checks, adapter: BullMQAdapter }, { name: QUEUES.confirmations, adapter: BullMQAdapter }),
  ],
  controllers: [ItemsController, InconsistenciesController, DebugController, MetricsController, HealthController, SourcesController],
  providers: [
    { provide: APP_FILTER, useClass: DomainExceptionFilter },
    { provide: APP_GUARD, useClass: ThrottlerGuard },
  ],
})
export class ApiModule {}
