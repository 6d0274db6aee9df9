import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './stores';

const run = promisify(execFile);

/** Debian's server binaries (package postgresql), newest version first. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'initdb')));
  if (!dir) throw new Error("initdb not found under /usr/lib/postgresql: install Debian's postgresql package (apt-get install postgresql)");
  return dir;
}

/**
 * A private, throwaway PostgreSQL server (initdb + pg_ctl) for specs that stop and start the
 * database under load without touching the shared one. As root, the server runs as the postgres
 * user (PostgreSQL refuses to run as root). It keeps its data directory and port across stop and
 * start, like a real server restart; destroy() removes both.
 */
export class PostgresServer {
  private constructor(
    readonly port: number,
    private readonly dataDir: string,
    private readonly bin: string,
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>`; append `/<database>`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PostgresServer> {
    const bin = binDir();
    const dataDir = mkdtempSync(join(tmpdir(), 'polaris-pg-'));
    if (userInfo().uid === 0) {
      const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout);
      chownSync(dataDir, await id('-u'), await id('-g'));
    }
    const server = new PostgresServer(await freePort(), dataDir, bin);
    await server.pg('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await server.up();
    return server;
  }

  /** Starts the server and waits until it accepts connections. */
  async up(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dataDir} -c fsync=off -c max_connections=200`;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-o', options, '-l', join(this.dataDir, 'server.log'), '-w', '-t', '60', 'start']);
  }

  /** Stops the server: `fast` ends every session at once, as a restart or a failover would. */
  async down(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.down('immediate').catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const path = join(this.bin, tool);
    const [file, argv] = userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
    await run(file, argv, { cwd: tmpdir() });
  }
}
