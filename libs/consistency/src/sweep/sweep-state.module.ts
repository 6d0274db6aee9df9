import { Module } from '@nestjs/common';
import { SourceSweepStateRepository } from './source-sweep-state.repository';
import { SweeperStateRepository } from './sweeper-state.repository';

/** Where the sweeps are, readable by the api's reports without the worker's sweeper. */
@Module({
  providers: [SweeperStateRepository, SourceSweepStateRepository],
  exports: [SweeperStateRepository, SourceSweepStateRepository],
})
export class SweepStateModule {}
