import autocannon from 'autocannon';
import { percentiles, Samples } from './stats';

export interface LoadOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:3000 */
  url: string;
  connections: number;
  durationS: number;
  method: 'GET' | 'PUT' | 'POST';
  /** A fresh path per request (random ids). */
  path: () => string;
  /** A fresh JSON body per request, for writes. */
  body?: () => string;
}

export interface LoadResult {
  requests: number;
  durationS: number;
  reqPerSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; p99_9: number; max: number };
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * Drives `connections` keep-alive connections at the server for `durationS` with autocannon's
 * programmatic API, each request built by `path()` / `body()`. Latency is recorded per response,
 * as a float (autocannon's own histogram keeps whole milliseconds, too coarse for a 5 ms goal).
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const latencies = new Samples();
  let ok = 0;
  let done!: (r: autocannon.Result) => void;
  let failed!: (err: Error) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => ((done = resolve), (failed = reject)));
  const instance = autocannon(
    {
      url: o.url,
      connections: o.connections,
      duration: o.durationS,
      pipelining: 1,
      timeout: 10,
      headers: o.body ? { 'content-type': 'application/json' } : {},
      requests: [
        {
          method: o.method,
          setupRequest: (req) => ({ ...req, method: o.method, path: o.path(), ...(o.body ? { body: o.body() } : {}) }),
        },
      ],
    },
    (err, result) => (err ? failed(err) : done(result)),
  );
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies.push(responseTime);
    }
  });
  const result = await finished;
  const lat = percentiles(latencies.values(), [50, 90, 99, 99.9, 100]);
  const values = latencies.values();
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const total = result.requests.total;
  return {
    requests: total,
    durationS: result.duration,
    reqPerSec: ok / result.duration,
    latencyMs: {
      mean: values.length ? sum / values.length : NaN,
      p50: lat.p50,
      p90: lat.p90,
      p99: lat.p99,
      p99_9: lat.p99_9,
      max: lat.p100,
    },
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** A load result that is not all 2xx answers measured something else than the benchmark means. */
export function assertAllOk(label: string, r: LoadResult): void {
  if (r.non2xx || r.errors || r.timeouts || r.ok === 0) {
    throw new Error(`${label}: ${r.ok} ok, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts: the run is not valid`);
  }
}
