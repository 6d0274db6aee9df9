import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import { freePort, sleep } from './stores';

export interface RedisClusterOptions {
  /** Masters, each owning a share of the 16384 slots; at least 3 (redis-cli's minimum). Default 3. */
  masters?: number;
  /** Replicas of each master. Default 0. */
  replicasPerMaster?: 0 | 1;
}

/** A node of a RedisCluster: its client port (and the cluster bus port it gossips on). */
export interface RedisClusterNode {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly busPort: number;
}

/** An address as a Redis Cluster reports it. */
export interface RedisClusterAddress {
  host: '127.0.0.1';
  port: number;
}

export interface RedisClusterReplica extends RedisClusterAddress {
  /** The client port of the master it replicates. */
  masterPort: number;
}

const HOST = '127.0.0.1' as const;
const SLOTS = 16384;
const POLL_MS = 100;
/** Every node answers PING within this after it is spawned. */
const PING_WITHIN_MS = 10_000;
/** redis-cli --cluster create is killed after this. */
const CREATE_WITHIN_MS = 60_000;
/** The cluster is ok and every node agrees within this after it is created (or after a failover). */
const SETTLE_WITHIN_MS = 30_000;
/** A manual failover is asked again when the replica is still a replica after this (Redis gives one up after 5 s). */
const FAILOVER_RETRY_MS = 10_000;
const FAILOVER_ATTEMPTS = 3;
/** SIGTERM, then SIGKILL after this, then give up after as long again. */
const STOP_GRACE_MS = 5_000;
/** Fresh ports are tried this many times when a node dies before answering (a port taken meanwhile). */
const START_ATTEMPTS = 3;
const OUTPUT_TAIL = 4_096;
/** Lines every redis-server prints at start, even at loglevel warning: left out of error messages. */
const STARTUP_NOISE = /oO0OoO0OoO0Oo|Redis version=|Configuration loaded|Server initialized|overcommit/;
/** redis-cli colours its output even without a terminal. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

interface Member {
  node: RedisClusterNode;
  dir: string;
  child?: ChildProcess;
  spawnError?: Error;
  output: string;
}

/** A node exited (or could not be spawned) before it answered: worth another try on other ports. */
class NodeDiedEarly extends Error {}

/** Resolves true when the promise settles within `ms`, false otherwise; leaves no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `probe` every POLL_MS until it returns undefined (done), bounded in time and in count.
 * A probe returns why it is not done yet (or throws, which counts the same); `check` runs outside
 * that handling: throw from it to give up at once.
 */
