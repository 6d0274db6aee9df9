import { registerAs } from '@nestjs/config';
import { loadEnvironment } from './environment';

export const consistencyConfig = registerAs('consistency', () => {
  const env = loadEnvironment();
  return {
    immediateCheckDelayMs: env.IMMEDIATE_CHECK_DELAY_MS,
    postWriteCheckDelayMs: env.POST_WRITE_CHECK_DELAY_MS,
    gracePeriodMs: env.GRACE_PERIOD_MS,
    checkConcurrency: env.CHECK_CONCURRENCY,
    outOfBandPolicy: env.OUT_OF_BAND_POLICY,
    healPolicy: env.HEAL_POLICY,
    sourcesFile: env.POLARIS_SOURCES,
    relay: {
      enabled: env.RELAY_ENABLED,
      pollIntervalMs: env.RELAY_POLL_INTERVAL_MS,
      batchSize: env.RELAY_BATCH_SIZE,
    },
    timeline: { windowMs: env.TIMELINE_WINDOW_MS, maxEntries: env.TIMELINE_MAX_ENTRIES },
    sweep: {
      enabled: env.SWEEP_ENABLED,
      intervalMs: env.SWEEP_INTERVAL_MS,
      batchSize: env.SWEEP_BATCH_SIZE,
      maxItemsPerTick: env.SWEEP_MAX_ITEMS_PER_TICK,
    },
  };
});
export type ConsistencyConfig = ReturnType<typeof consistencyConfig>;
