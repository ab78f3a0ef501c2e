/**
 * Redactor cost, CPU seconds per call (best of ROUNDS), one JSON line per case:
 * {"bench":"redact","case":…,"bytes":…,"secrets":…,"cpu_s":…}
 * - line64MiB_run: a 64 MiB log line of one run of token characters, one 1000-character token known;
 * - line64MiB_words: 64 MiB of 40-character token-like words separated by spaces, the same token;
 * - error300_3secrets: a 300-character error text with 3 secrets known (µs: `cpu_us` per call).
 * No target: the figures are quoted in docs/security.md ("Known gaps").
 */
import { Redactor } from '../shared/logging/redact.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const MiB = 1024 * 1024;

/** Deterministic base64url text of `n` characters. */
function tokenChars(n: number, seed: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let s = seed >>> 0;
  let out = '';
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out += alphabet[s >>> 26];
  }
  return out;
}

function cpuSeconds(fn: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return best;
}

const token = `eyJhbGciOiJSUzI1NiJ9.${tokenChars(979, 1)}`;
const big = new Redactor();
big.add(token);

const run = 'a'.repeat(64 * MiB);
const word = tokenChars(40, 7);
const words = `${word} `.repeat(Math.floor((64 * MiB) / 41));
for (const [name, text] of [
  ['line64MiB_run', run],
  ['line64MiB_words', words],
] as const) {
  const cpu = cpuSeconds(() => big.redact(text));
  process.stdout.write(
    `${JSON.stringify({ bench: 'redact', case: name, bytes: text.length, secrets: 1, cpu_s: Number(cpu.toFixed(3)) })}\n`,
  );
}

const three = new Redactor();
const secrets = [token, `${tokenChars(40, 2)}`, `client-secret-${tokenChars(24, 3)}`];
for (const s of secrets) three.add(s);
const error =
  `The API at api.sep.securitycloud.symantec.com refused /v1/incidents with 400: {"error":"invalid_request","message":"Invalid token ${token.slice(100, 140)} for client 6d8a1c3e-5a7b-4f2e-9b1d-2c3e4f5a6b7c","requestId":"${tokenChars(32, 4)}"}`
    .padEnd(300, ' x')
    .slice(0, 300);
const CALLS = 10_000;
const cpu = cpuSeconds(() => {
  for (let i = 0; i < CALLS; i++) three.redact(error);
});
process.stdout.write(
  `${JSON.stringify({ bench: 'redact', case: 'error300_3secrets', bytes: error.length, secrets: 3, cpu_us: Number(((cpu / CALLS) * 1e6).toFixed(2)) })}\n`,
);
