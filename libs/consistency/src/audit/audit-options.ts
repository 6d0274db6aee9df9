import { parseArgs } from 'node:util';

/** What `audit` was asked to do (see AUDIT_USAGE). */
export interface AuditOptions {
  /** The sources to audit, by name; every guarded source when empty. */
  sources: string[];
  /** At most this many rows of each source. */
  limit?: number;
  /** A random share of the rows (0 < sample ≤ 1). */
  sample?: number;
  /** At most this many rows (and cache keys) per second, across the whole audit. */
  maxRate?: number;
  /** Where to write the full report as JSON. */
  json?: string;
  help: boolean;
}

export const AUDIT_USAGE = `Usage: npm run audit -- [options]
       node dist/apps/worker/main.js audit [options]

One full pass over every guarded source now: compares each row with its cache entries and searches
the cache for orphan keys, re-checks every mismatch after GRACE_PERIOD_MS, and changes nothing.

Options:
  --source NAME    audit this source only (repeat for several; default: every source)
  --limit N        at most N rows of each source (skips the orphan search)
  --sample RATE    a random share of the rows, 0 < RATE <= 1 (below 1, skips the orphan search)
  --max-rate N     at most N rows and keys per second, to spare a production database
  --json FILE      also write the full report, with every inconsistent key and its diff, to FILE
  -h, --help       this text

Exit status: 0 consistent, 1 inconsistencies remain after the grace re-check, 2 error.`;

/** Bad arguments: the message says which, and the usage follows it. */
export class AuditUsageError extends Error {}

/** Parses the arguments after `audit`; throws AuditUsageError on anything it does not understand. */
export function parseAuditOptions(argv: readonly string[]): AuditOptions {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        source: { type: 'string', multiple: true },
        limit: { type: 'string' },
        sample: { type: 'string' },
        'max-rate': { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new AuditUsageError((err as Error).message);
  }
  const sources = (values.source as string[] | undefined) ?? [];
  if (sources.some((s) => s.trim() === '')) throw new AuditUsageError('--source needs a source name');
  const json = values.json as string | undefined;
  if (json !== undefined && json.trim() === '') throw new AuditUsageError('--json needs a file name');
  return {
    sources,
    limit: positiveInteger('--limit', values.limit as string | undefined),
    sample: share('--sample', values.sample as string | undefined),
    maxRate: positiveInteger('--max-rate', values['max-rate'] as string | undefined),
    json,
    help: values.help === true,
  };
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new AuditUsageError(`${flag} takes a whole number of at least 1, not "${text}"`);
  return Number(text);
}

function share(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^(0|1)?(\.\d+)?$/.test(text) && text !== '' && text !== '.' ? Number(text) : NaN;
  if (!(n > 0 && n <= 1)) throw new AuditUsageError(`${flag} takes a share of the rows above 0 and at most 1 (e.g. 0.01), not "${text}"`);
  return n;
}
