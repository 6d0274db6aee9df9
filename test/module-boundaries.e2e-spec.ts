import {
  ChangeRelayService,
  CheckService,
  ItemChangesNotifier,
  MetricsPublisher,
  ProgressHealthIndicator,
  RelayScheduler,
  SweepLock,
  SweepScheduler,
  SweepService,
  WorkerMetricsService,
} from '@app/consistency';
import { ModulesContainer } from '@nestjs/core';
import { ItemWriteListener } from '@app/items';
import { TestContext } from '@app/testing';

/** Providers only the worker may create: consumers, loops, and what only a worker reports. */
const WORKER_ONLY = {
  CheckService,
  ChangeRelayService,
  RelayScheduler,
  SweepService,
  SweepLock,
  SweepScheduler,
  WorkerMetricsService,
  MetricsPublisher,
  ProgressHealthIndicator,
};

/** Each app creates what it serves, and nothing else: the api instantiates no worker-only provider. */
describe('module boundaries', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await TestContext.create('module_boundaries', { LOG_LEVEL: 'error' });
    await ctx.startApi();
    await ctx.startWorker();
  });

  afterAll(() => ctx.close());

  /** Whether any module of the app's container provides `token`. (`app.get` of a missing provider exits the process.) */
  const has = (app: NonNullable<TestContext['api']>, token: abstract new (...args: never[]) => unknown) =>
    [...app.get(ModulesContainer).values()].some((module) => module.providers.has(token));

  it('the api has none of the worker-only providers', () => {
    const present = Object.entries(WORKER_ONLY).filter(([, token]) => has(ctx.api!, token));
    expect(present.map(([name]) => name)).toEqual([]);
  });

  it('the worker has them all', () => {
    const missing = Object.entries(WORKER_ONLY).filter(([, token]) => !has(ctx.workers[0], token));
    expect(missing.map(([name]) => name)).toEqual([]);
  });

  it("the api's writes wake the relay; the worker writes no items, so it needs no wake-up", () => {
    expect(ctx.api!.get(ItemWriteListener, { strict: false })).toBeInstanceOf(ItemChangesNotifier);
    expect(has(ctx.workers[0], ItemWriteListener)).toBe(false);
  });
});
