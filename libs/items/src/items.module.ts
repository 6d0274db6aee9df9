import { DynamicModule, Module, Type } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { MetricsModule } from '@app/metrics';
import { CacheRepairService } from './cache-repair.service';
import { cacheWriterProvider } from './cache-writer';
import { ItemCache } from './item-cache';
import { ItemsRepository, ItemWriteListener } from './items.repository';
import { ItemsService } from './items.service';

/** The demo domain: the items table, its cache entries, and the read-through, write-through service. */
@Module({})
export class ItemsModule {
  /** `writeListener` is told after each of the api's writes commits (the api wakes the change relay this way). */
  static forRoot(options: { writeListener?: Type<ItemWriteListener> } = {}): DynamicModule {
    const providers = [ItemsRepository, ItemCache, CacheRepairService, ItemsService, cacheWriterProvider];
    return {
      module: ItemsModule,
      global: true,
      imports: [CacheModule, MetricsModule],
      providers: options.writeListener ? [...providers, { provide: ItemWriteListener, useClass: options.writeListener }] : providers,
      exports: [ItemsRepository, ItemCache, CacheRepairService, ItemsService],
    };
  }
}
