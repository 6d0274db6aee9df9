import { decideOnConfirm } from '../checks';
import type { Outcome } from '../outcome';

/** What a look after the grace period makes of a mismatch: still the same divergence, healed or moved (a write in flight), or look again. */
export type RecheckVerdict = 'inconsistent' | 'settled' | 'again';

/**
 * The lifecycle's own confirmation rule (decideOnConfirm), applied to a key no record is open for:
 * what it would confirm, the audit reports; what it would clear, settled in grace; what it would look
 * at again after the source's check delay (declared sources), the audit looks at again.
 */
export function recheckVerdict(outcome: Outcome, sameDivergence: boolean, declaredSource: boolean): RecheckVerdict {
  const effects = decideOnConfirm(outcome, null, sameDivergence, declaredSource);
  if (effects.some((e) => e.type === 'confirm')) return 'inconsistent';
  if (effects.some((e) => e.type === 'recheck')) return 'again';
  return 'settled';
}
