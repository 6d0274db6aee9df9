/**
 * CPU time by process, from /proc: the PostgreSQL backends of one database, PostgreSQL's shared
 * background processes, and named processes (the worker, the load generator), plus the whole
 * machine (/proc/stat). A sampler reads them every `intervalMs` and keeps each process's last
 * reading, because the load generator's backends exit with it: a backend's CPU is what it had used
 * at the last sample before it went (≤ one interval lost, alike on both sides).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

export type CpuClass = 'pgBackends' | 'pgShared' | 'pgOtherDatabases' | string;

/** utime + stime of a process in clock ticks, or null when it is gone. */
function processTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
    return Number(fields[11]) + Number(fields[12]); // utime (14th), stime (15th)
  } catch {
    return null;
  }
}

const SHARED = /: (checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|archiver|stats collector)\b/;

/** Which class a postgres process is in, for `database`; null for a process that is not PostgreSQL's. */
function postgresClass(pid: number, database: string): CpuClass | null {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return null;
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
    if (title === '') return 'exiting'; // a process that has exited (a zombie) has no command line left
    if (title.includes(` ${database} `) || title.endsWith(` ${database}`)) return 'pgBackends'; // its backends and autovacuum workers
    if (SHARED.test(title) || !title.startsWith('postgres:')) return 'pgShared'; // the postmaster and shared processes
    return 'pgOtherDatabases';
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the machine (all CPUs). */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy, total: busy + idle + iowait };
}

interface Reading {
  cls: CpuClass;
  first: number;
  last: number;
  /** true: seen at the sampler's start (its CPU before that is not counted); false: started during the window (all counted). */
  atStart: boolean;
}

export interface CpuWindow {
  seconds: number;
  /** CPU seconds by class over the window. */
  cpuS: Record<CpuClass, number>;
  /** Busy CPU seconds of the whole machine (every tenant) over the window. */
  machineBusyS: number;
}

export class CpuSampler {
  private readonly readings = new Map<number, Reading>();
  /** Processes that are neither PostgreSQL's nor named: not looked at again. */
  private readonly ignored = new Set<number>();
  private readonly startedAt = performance.now();
  private readonly machineStart = machineTicks();
  private timer: NodeJS.Timeout;

  /** `named`: class name -> pid of a process to follow whatever its command (the worker, the load generator). */
  constructor(
    private readonly database: string,
    private readonly named: Map<number, string> = new Map(),
    intervalMs = 100,
  ) {
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), intervalMs);
    this.timer.unref();
  }

  /** Follows one more process from now on (all its CPU counts if it was not running at the start). */
  follow(pid: number, cls: string): void {
    this.named.set(pid, cls);
    this.sample(false);
  }

  private sample(atStart: boolean): void {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (this.ignored.has(pid) && !this.named.has(pid)) continue;
      // Classified again while it looks like a shared process: a backend just forked still has the
      // postmaster's command line. A class once known is kept (an exiting backend's title is empty).
      const known = this.readings.get(pid);
      let cls = this.named.get(pid) ?? (known && known.cls !== 'pgShared' ? known.cls : postgresClass(pid, this.database));
      if (cls === 'exiting') cls = known?.cls ?? 'pgShared';
      if (cls === null) {
        this.ignored.add(pid);
        continue;
      }
      const ticks = processTicks(pid);
      if (ticks === null) continue;
      if (known) Object.assign(known, { cls, last: ticks });
      else this.readings.set(pid, { cls, first: atStart ? ticks : 0, last: ticks, atStart });
    }
  }

  /** CPU used since the sampler started (it keeps sampling: call again for a longer window). */
  read(): CpuWindow {
    this.sample(false);
    const cpuS: Record<string, number> = { pgBackends: 0, pgShared: 0, pgOtherDatabases: 0 };
    for (const cls of this.named.values()) cpuS[cls] ??= 0;
    for (const r of this.readings.values()) cpuS[r.cls] = (cpuS[r.cls] ?? 0) + (r.last - r.first) / CLK_TCK;
    const m = machineTicks();
    return {
      seconds: (performance.now() - this.startedAt) / 1000,
      cpuS,
      machineBusyS: (m.busy - this.machineStart.busy) / CLK_TCK,
    };
  }

  stop(): CpuWindow {
    const w = this.read();
    clearInterval(this.timer);
    return w;
  }
}
