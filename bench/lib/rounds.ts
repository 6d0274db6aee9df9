export type Side = 'polaris' | 'baseline';

/** The usual two sides; a benchmark comparing two other things names its own (e.g. bench:audit's `audit` and `sweeper`). */
export const SIDES: readonly [Side, Side] = ['polaris', 'baseline'];

/**
 * Alternating order, the two sides taking turns to go first (P B, B P, P B, …), so slow
 * drift on a noisy machine (thermal, other tenants, a growing table) hits both sides alike.
 */
export function schedule<S extends string = Side>(
  rounds: number,
  sides: readonly [S, S] = SIDES as unknown as readonly [S, S],
): { round: number; side: S }[] {
  const out: { round: number; side: S }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order: S[] = round % 2 === 1 ? [sides[0], sides[1]] : [sides[1], sides[0]];
    for (const side of order) out.push({ round, side });
  }
  return out;
}

export interface RoundOf<T, S extends string = Side> {
  round: number;
  side: S;
  /** Position in the whole run, 1-based. */
  slot: number;
  startedAt: string;
  result: T;
}

export async function alternate<T, S extends string = Side>(
  rounds: number,
  run: (side: S, round: number) => Promise<T>,
  say: (msg: string) => void,
  describe: (r: T) => string,
  sides: readonly [S, S] = SIDES as unknown as readonly [S, S],
): Promise<RoundOf<T, S>[]> {
  const done: RoundOf<T, S>[] = [];
  for (const [i, { round, side }] of schedule(rounds, sides).entries()) {
    const startedAt = new Date().toISOString();
    const result = await run(side, round);
    done.push({ round, side, slot: i + 1, startedAt, result });
    say(`round ${round}/${rounds} ${side}: ${describe(result)}`);
  }
  return done;
}