async function poll(what: string, timeoutMs: number, probe: () => Promise<string | undefined>, check?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const maxPolls = Math.ceil(timeoutMs / POLL_MS) + 1;
  let reason = 'never polled';
  for (let i = 0; i < maxPolls; i++) {
    check?.();
    try {
      const notYet = await probe();
      if (notYet === undefined) return;
      reason = notYet;
    } catch (err) {
      reason = (err as Error).message;
    }
    if (Date.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (last: ${reason})`);
}

/** One command on one node over a short-lived connection that never retries or queues. */
async function ask(port: number, ...args: (string | number)[]): Promise<any> {
  const redis = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 2000,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await redis.call(String(args[0]), ...args.slice(1));
  } finally {
    redis.disconnect();
  }
}

/** `field:value` lines of INFO or CLUSTER INFO. */
function parseInfo(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .filter((l) => l.includes(':') && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

interface SlotRange {
  start: number;
  end: number;
  master: number;
  replicas: number[];
}

/** CLUSTER SLOTS as port numbers, in slot order. */
function parseSlots(reply: any[]): SlotRange[] {
  return reply
    .map(([start, end, master, ...replicas]: any[]) => ({
      start: Number(start),
      end: Number(end),
      master: Number(master[1]),
      replicas: replicas.map((r: any[]) => Number(r[1])).sort((a: number, b: number) => a - b),
    }))
    .sort((a, b) => a.start - b.start);
}

interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
}

/** CLUSTER NODES lines: `<id> <ip:port@cport[,hostname]> <flags> <master id or -> ...`. */
function parseNodes(text: string): NodeLine[] {
  return text
    .split(/\r?\n/)
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, masterId] = line.split(' ');
      const port = Number(/:(\d+)@/.exec(address)?.[1]);
      return { id, port, flags: flags.split(','), masterId };
    });
}

/**
 * A private, throwaway Redis Cluster on loopback: one redis-server per node (own temp dir, own
 * client and bus ports), joined by `redis-cli --cluster create`. start() returns once every slot
 * is served and every node agrees on who serves it; stop() kills exactly the servers it started.
 * Roles are read live (masters(), replicas()), since failover() swaps them.
 */
export class RedisCluster {
  readonly nodes: readonly RedisClusterNode[];
  private stopping?: Promise<void>;
  private createOutput = '';

  private constructor(
    private readonly root: string,
    private readonly members: Member[],
    private readonly masterCount: number,
    private readonly replicasPerMaster: 0 | 1,
  ) {
    this.nodes = members.map((m) => m.node);
  }

  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masters = options.masters ?? 3;
    const replicasPerMaster = options.replicasPerMaster ?? 0;
    if (!Number.isInteger(masters) || masters < 3) {
      throw new Error(`RedisCluster: masters must be an integer of at least 3, not ${masters}`);
    }
    if (replicasPerMaster !== 0 && replicasPerMaster !== 1) {
      throw new Error(`RedisCluster: replicasPerMaster must be 0 or 1, not ${replicasPerMaster}`);
    }
    const count = masters * (1 + replicasPerMaster);
    for (let attempt = 1; ; attempt++) {
      const ports = await distinctFreePorts(2 * count);
      const root = mkdtempSync(join(tmpdir(), 'polaris-redis-cluster-'));
      const members = Array.from({ length: count }, (_, i): Member => {
        const node = { host: HOST, port: ports[i], busPort: ports[count + i] };
        const dir = join(root, String(node.port));
        mkdirSync(dir);
        return { node, dir, output: '' };
      });
      const cluster = new RedisCluster(root, members, masters, replicasPerMaster);
      try {
        await cluster.boot();
        return cluster;
      } catch (err) {
        await cluster.stop().catch((stopErr: Error) => ((err as Error).message += `\n(and stopping it: ${stopErr.message})`));
        if (!(err instanceof NodeDiedEarly) || attempt >= START_ATTEMPTS) throw err;
      }
    }
  }

  /** `127.0.0.1:p1,127.0.0.1:p2,...`: every node, as REDIS_CLUSTER_NODES takes them. */
  seeds(): string {
    return this.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  }

  /** The nodes that are masters now, each by its own account (CLUSTER NODES, `myself`), by port. */
  async masters(): Promise<RedisClusterAddress[]> {
    return (await this.roles()).filter((r) => !('masterPort' in r)).map(({ host, port }) => ({ host, port }));
  }

  /** The nodes that are replicas now, each by its own account, with the master it follows. */
  async replicas(): Promise<RedisClusterReplica[]> {
    return (await this.roles()).filter((r): r is RedisClusterReplica => 'masterPort' in r);
  }

  /** The master that serves `key`'s slot (CLUSTER KEYSLOT, then CLUSTER SLOTS), as the first node sees it. */
  async masterFor(key: string): Promise<RedisClusterAddress> {
    this.assertRunning();
    const port = this.nodes[0].port;
    const slot = Number(await ask(port, 'CLUSTER', 'KEYSLOT', key));
    const range = parseSlots(await ask(port, 'CLUSTER', 'SLOTS')).find((r) => r.start <= slot && slot <= r.end);
    if (!range) throw new Error(`RedisCluster: no master serves slot ${slot} (key ${JSON.stringify(key)})`);
    return { host: HOST, port: range.master };
  }

  /** A new ioredis Cluster client seeded with every node; the caller disconnects it. */
  client(options: ClusterOptions = {}): Cluster {
    this.assertRunning();
    return new Cluster(
      this.nodes.map(({ host, port }) => ({ host, port })),
      options,
    );
  }

  /** A new plain ioredis client of one node (it answers MOVED for keys it does not serve); the caller disconnects it. */
  nodeClient(port: number, options: RedisOptions = {}): Redis {
    this.assertRunning();
    this.member(port);
    return new Redis({ ...options, host: HOST, port });
  }

  /**
   * Promotes a replica with a coordinated CLUSTER FAILOVER (its master hands over once the replica
   * has caught up: no acknowledged write is lost), then waits until the replica is a master by its
   * own account and every node is ok and agrees on the new layout.
   */
  async failover(replicaPort: number): Promise<void> {
    this.assertRunning();
    this.member(replicaPort);
    const before = (await this.replicas()).find((r) => r.port === replicaPort);
    if (!before) throw new Error(`RedisCluster: ${HOST}:${replicaPort} is not a replica`);
    let sent = 0;
    let sentAt = 0;
    const send = async () => {
      const reply = await ask(replicaPort, 'CLUSTER', 'FAILOVER');
      if (reply !== 'OK') throw new Error(`RedisCluster: CLUSTER FAILOVER on ${replicaPort} answered ${reply}`);
      sent++;
      sentAt = Date.now();
    };
    await send();
    await poll(
      `RedisCluster: failover to ${HOST}:${replicaPort} (from ${before.masterPort})`,
      FAILOVER_ATTEMPTS * FAILOVER_RETRY_MS,
      async () => {
        const role = parseNodes(await ask(replicaPort, 'CLUSTER', 'NODES')).find((l) => l.flags.includes('myself'));
        if (!role?.flags.includes('master')) {
          if (Date.now() - sentAt >= FAILOVER_RETRY_MS && sent < FAILOVER_ATTEMPTS) await send();
          return `${replicaPort} is still a replica (CLUSTER FAILOVER sent ${sent} times)`;
        }
        const problem = await this.disagreement();
        if (problem) return problem;
        const layout = parseSlots(await ask(replicaPort, 'CLUSTER', 'SLOTS'));
        if (!layout.some((r) => r.master === replicaPort)) return `CLUSTER SLOTS does not list ${replicaPort} as a master yet`;
        return undefined;
      },
      () => this.assertAlive(),
    );
  }

  /** FLUSHALL on every master (the replicas follow). */
  async flushAll(): Promise<void> {
    for (const { port } of await this.masters()) await ask(port, 'FLUSHALL');
  }

  /**
   * Stops every server it started (SIGTERM; SIGKILL after 5 s) and removes its temp dirs. Safe to
   * call again, or concurrently: later calls wait for the first.
   */
  stop(): Promise<void> {
    this.stopping ??= this.halt();
    return this.stopping;
  }

  private async halt(): Promise<void> {
    const stuck = (await Promise.all(this.members.map((m) => this.terminate(m)))).filter((port) => port !== undefined);
    rmSync(this.root, { recursive: true, force: true });
    if (stuck.length) throw new Error(`RedisCluster: redis-server on ${stuck.join(', ')} did not exit after SIGKILL`);
  }

  /** Resolves with the port when the server outlived SIGKILL too. */
  private async terminate(member: Member): Promise<number | undefined> {
    const child = member.child;
    if (!child || exited(child)) return undefined;
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    if (await within(exit, STOP_GRACE_MS)) return undefined;
    child.kill('SIGKILL');
    return (await within(exit, STOP_GRACE_MS)) ? undefined : member.node.port;
  }

  private async boot(): Promise<void> {
    for (const member of this.members) this.spawnNode(member);
    await Promise.all(
      this.members.map((m) =>
        poll(
          `RedisCluster: redis-server on ${m.node.port} answering PING`,
          PING_WITHIN_MS,
          async () => ((await ask(m.node.port, 'PING')) === 'PONG' ? undefined : 'no PONG'),
          () => this.assertAlive(NodeDiedEarly),
        ),
      ),
    );
    await this.create();
    try {
      await poll(
        `RedisCluster: ${this.nodes.length} nodes ok and agreeing`,
        SETTLE_WITHIN_MS,
        () => this.disagreement(),
        () => this.assertAlive(),
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nredis-cli --cluster create said:\n${this.createOutput}${this.logs()}`, { cause: err });
    }
  }

  private spawnNode(member: Member): void {
    const { port, busPort } = member.node;
    // Bus ports are picked, not port + 10000: that may exceed 65535 for ephemeral ports.
    const args = [
      ['--port', port],
      ['--cluster-port', busPort],
      ['--bind', HOST],
      ['--cluster-enabled', 'yes'],
      ['--cluster-config-file', `nodes-${port}.conf`],
      ['--cluster-node-timeout', 2000],
      ['--cluster-announce-ip', HOST],
      ['--save', ''],
      ['--appendonly', 'no'],
      ['--dir', member.dir],
      ['--loglevel', 'warning'],
      // A replica's first sync starts at once (Redis 7 otherwise waits 5 s for more replicas to join it),
      // and its offset moves within a second: CLUSTER SLOTS leaves out replicas still at offset 0, and
      // an idle master otherwise pings its replicas (moving the offset) only every 10 s.
      ['--repl-diskless-sync-delay', 0],
      ['--repl-ping-replica-period', 1],
      // Exit at once on SIGTERM, without waiting for lagging replicas (the data is thrown away).
      ['--shutdown-on-sigterm', 'now'],
    ].flatMap(([name, value]) => [String(name), String(value)]);
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (member.output = (member.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (err) => (member.spawnError = err));
    member.child = child;
  }

  private async create(): Promise<void> {
    const args = ['--cluster', 'create', ...this.nodes.map((n) => `${n.host}:${n.port}`)];
    args.push('--cluster-replicas', String(this.replicasPerMaster), '--cluster-yes');
    const { code, output } = await new Promise<{ code: number | string | null; output: string }>((resolve) =>
      execFile('redis-cli', args, { timeout: CREATE_WITHIN_MS, killSignal: 'SIGKILL', maxBuffer: 4 << 20 }, (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as any).code ?? (err as any).signal ?? 'error') : 0,
          output: `${stdout}${stderr}`.replace(ANSI_COLOUR, ''),
        }),
      ),
    );
    this.createOutput = output;
    if (code !== 0) {
      throw new Error(`RedisCluster: redis-cli ${args.join(' ')} failed (${code}):\n${output}${this.logs()}`);
    }
  }

  /**
   * Why the cluster is not settled yet, or undefined when it is: every node says cluster_state:ok
   * with all 16384 slots assigned and ok, knows every node, and reports the same CLUSTER SLOTS
   * with the expected number of masters and replicas; and every replica's link to its master is up.
   */
  private async disagreement(): Promise<string | undefined> {
    const views = new Map<number, string>();
    let layout: SlotRange[] = [];
    for (const { port } of this.nodes) {
      const info = parseInfo(await ask(port, 'CLUSTER', 'INFO'));
      if (info.cluster_state !== 'ok') return `${port}: cluster_state:${info.cluster_state}`;
      if (info.cluster_slots_assigned !== String(SLOTS)) return `${port}: cluster_slots_assigned:${info.cluster_slots_assigned}`;
      if (info.cluster_slots_ok !== String(SLOTS)) return `${port}: cluster_slots_ok:${info.cluster_slots_ok}`;
      if (info.cluster_known_nodes !== String(this.nodes.length)) return `${port}: cluster_known_nodes:${info.cluster_known_nodes}`;
      layout = parseSlots(await ask(port, 'CLUSTER', 'SLOTS'));
      views.set(port, JSON.stringify(layout));
    }
    if (new Set(views.values()).size > 1) {
      return `nodes disagree on CLUSTER SLOTS: ${[...views].map(([port, view]) => `${port} sees ${view}`).join('; ')}`;
    }
    const masters = new Set(layout.map((r) => r.master));
    const replicas = new Set(layout.flatMap((r) => r.replicas));
    if (masters.size !== this.masterCount) return `CLUSTER SLOTS lists ${masters.size} masters, not ${this.masterCount}`;
    const expected = this.masterCount * this.replicasPerMaster;
    if (replicas.size !== expected) return `CLUSTER SLOTS lists ${replicas.size} replicas, not ${expected}`;
    for (const port of replicas) {
      const link = parseInfo(await ask(port, 'INFO', 'replication')).master_link_status;
      if (link !== 'up') return `${port}: master_link_status:${link}`;
    }
    return undefined;
  }

  /** Each node's role by its own account (the `myself` line of its CLUSTER NODES), by port. */
  private async roles(): Promise<(RedisClusterAddress | RedisClusterReplica)[]> {
    this.assertRunning();
    const roles = await Promise.all(
      this.nodes.map(async ({ port }) => {
        const lines = parseNodes(await ask(port, 'CLUSTER', 'NODES'));
        const self = lines.find((l) => l.flags.includes('myself'));
        if (!self) throw new Error(`RedisCluster: CLUSTER NODES on ${port} has no myself line`);
        if (self.flags.includes('master')) return { host: HOST, port };
        const master = lines.find((l) => l.id === self.masterId);
        if (!master) throw new Error(`RedisCluster: ${port} replicates ${self.masterId}, which it does not list`);
        return { host: HOST, port, masterPort: master.port };
      }),
    );
    return roles.sort((a, b) => a.port - b.port);
  }

  private member(port: number): Member {
    const member = this.members.find((m) => m.node.port === port);
    if (!member) throw new Error(`RedisCluster: ${port} is not a node of this cluster (${this.seeds()})`);
    return member;
  }

  private assertRunning(): void {
    if (this.stopping) throw new Error('RedisCluster: stopped');
  }

  /** Throws when one of its servers is gone (exited, or never spawned). */
  private assertAlive(kind: new (message: string) => Error = Error): void {
    const dead = this.members.filter((m) => m.spawnError || !m.child || exited(m.child));
    if (!dead.length) return;
    const why = dead.map((m) => `${m.node.port}: ${m.spawnError?.message ?? `exited (${m.child?.exitCode ?? m.child?.signalCode})`}`);
    throw new kind(`RedisCluster: redis-server gone: ${why.join(', ')}${this.logs()}`);
  }

  /** The tail of every server's output, for error messages. */
  private logs(): string {
    const tails = this.members
      .map((m) => ({ port: m.node.port, lines: m.output.split('\n').filter((l) => l.trim() && !STARTUP_NOISE.test(l)) }))
      .filter((t) => t.lines.length)
      .map((t) => `--- redis-server ${t.port}:\n${t.lines.join('\n')}`);
    return tails.length ? `\n${tails.join('\n')}` : '';
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** `n` distinct free loopback ports (bounded: gives up after 20 n tries). */
async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let i = 0; i < 20 * n && ports.size < n; i++) ports.add(await freePort());
  if (ports.size < n) throw new Error(`RedisCluster: found only ${ports.size} of ${n} free ports`);
  return [...ports];
}
