import type { Observation } from '../outcome';
import type { TimelineEntry } from '../records';
import type { Effect } from './lifecycle';

/** A check's observation as a timeline entry, with the lifecycle steps it caused (touches are not steps), e.g. `clear+detect`. */
export function checkTraceEntry(o: Observation, trigger: string, effects: readonly Effect[]): TimelineEntry {
  const transition = effects
    .filter((e) => e.type !== 'touch')
    .map((e) => e.type)
    .join('+');
  return {
    at: new Date().toISOString(),
    type: 'check',
    trigger,
    outcome: o.outcome,
    dbVersion: o.dbVersion,
    cacheVersion: o.cacheVersion,
    ...(transition ? { transition } : {}),
  };
}
