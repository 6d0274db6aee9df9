import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface AppProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Runs an app's real entry point (apps/<app>/main.ts) as a separate process, with the spec's environment. */
export function spawnApp(app: 'api' | 'worker', env: Record<string, string> = {}, args: string[] = []): AppProcess {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/${app}/main.ts`, ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output, exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
}
