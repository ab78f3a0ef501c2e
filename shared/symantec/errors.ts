import { ConnectorError, type ConnectorErrorOptions, type ErrorKind } from '../errors.ts';

/** Kinds the client retries with backoff inside one request (then gives up with a typed error). */
export const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set([
  'rate_limit',
  'server',
  'network',
  'timeout',
  'invalid_response',
]);

export interface SymantecApiErrorOptions extends ConnectorErrorOptions {
  /** HTTP status, when there was a response. */
  status?: number;
  /** Attempts spent before giving up. */
  attempts?: number;
}

/**
 * An error from the Symantec API client. The kind drives the collector (see shared/errors.ts); the
 * message names the endpoint and what to check. Never contains a secret, token or header value.
 */
export class SymantecApiError extends ConnectorError {
  readonly status: number | undefined;
  readonly attempts: number | undefined;
  constructor(kind: ErrorKind, message: string, options: SymantecApiErrorOptions = {}) {
    super(kind, message, options);
    this.name = 'SymantecApiError';
    this.status = options.status;
    this.attempts = options.attempts;
  }
}

/** One failed attempt, before it is known whether another attempt will follow. */
export interface AttemptFailure {
  kind: ErrorKind;
  /** What happened, without the action (the final error adds attempts and action). */
  reason: string;
  action: string;
  status?: number;
  /** Delay the server asked for (Retry-After), ms. */
  retryAfterMs?: number;
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** Thrown inside an attempt; the retry loop turns it into a SymantecApiError when it gives up. */
export class AttemptError extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.reason, { cause: failure.cause });
    this.name = 'AttemptError';
  }
}

export function toApiError(failure: AttemptFailure, attempts: number): SymantecApiError {
  const retried =
    RETRYABLE_KINDS.has(failure.kind) && attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
  return new SymantecApiError(failure.kind, `${failure.reason}${retried}`, {
    action: failure.action,
    status: failure.status,
    attempts,
    cause: failure.cause,
    details: { ...failure.details, ...(failure.status ? { status: failure.status } : {}), attempts },
  });
}

/** Longest error-body excerpt that reaches an error message. */
export const ERROR_MESSAGE_MAX_CHARS = 300;

/**
 * Extract the error text from `{"message": ...}`, `{"fault":{"faultstring": ...}}` and similar bodies,
 * redacted by `redact` FIRST and only then cut to ERROR_MESSAGE_MAX_CHARS: cutting first turned a long
 * echoed token into a prefix the redactor no longer recognised, and that prefix reached the output.
 */
export function errorBodyMessage(text: string, redact: (text: string) => string): string | undefined {
  const raw = rawErrorMessage(text);
  if (raw === undefined) return undefined;
  const safe = redact(raw);
  return safe.length > ERROR_MESSAGE_MAX_CHARS ? `${safe.slice(0, ERROR_MESSAGE_MAX_CHARS)}...` : safe;
}

function rawErrorMessage(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (body && typeof body === 'object') {
      const fault = body.fault as Record<string, unknown> | undefined;
      for (const candidate of [
        body.message,
        fault?.faultstring,
        body.error_description,
        body.error,
        body.errorMessage,
        body.detail,
      ]) {
        if (typeof candidate === 'string' && candidate.length > 0) return candidate;
      }
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const trimmed = text.trim();
  return trimmed || undefined;
}
