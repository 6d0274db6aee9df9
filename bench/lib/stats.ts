/** Small, exact statistics over recorded samples (no histogram buckets: latencies are kept as floats). */

/** Percentile by the nearest-rank method on a sorted copy; p in 0..100. NaN for no samples. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  return percentileOfSorted(sorted, p);
}

export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function percentiles(samples: ArrayLike<number>, ps: number[]): Record<string, number> {
  const sorted = Float64Array.from(samples).sort();
  return Object.fromEntries(ps.map((p) => [`p${String(p).replace('.', '_')}`, percentileOfSorted(sorted, p)]));
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Growable Float64Array: recording a sample allocates nothing in the steady state. */
export class Samples {
  private buf = new Float64Array(1 << 16);
  length = 0;

  push(x: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = x;
  }

  values(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Rounds for a report: 3 significant digits at most, integers kept. */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (Math.abs(x) >= 10 ** digits) return Math.round(x);
  return Number(x.toPrecision(digits));
}
