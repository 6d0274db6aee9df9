export { AscendingIdSet } from './ascending-id-set';
export { SweepLock } from './sweep-lock';
export { SweepModule } from './sweep.module';
export { SweepScheduler } from './sweep-scheduler';
export { SweepService } from './sweep.service';
export type { SweepTickResult } from './sweep.service';
export { SWEEPER, SweeperStateRepository } from './sweeper-state.repository';
export type { SweepCursor } from './sweeper-state.repository';
