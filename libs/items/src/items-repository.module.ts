import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ItemEntity } from './item.entity';
import { ItemsRepository } from './items.repository';

/** Read and write access to the `items` table, for libs that need rows but not the item service. */
@Module({
  imports: [TypeOrmModule.forFeature([ItemEntity])],
  providers: [ItemsRepository],
  exports: [ItemsRepository],
})
export class ItemsRepositoryModule {}
