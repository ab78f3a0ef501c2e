import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import { AttemptError, RETRYABLE_KINDS, type SymantecApiError, toApiError } from './errors.ts';

/** Longest Retry-After we honour; a server asking for more gets this (then the attempt budget decides). */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Parse a Retry-After header: delta-seconds (`"120"`) or an HTTP date. Returns ms to wait (>= 0), or
 * undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // HTTP-date (IMF-fixdate and the obsolete forms Date.parse understands); needs a letter to be a date.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export interface BackoffOptions {
  /** First retry waits up to this much (ms). */
  baseMs: number;
  /** No wait exceeds this (ms), Retry-After aside. */
  maxMs: number;
}

/**
 * Full-jitter exponential backoff: a uniform draw in [0, min(max, base * 2^(retry-1))].
 * `retry` is 1 for the first retry. With a Retry-After, wait what the server asked (capped at
 * MAX_RETRY_AFTER_MS) plus a little jitter so clients do not stampede together.
 */
export function backoffDelay(
  retry: number,
  options: BackoffOptions,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined) {
    const asked = Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
    return asked + Math.floor(random() * Math.min(options.baseMs, 1000));
  }
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export interface RetryPolicy extends BackoffOptions {
  /** Total attempts, the first one included (>= 1). */
  maxAttempts: number;
  clock: Clock;
  random?: () => number;
  logger?: Logger;
}

/** Counters a caller wants incremented (page or client totals). */
export interface RequestCounters {
  requests: number;
  retries: number;
}

/** Sleep on the injected clock, but stop early (rejecting) if the caller aborts. */
export async function abortableSleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return clock.sleep(ms);
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([clock.sleep(ms), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Run `attempt` until it succeeds, a non-retryable AttemptError is thrown, or the budget is spent.
 * Retryable kinds: rate_limit, server, network, timeout, invalid_response. Every retry increments
 * `counters.retries`; the attempt function counts its own requests.
 */
export async function withRetry<T>(
  what: string,
  policy: RetryPolicy,
  counters: RequestCounters[],
  attempt: (n: number) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const random = policy.random ?? Math.random;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!(error instanceof AttemptError)) throw error;
      const { failure } = error;
      if (!RETRYABLE_KINDS.has(failure.kind) || n >= policy.maxAttempts) {
        throw toApiError(failure, n) satisfies SymantecApiError;
      }
      const delay = backoffDelay(n, policy, random, failure.retryAfterMs);
      policy.logger?.warn(`${what}: ${failure.kind} error, retrying`, {
        kind: failure.kind,
        status: failure.status,
        attempt: n,
        maxAttempts: policy.maxAttempts,
        delayMs: delay,
        reason: failure.reason,
      });
      for (const c of counters) c.retries++;
      await abortableSleep(policy.clock, delay, signal);
    }
  }
}
