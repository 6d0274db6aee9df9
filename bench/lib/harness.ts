import { log } from './cli';
import { stopAll } from './processes';

export interface BenchContext {
  say: (msg: string) => void;
  /** Registers a cleanup step; steps run last-registered first, on success, failure, Ctrl-C or the time limit. */
  onCleanup(step: () => Promise<unknown> | unknown): void;
}

/**
 * Runs one benchmark: a time limit that ends it (exit 1) whatever it waits on, cleanups on every
 * path, and the exit code: 0 when it ran (goals are reported, not enforced, unless `strict`),
 * 1 when it failed, 2 when `strict` and a goal was missed.
 */
export function runBenchmark(
  name: string,
  { limitS, strict }: { limitS: number; strict: boolean },
  body: (ctx: BenchContext) => Promise<{ goalsMet: boolean }>,
): void {
  const say = log(name);
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await stopAll();
      for (const step of cleanups.reverse()) {
        try {
          await step();
        } catch (err) {
          say(`cleanup step failed: ${(err as Error).message}`);
        }
      }
    })());
  const fail = (why: string) => {
    say(why);
    setTimeout(() => process.exit(1), 30_000).unref(); // a cleanup that hangs must not keep the run alive
    void cleanup().finally(() => process.exit(1));
  };

  const watchdog = setTimeout(() => fail(`time limit of ${limitS} s reached: stopping`), limitS * 1000);
  watchdog.unref();
  process.once('SIGINT', () => fail('interrupted'));
  process.once('SIGTERM', () => fail('terminated'));

  const started = Date.now();
  body({ say, onCleanup: (step) => cleanups.push(step) })
    .then(async ({ goalsMet }) => {
      await cleanup();
      say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s${goalsMet ? '' : ' (a goal was missed)'}`);
      process.exit(strict && !goalsMet ? 2 : 0);
    })
    .catch((err: Error) => fail(`failed: ${err.stack ?? err.message}`));
}
