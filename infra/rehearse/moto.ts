import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A moto_server child on 127.0.0.1; `endpoint` is what AWS_ENDPOINT_URL gets. */
export interface RunningMoto {
  endpoint: string;
  /** Start recording requests (moto's recorder): everything the code under test sends from now on. */
  startRecording(): Promise<void>;
  stopRecording(): Promise<void>;
  /** The recorded requests since the last start, oldest first. */
  recording(): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/** One request as moto's recorder stores it (body base64 when `body_encoded`). */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  body_encoded?: boolean;
}

/** True when `moto_server` is on PATH. */
export function motoAvailable(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

/** What Werkzeug prints once moto_server listens: ` * Running on http://127.0.0.1:PORT`. */
const LISTENING = /Running on http:\/\/127\.0\.0\.1:(\d+)/;

/**
 * Start `moto_server -H 127.0.0.1 -p 0` and wait (bounded) until it answers. moto binds the port
 * itself and prints it: a port picked by the caller and freed before moto binds it could be taken in
 * between, even by another test's moto, which would then answer this one's readiness check.
 */
export async function startMoto(options: { startTimeoutMs?: number } = {}): Promise<RunningMoto> {
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let lastError = '';
  // The recorder writes to a file (default ./moto_recording): one per server, removed on close.
  const dir = mkdtempSync(path.join(tmpdir(), 'ses-moto-'));
  for (let attempt = 0; attempt < 3; attempt++) {
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MOTO_RECORDER_FILEPATH: path.join(dir, 'recording.jsonl') },
    });
    let stderr = '';
    let found: string | undefined;
    const port = new Promise<string | undefined>((resolve) => {
      child.stderr?.on('data', (c: Buffer) => {
        stderr = (stderr + c.toString('utf8')).slice(-4000);
        // Once found, the rest is moto's request log: kept for errors, not searched again.
        if (found === undefined) found = LISTENING.exec(stderr)?.[1];
        if (found !== undefined) resolve(found);
      });
      child.once('exit', () => resolve(undefined));
    });
    const listening = await Promise.race([
      port,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref()),
    ]);
    if (listening !== undefined) {
      const endpoint = `http://127.0.0.1:${listening}`;
      if (await waitUntilUp(endpoint, child, timeoutMs)) return handle(endpoint, child, dir);
    }
    lastError = stderr.trim().split('\n').slice(-3).join(' | ');
    child.kill('SIGTERM');
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`moto_server did not start within ${timeoutMs} ms (3 attempts): ${lastError}`);
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}

function handle(endpoint: string, child: ChildProcess, dir: string): RunningMoto {
  const post = async (path: string) => {
    const res = await fetch(`${endpoint}${path}`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status}`);
  };
  return {
    endpoint,
    startRecording: async () => {
      await post('/moto-api/recorder/reset-recording');
      await post('/moto-api/recorder/start-recording');
    },
    stopRecording: () => post('/moto-api/recorder/stop-recording'),
    async recording() {
      const res = await fetch(`${endpoint}/moto-api/recorder/download-recording`, {
        signal: AbortSignal.timeout(10_000),
      });
      return splitJsonObjects(await res.text()).map((t) => JSON.parse(t) as RecordedRequest);
    },
    close: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The body of a recorded request as text. */
export function recordedBody(r: RecordedRequest): string {
  if (!r.body) return '';
  return r.body_encoded ? Buffer.from(r.body, 'base64').toString('utf8') : r.body;
}

/**
 * The recorder appends one JSON object per request; concurrent requests (moto serves them on threads)
 * can leave two objects on one line, so split on object boundaries rather than on newlines.
 */
export function splitJsonObjects(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(text.slice(start, i + 1));
        start = -1;
      }
    }
  }
  return out;
}
