/**
 * The child processes of the e2e and stream benchmarks: each stand-in, collector worker and floor runs
 * in its own Node process (tsx, --expose-gc, a 4 GiB heap) so each is measured alone, and reports one
 * JSON line on stdout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The V8 heap flags of a child unless told otherwise: a 4 GiB old space, V8's own young generation. */
export const DEFAULT_HEAP_FLAGS: readonly string[] = ['--max-old-space-size=4096'];

/**
 * The heap flags AWS Lambda's Node.js runtime gives a function of `memoryMb` when NODE_OPTIONS sets
 * neither (its bootstrap script: new space = memory / 10, so a semi-space of memory / 20, and the old
 * space the rest): a child run with them collects garbage as the function does.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/** `node --import tsx <args>`, stdout piped (its JSON line), stderr passed through. */
export function node(
  args: string[],
  heapFlags: readonly string[] = DEFAULT_HEAP_FLAGS,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  return spawn(process.execPath, [...heapFlags, '--expose-gc', '--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
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

/** bench/standin.ts running in its own process, once it is ready. */
export interface Standin {
  child: ChildProcess;
  api: string;
  firehose: string;
  versions: number;
}

/**
 * Starts bench/standin.ts for `versions` incident versions from `templatePages` template pages (written
 * to `pageFile` for the floor) and waits for its URLs. The caller kills `child` when done.
 */
export async function startStandin(
  versions: number,
  templatePages: number,
  pageFile: string,
): Promise<Standin> {
  const standin = fileURLToPath(new URL('standin.ts', import.meta.url));
  const child = node([standin, String(versions), String(templatePages), pageFile]);
  const info = JSON.parse(await firstLine(child)) as { api: string; firehose: string; versions: number };
  return { child, ...info };
}

/** Run a child to its end and parse the JSON line it printed first. */
export async function runJson<T>(
  args: string[],
  heapFlags?: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<T> {
  const child = node(args, heapFlags, env);
  const line = await firstLine(child);
  await new Promise((r) => child.once('exit', r));
  return JSON.parse(line) as T;
}

/**
 * CPU seconds of each thread of this process (Linux /proc/self/task; empty elsewhere), keyed `main`
 * for the JavaScript thread and `<name>-<tid>` for the others: process.cpuUsage() sums them all, and
 * V8's GC helpers and libuv's pool (zlib, crypto) run on threads of their own.
 */
export function threadCpuSeconds(): Record<string, number> {
  const out: Record<string, number> = {};
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  const tick = 100; // USER_HZ: /proc reports utime and stime in 1/100 s on Linux
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      out[Number(tid) === process.pid ? 'main' : `${name}-${tid}`] =
        (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** `after − before` as main thread and the sum of the others (threads not there before count from 0). */
export function threadCpuDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): { main: number; others: number; busiest_other: number } {
  let main = 0;
  let others = 0;
  let busiest = 0;
  for (const [key, s] of Object.entries(after)) {
    const d = s - (before[key] ?? 0);
    if (key === 'main') main = d;
    else {
      others += d;
      busiest = Math.max(busiest, d);
    }
  }
  const r = (n: number) => Math.round(n * 100) / 100;
  return { main: r(main), others: r(others), busiest_other: r(busiest) };
}
