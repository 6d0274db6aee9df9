import { InitialSchema1732400000000 } from './1732400000000-initial-schema';
import { ChangeCapture1732500000000 } from './1732500000000-change-capture';
import { NotifyOutOfBandOnly1732600000000 } from './1732600000000-notify-out-of-band-only';
import { LeanChangeLog1732700000000 } from './1732700000000-lean-change-log';
import { Sources1732800000000 } from './1732800000000-sources';
import { PolarisSchema1732900000000 } from './1732900000000-polaris-schema';

/** Every migration, oldest first. Runtime and the TypeORM CLI both read this list. */
export const MIGRATIONS = [
  InitialSchema1732400000000,
  ChangeCapture1732500000000,
  NotifyOutOfBandOnly1732600000000,
  LeanChangeLog1732700000000,
  Sources1732800000000,
  PolarisSchema1732900000000,
];
