const WORDS = 4; // a uuid is 128 bits: four 32-bit words
const INITIAL_IDS = 4096;

/**
 * Uuids added in ascending order (PostgreSQL's keyset order, which is the lowercase hex order),
 * packed into 16 bytes each and looked up by binary search. A million ids take 16 MB, where a Set
 * of strings would take several times that. Ids beyond `maxIds`, or out of order, are not kept:
 * a caller must treat "absent" as "unknown", never as "not there".
 */
export class AscendingIdSet {
  private words = new Uint32Array(INITIAL_IDS * WORDS);
  private count = 0;
  private readonly probe = new Uint32Array(WORDS);

  constructor(private readonly maxIds: number) {}

  get size(): number {
    return this.count;
  }

  /** Keeps `id` when it sorts after every id kept so far and there is room; false otherwise. */
  add(id: string): boolean {
    if (this.count >= this.maxIds || !pack(id, this.probe)) return false;
    if (this.count > 0 && compareAt(this.words, this.count - 1, this.probe) >= 0) return false;
    if ((this.count + 1) * WORDS > this.words.length) this.grow();
    this.words.set(this.probe, this.count * WORDS);
    this.count++;
    return true;
  }

  has(id: string): boolean {
    if (this.count === 0 || !pack(id, this.probe)) return false;
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareAt(this.words, mid, this.probe);
      if (c === 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  clear(): void {
    this.words = new Uint32Array(INITIAL_IDS * WORDS);
    this.count = 0;
  }

  private grow(): void {
    const ids = Math.min(this.maxIds, (this.words.length / WORDS) * 2);
    const next = new Uint32Array(ids * WORDS);
    next.set(this.words);
    this.words = next;
  }
}

/** Hex digit values by char code, -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX['0123456789abcdef'.charCodeAt(c)] = c;
  HEX['0123456789ABCDEF'.charCodeAt(c)] = c;
}

/**
 * The uuid's 128 bits as four big-endian words, so word order is the hex order; false when `id` is
 * no uuid. Read digit by digit without allocating: a pass packs every row id and every cache key.
 */
function pack(id: string, out: Uint32Array): boolean {
  if (id.length !== 36 || id[8] !== '-' || id[13] !== '-' || id[18] !== '-' || id[23] !== '-') return false;
  const w0 = hex(id, 0, 8, 0);
  const w1 = hex(id, 14, 18, hex(id, 9, 13, 0));
  const w2 = hex(id, 24, 28, hex(id, 19, 23, 0));
  const w3 = hex(id, 28, 36, 0);
  if (w0 < 0 || w1 < 0 || w2 < 0 || w3 < 0) return false;
  out[0] = w0;
  out[1] = w1;
  out[2] = w2;
  out[3] = w3;
  return true;
}

/** `acc` followed by the hex digits id[from, to), as an unsigned number; -1 on a non-hex character. */
function hex(id: string, from: number, to: number, acc: number): number {
  if (acc < 0) return -1;
  for (let i = from; i < to; i++) {
    const code = id.charCodeAt(i);
    const v = code < 128 ? HEX[code] : -1;
    if (v < 0) return -1;
    acc = acc * 16 + v;
  }
  return acc;
}

function compareAt(words: Uint32Array, index: number, probe: Uint32Array): number {
  const base = index * WORDS;
  for (let w = 0; w < WORDS; w++) {
    const d = words[base + w] - probe[w];
    if (d !== 0) return d;
  }
  return 0;
}
