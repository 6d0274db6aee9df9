export type Side = 'polaris' | 'baseline';

/**
 * Alternating order, Polaris and baseline taking turns to go first (P B, B P, P B, …), so slow
 * drift on a noisy machine (thermal, other tenants, a growing table) hits both sides alike.
 */
export function schedule(rounds: number): { round: number; side: Side }[] {
  const out: { round: number; side: Side }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order: Side[] = round % 2 === 1 ? ['polaris', 'baseline'] : ['baseline', 'polaris'];
    for (const side of order) out.push({ round, side });
  }
  return out;
}

export interface RoundOf<T> {
  round: number;
  side: Side;
  /** Position in the whole run, 1-based. */
  slot: number;
  startedAt: string;
  result: T;
}

export async function alternate<T>(
  rounds: number,
  run: (side: Side, round: number) => Promise<T>,
  say: (msg: string) => void,
  describe: (r: T) => string,
): Promise<RoundOf<T>[]> {
  const done: RoundOf<T>[] = [];
  for (const [i, { round, side }] of schedule(rounds).entries()) {
    const startedAt = new Date().toISOString();
    const result = await run(side, round);
    done.push({ round, side, slot: i + 1, startedAt, result });
    say(`round ${round}/${rounds} ${side}: ${describe(result)}`);
  }
  return done;
}
