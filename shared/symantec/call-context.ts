import { redactor as defaultRedactor, type Redactor } from '../logging/redact.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { CredentialsSource, TokenSource } from '../ports/credentials.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { RetryPolicy } from './retry.ts';
import { OAuthTokenSource } from './token-source.ts';

/** The options every Symantec API client shares (incidents, Event Stream, Event Search). */
export interface CallOptions {
  /** API base URL: a region host (settings API_REGIONS) or a full URL (apiBaseUrl() in config/load.ts). */
  baseUrl: URL;
  credentials: CredentialsSource;
  /** Share an existing token source (one token per tenant); else one is created. */
  tokenSource?: TokenSource;
  /** Per-request timeout, body included (default 30 000). */
  requestTimeoutMs?: number;
  /** Attempts per request, the first included (default 6). */
  maxAttempts?: number;
  /** Backoff: first retry waits up to this (default 500 ms), doubling up to backoffMaxMs (default 30 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  clock?: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
  /** Jitter source (tests make it deterministic). */
  random?: () => number;
  redactor?: Redactor;
}

/** Defaults and retry policy of one client: one place, so every endpoint retries alike. */
export function callContext(options: CallOptions) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const redactor = options.redactor ?? defaultRedactor;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const policy: RetryPolicy = {
    maxAttempts: Math.max(1, options.maxAttempts ?? 6),
    baseMs: options.backoffBaseMs ?? 500,
    maxMs: options.backoffMaxMs ?? 30_000,
    clock,
    random: options.random,
    logger,
  };
  return { clock, logger, fetchFn, redactor, requestTimeoutMs, policy };
}

export type CallContext = ReturnType<typeof callContext>;

/** The OAuth token source of a client built with `ctx` (retries and redaction as its API calls). */
export function newTokenSource(options: CallOptions, ctx: CallContext): OAuthTokenSource {
  return new OAuthTokenSource({
    baseUrl: options.baseUrl,
    credentials: options.credentials,
    fetch: ctx.fetchFn,
    clock: ctx.clock,
    logger: ctx.logger,
    requestTimeoutMs: ctx.requestTimeoutMs,
    maxAttempts: ctx.policy.maxAttempts,
    backoffBaseMs: ctx.policy.baseMs,
    backoffMaxMs: ctx.policy.maxMs,
    random: options.random,
    redactor: ctx.redactor,
  });
}
