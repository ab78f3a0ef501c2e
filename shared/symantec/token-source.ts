import { ConnectorError } from '../errors.ts';
import { redactor as defaultRedactor, type Redactor } from '../logging/redact.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { CredentialsSource, TokenSource } from '../ports/credentials.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import { AttemptError, errorBodyMessage, toApiError } from './errors.ts';
import { commonFailure, send } from './http.ts';
import { type RequestCounters, withRetry } from './retry.ts';

export const TOKEN_PATH = 'v1/oauth2/tokens';

/** Refresh this long before the announced expiry (or at 90 % of very short lifetimes). */
export const TOKEN_EXPIRY_MARGIN_MS = 60_000;
/** Lifetime assumed when the response has no usable `expires_in` (documented 3600 s). */
const DEFAULT_EXPIRES_IN_S = 3600;
/**
 * Bounds of a token lifetime taken from `expires_in`: below a minute every call would fetch a token;
 * above a day is no lifetime the API documents (1e300 made the expiry an invalid date). A token that
 * dies earlier than announced is refreshed on its first 401.
 */
export const TOKEN_LIFETIME_BOUNDS_S = { min: 60, max: 86_400 } as const;

/** `expires_in` (number or numeric string) in seconds, bounded; `warn` names the field when it is not used as is. */
export function tokenLifetimeSeconds(value: unknown, warn: (message: string) => void): number {
  const { min, max } = TOKEN_LIFETIME_BOUNDS_S;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(n)) {
    warn(
      `token response field expires_in is ${value === undefined ? 'missing' : `not a number (${JSON.stringify(value).slice(0, 40)})`}; assuming ${DEFAULT_EXPIRES_IN_S} s`,
    );
    return DEFAULT_EXPIRES_IN_S;
  }
  if (n < min || n > max) {
    const used = n < min ? min : max;
    warn(
      `token response field expires_in=${String(value).slice(0, 40)} is outside ${min}..${max} s; using ${used} s`,
    );
    return used;
  }
  return n;
}

export interface OAuthTokenSourceOptions {
  baseUrl: URL;
  credentials: CredentialsSource;
  fetch?: typeof fetch;
  clock?: Clock;
  logger?: Logger;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
  redactor?: Redactor;
}

/** Join a base URL (possibly with a path prefix) and a relative API path. */
export function apiUrl(base: URL, path: string): URL {
  const dir = base.href.endsWith('/') ? base.href : `${base.href}/`;
  return new URL(path, dir);
}

/**
 * OAuth2 client-credentials token source for `POST /v1/oauth2/tokens` (Basic base64(id:secret), form
 * content type). The token is cached until TOKEN_EXPIRY_MARGIN_MS before expiry; concurrent callers
 * share one request; `invalidate()` (after a 401) forces a new one. The secret, the Basic value and
 * the token are registered with the redactor and never logged.
 */
export class OAuthTokenSource implements TokenSource {
  /** Requests and retries spent on tokens since creation (the client adds them to page counters). */
  readonly counters: RequestCounters = { requests: 0, retries: 0 };
  private token: string | undefined;
  private expiresAt = 0;
  private inflight: Promise<string> | undefined;
  private readonly fetchFn: typeof fetch;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly redactor: Redactor;

  constructor(private readonly options: OAuthTokenSourceOptions) {
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.redactor = options.redactor ?? defaultRedactor;
  }

  async getToken(signal?: AbortSignal): Promise<string> {
    if (this.token && this.clock.now() < this.expiresAt) return this.token;
    this.inflight ??= this.fetchToken(signal).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  invalidate(): void {
    this.token = undefined;
    this.expiresAt = 0;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const { credentials } = this.options;
    const url = apiUrl(this.options.baseUrl, TOKEN_PATH);
    let creds: { clientId: string; clientSecret: string };
    try {
      creds = await credentials.get();
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      throw toApiError(
        {
          kind: 'auth',
          reason: `Could not read the client credentials from ${credentials.description}`,
          action:
            'Set SES_CLIENT_ID and SES_CLIENT_SECRET locally, or check the Secrets Manager secret (and the permission to read it) in AWS',
          cause: error,
        },
        1,
      );
    }
    const basic = Buffer.from(`${creds.clientId}:${creds.clientSecret}`, 'utf8').toString('base64');
    this.redactor.add(creds.clientSecret);
    this.redactor.add(basic);
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    const token = await withRetry(
      'token request',
      {
        maxAttempts: this.options.maxAttempts ?? 6,
        baseMs: this.options.backoffBaseMs ?? 500,
        maxMs: this.options.backoffMaxMs ?? 30_000,
        clock: this.clock,
        random: this.options.random,
        logger: this.logger,
      },
      [this.counters],
      async () => {
        this.counters.requests++;
        const result = await send(
          this.fetchFn,
          url,
          {
            method: 'POST',
            headers: {
              Authorization: `Basic ${basic}`,
              'Content-Type': 'application/x-www-form-urlencoded',
              Accept: 'application/json',
            },
            body: 'grant_type=client_credentials',
          },
          timeoutMs,
          signal,
        );
        const safe = errorBodyMessage(result.text, (t) => this.redactor.redact(t));
        if (result.status === 400 || result.status === 401) {
          throw new AttemptError({
            kind: 'auth',
            status: result.status,
            reason: `The API at ${url.host} rejected the client credentials from ${credentials.description} (${result.status}${safe ? `: ${safe}` : ''})`,
            action:
              'Check the client ID and secret: SES_CLIENT_ID / SES_CLIENT_SECRET locally, or the Secrets Manager secret in AWS; also check that SES_API_REGION / SES_API_URL is the region where the client application was created',
          });
        }
        const common = commonFailure(url, result, this.clock.now(), safe);
        if (common) throw common;
        if (result.status < 200 || result.status >= 300) {
          throw new AttemptError({
            kind: 'bad_request',
            status: result.status,
            reason: `The API at ${url.host} answered the token request with ${result.status}${safe ? `: ${safe}` : ''}`,
            action:
              'Check SES_API_REGION / SES_API_URL: it must be the Symantec API base URL, without a path',
          });
        }
        let body: { access_token?: unknown; expires_in?: unknown };
        try {
          body = JSON.parse(result.text) as typeof body;
        } catch (error) {
          throw new AttemptError({
            kind: 'invalid_response',
            status: result.status,
            reason: `The token response from ${url.host} is not valid JSON (${result.text.length} bytes)`,
            action: 'Run again later; if it persists, check SES_API_URL points to the Symantec API',
            cause: error,
          });
        }
        if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
          throw new AttemptError({
            kind: 'invalid_response',
            status: result.status,
            reason: `The token response from ${url.host} has no access_token string`,
            action: 'Run again later; if it persists, check SES_API_URL points to the Symantec API',
          });
        }
        this.redactor.add(body.access_token);
        const expiresIn = tokenLifetimeSeconds(body.expires_in, (message) =>
          this.logger.warn(message, { host: url.host }),
        );
        const lifetimeMs = expiresIn * 1000;
        this.expiresAt =
          this.clock.now() + Math.max(0, lifetimeMs - Math.min(TOKEN_EXPIRY_MARGIN_MS, lifetimeMs * 0.1));
        return body.access_token;
      },
      signal,
    );
    this.token = token;
    this.logger.debug('obtained an API access token', {
      host: url.host,
      expiresAt: new Date(this.expiresAt).toISOString(),
    });
    return token;
  }
}
