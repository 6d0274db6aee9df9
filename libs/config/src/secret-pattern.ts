/** base64 text shorter than this is not matched: too short to be told apart from other text. */
const MIN_BASE64_RUN = 8;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `%2b`, `%2B`: a percent-encoded byte, hex in either case. */
function percentByte(byte: number): string {
  return [...byte.toString(16).toUpperCase().padStart(2, '0')]
    .map((h) => (/[A-F]/.test(h) ? `[${h}${h.toLowerCase()}]` : h))
    .reduce((out, h) => out + h, '%');
}

/** One character as it may appear in a log line: plain (JSON-escaped), percent-encoded byte by byte, or `+` for a space. */
function characterPattern(ch: string): string {
  const spellings = [escapeRegex(JSON.stringify(ch).slice(1, -1)), [...Buffer.from(ch, 'utf8')].map(percentByte).join('')];
  if (ch === ' ') spellings.push('\\+');
  return `(?:${spellings.join('|')})`;
}

/**
 * The base64 text that encodes `secret` wherever it sits in a longer encoded string: for each of the
 * three byte alignments, the characters that depend on the secret's bytes alone (both alphabets).
 */
function base64Runs(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const runs: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const firstWholeGroup = offset === 0 ? 0 : 1;
    const lastWholeGroup = Math.floor((offset + bytes.length) / 3);
    const run = encoded.slice(firstWholeGroup * 4, lastWholeGroup * 4);
    if (run.length >= MIN_BASE64_RUN) runs.push(run, run.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return runs;
}

/**
 * A pattern matching every spelling of the secrets that can reach a log line: as is, percent-encoded
 * (wholly or in part, hex in either case, `+` for a space), JSON-escaped, and base64 or base64url
 * encoded at any alignment. Null when there is no secret.
 */
export function secretPattern(secrets: readonly string[]): RegExp | null {
  const alternatives = secrets
    .filter((s) => s.length > 0)
    .flatMap((secret) => [[...secret].map(characterPattern).join(''), ...base64Runs(secret).map(escapeRegex)]);
  if (alternatives.length === 0) return null;
  // Longest first, so a secret that contains another is redacted whole.
  return new RegExp([...new Set(alternatives)].sort((a, b) => b.length - a.length).join('|'), 'g');
}
