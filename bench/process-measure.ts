/**
 * The child processes of the e2e and stream benchmarks: each stand-in, collector worker and floor runs
 * in its own Node process (tsx, --expose-gc, a 4 GiB heap) so each is measured alone, and reports one
 * JSON line on stdout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** `node --import tsx <args>`, stdout piped (its JSON line), stderr passed through. */
export function node(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--max-old-space-size=4096', '--expose-gc', '--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The first line the child prints; rejects if it exits before printing one. */
export async function firstLine(child: ChildProcess): Promise<string> {
  const rl = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`process exited with code ${code} before printing`)));
  });
}

/** Run a child to its end and parse the JSON line it printed first. */
export async function runJson<T>(args: string[]): Promise<T> {
  const child = node(args);
  const line = await firstLine(child);
  await new Promise((r) => child.once('exit', r));
  return JSON.parse(line) as T;
}
