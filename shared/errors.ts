/**
 * The connector's error taxonomy. The kind drives behaviour in the collector: `config` and `auth`
 * stop at once (no retry storm) with a distinct metric; `rate_limit`, `server` and `network` are
 * retried with backoff inside the client and, if still failing, end the run with the checkpoint
 * untouched. Every message says what to do; none may contain a secret.
 */
export type ErrorKind =
  | 'config'
  | 'auth'
  | 'region'
  | 'permission'
  | 'rate_limit'
  | 'history_limit'
  | 'bad_request'
  | 'server'
  | 'network'
  | 'timeout'
  | 'invalid_response'
  | 'sink'
  | 'checkpoint_conflict'
  | 'lease_held'
  /** Event Stream: the cursor is older than the API keeps (410); the events in between are gone. */
  | 'cursor_expired';

/** Kinds that no retry can fix: the user must change a setting or a credential. */
export const FATAL_KINDS: ReadonlySet<ErrorKind> = new Set([
  'config',
  'auth',
  'region',
  'permission',
  'bad_request',
]);

export interface ConnectorErrorOptions extends ErrorOptions {
  /** What the user should do, one sentence. */
  action?: string;
  /** Extra non-secret context for logs. */
  details?: Record<string, unknown>;
}

export class ConnectorError extends Error {
  readonly kind: ErrorKind;
  readonly action: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  constructor(kind: ErrorKind, message: string, options: ConnectorErrorOptions = {}) {
    super(options.action ? `${message}. ${options.action}` : message, { cause: options.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.action = options.action;
    this.details = options.details;
  }
  /** True when retrying later (next run) can succeed without a change by the user. */
  get retryable(): boolean {
    return !FATAL_KINDS.has(this.kind);
  }
}

/** A setting is missing or invalid. The message names the setting (flag / env var / parameter). */
export class ConfigError extends ConnectorError {
  constructor(message: string, options: ConnectorErrorOptions = {}) {
    super('config', message, options);
    this.name = 'ConfigError';
  }
}

export class CheckpointConflictError extends ConnectorError {
  constructor(message: string, options: ConnectorErrorOptions = {}) {
    super('checkpoint_conflict', message, options);
    this.name = 'CheckpointConflictError';
  }
}

export class SinkError extends ConnectorError {
  constructor(message: string, options: ConnectorErrorOptions = {}) {
    super('sink', message, options);
    this.name = 'SinkError';
  }
}

export function isConnectorError(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError;
}
