export { CaptureModule } from './capture.module';
export { planChanges } from './change-plan';
export type { ChangePlan, OutOfBandPolicy } from './change-plan';
export { ChangeRelayService } from './change-relay.service';
export { changeEntry } from './item-change';
export type { ItemChange } from './item-change';
export { ITEM_CHANGES_CHANNEL, ItemChangesNotifier } from './item-changes.notifier';
export { ItemChangesRepository } from './item-changes.repository';
export { RelayScheduler } from './relay-scheduler';
