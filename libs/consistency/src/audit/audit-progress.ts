import { Presets, SingleBar } from 'cli-progress';

/** What the audit tells about its progress as it goes. */
export interface AuditProgress {
  /** The audit starts: about this many rows in all (the planner's estimates, bounded by --limit and --sample). */
  start(estimatedRows: number): void;
  /** A source's phase begins: `rows` (rows compared with their entries), `keys` (the orphan search) or `grace` (the re-check). */
  phase(source: string, phase: 'rows' | 'keys' | 'grace', detail?: string): void;
  /** `rows` more rows compared (their total so far is the bar's value). */
  rows(rows: number): void;
  /** `keys` more cache keys scanned in the orphan search. */
  keys(keys: number): void;
  stop(): void;
}

const LINE_EVERY_MS = 5000;

/** Where the audit's progress goes: a bar on a terminal, plain lines elsewhere (a CI log, a cron mail). */
export function progressFor(stream: NodeJS.WriteStream): AuditProgress {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

/** Counts and rates shared by both renderings. */
abstract class Counting implements AuditProgress {
  protected total = 0;
  protected done = 0;
  protected keysScanned = 0;
  protected started = Date.now();
  /** When the last rows were counted: the rate is over the rows phases, not the wait for the re-check. */
  protected lastRows = Date.now();
  protected where = '';
  /** Between start() and stop(). */
  protected running = false;

  start(estimatedRows: number): void {
    this.running = true;
    this.total = estimatedRows;
    this.started = Date.now();
  }

  phase(source: string, phase: 'rows' | 'keys' | 'grace', detail?: string): void {
    const what = { rows: 'comparing rows', keys: 'searching for orphan keys', grace: 're-checking mismatches' }[phase];
    this.where = `${source}: ${what}${detail ? ` (${detail})` : ''}`;
  }

  rows(rows: number): void {
    this.done += rows;
    this.lastRows = Date.now();
    if (this.done > this.total) this.total = this.done; // the estimate was low
  }

  keys(keys: number): void {
    this.keysScanned += keys;
  }

  abstract stop(): void;

  protected rate(): number {
    const seconds = (this.lastRows - this.started) / 1000;
    return seconds > 0 ? Math.round(this.done / seconds) : 0;
  }
}

class BarProgress extends Counting {
  private readonly bar: SingleBar;

  constructor(stream: NodeJS.WriteStream) {
    super();
    this.bar = new SingleBar(
      {
        stream,
        format: '{bar} {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted} | {where}',
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      Presets.shades_classic,
    );
  }

  override start(estimatedRows: number): void {
    super.start(estimatedRows);
    this.bar.start(estimatedRows, 0, this.payload());
  }

  override phase(source: string, phase: 'rows' | 'keys' | 'grace', detail?: string): void {
    super.phase(source, phase, detail);
    this.bar.update(this.payload());
  }

  override rows(rows: number): void {
    super.rows(rows);
    this.bar.setTotal(this.total);
    this.bar.update(this.done, this.payload());
  }

  override keys(keys: number): void {
    super.keys(keys);
    this.bar.update(this.payload());
  }

  override stop(): void {
    if (this.running) this.bar.stop();
    this.running = false;
  }

  private payload() {
    return { speed: this.rate().toLocaleString('en-US'), where: this.keysScanned ? `${this.where}, ${this.keysScanned} keys` : this.where };
  }
}

/** One line every 5 s, and one at each phase. */
class LineProgress extends Counting {
  private lastLine = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {
    super();
  }

  override phase(source: string, phase: 'rows' | 'keys' | 'grace', detail?: string): void {
    super.phase(source, phase, detail);
    this.print();
  }

  override rows(rows: number): void {
    super.rows(rows);
    if (Date.now() - this.lastLine >= LINE_EVERY_MS) this.print();
  }

  override keys(keys: number): void {
    super.keys(keys);
    if (Date.now() - this.lastLine >= LINE_EVERY_MS) this.print();
  }

  override stop(): void {
    if (this.running) this.print();
    this.running = false;
  }

  private print(): void {
    this.lastLine = Date.now();
    const rate = this.rate();
    const left = this.total - this.done;
    const eta = rate > 0 && left > 0 ? `, ETA ${Math.ceil(left / rate)} s` : '';
    const percent = this.total > 0 ? ` (${((100 * this.done) / this.total).toFixed(1)}%)` : '';
    const keys = this.keysScanned ? `, ${this.keysScanned.toLocaleString('en-US')} keys scanned` : '';
    this.stream.write(
      `audit: ${this.done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} rows${percent}, ${rate.toLocaleString('en-US')} rows/s${eta}${keys} | ${this.where}\n`,
    );
  }
}
