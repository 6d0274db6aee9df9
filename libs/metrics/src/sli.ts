/** The consistency SLI from post-write samples. */
export interface SliFigures {
  samples: number;
  consistent: number;
  inconsistent: number;
  absent: number;
  /** consistent / (consistent + inconsistent); 1 with no judged samples. Absent samples (no cached copy) judge nothing. */
  ratio: number;
  /** -log10(1 - ratio), capped at log10(judged samples): N samples can show at most log10(N) nines. */
  nines: number;
}

export function sliFigures(counts: Partial<Record<'consistent' | 'inconsistent' | 'absent', number>>): SliFigures {
  const consistent = counts.consistent ?? 0;
  const inconsistent = counts.inconsistent ?? 0;
  const absent = counts.absent ?? 0;
  const judged = consistent + inconsistent;
  const ratio = judged === 0 ? 1 : consistent / judged;
  const nines = judged === 0 ? 0 : inconsistent === 0 ? Math.log10(judged) : Math.log10(judged / inconsistent);
  return { samples: judged + absent, consistent, inconsistent, absent, ratio, nines: Math.round(nines * 1000) / 1000 };
}
