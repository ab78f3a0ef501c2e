import type { TokenSource } from '../ports/credentials.ts';
import type { IncidentPage, IncidentQuery, IncidentSource } from '../ports/incident-source.ts';
import { type CallOptions, callContext, newTokenSource } from './call-context.ts';
import { AttemptError, errorBodyMessage, SymantecApiError } from './errors.ts';
import { commonFailure, type HttpResult, send } from './http.ts';
import { type RequestCounters, withRetry } from './retry.ts';
import {
  describeZodIssues,
  type IncidentsResponse,
  incidentsResponseSchema,
  validateIncidents,
} from './schemas.ts';
import { apiUrl, type OAuthTokenSource } from './token-source.ts';

export const INCIDENTS_PATH = 'v1/incidents';
/** API maximum for `limit`. */
export const MAX_PAGE_SIZE = 2000;

/** The incidents client takes the shared call options; its token source is the OAuth one (warm reuse). */
export interface SymantecClientOptions extends CallOptions {
  /** A token source that outlives the client (a warm Lambda container's); else one is created. */
  tokenSource?: OAuthTokenSource;
}

export interface SymantecClient {
  tokenSource: TokenSource;
  incidents: IncidentSource;
  /** Requests (token calls included) and retries since the client was created. */
  stats(): { requests: number; retries: number };
}

/** Body of `POST /v1/incidents`, exactly as sent. */
export interface IncidentsRequestBody {
  start_date: string;
  end_date: string;
  next: number;
  limit: number;
  include_events: boolean;
  query?: string;
}

export function incidentsRequestBody(query: IncidentQuery, offset: number): IncidentsRequestBody {
  const body: IncidentsRequestBody = {
    start_date: query.startDate.toISOString(),
    end_date: query.endDate.toISOString(),
    next: offset,
    limit: query.limit,
    include_events: query.includeEvents,
  };
  if (query.query !== undefined && query.query !== '') body.query = query.query;
  return body;
}

const HISTORY_LIMIT =
  /older than|30[- ]?days?|(start[_ ]?date|start time)\b.*\b(within|beyond|exceed\w*|retention|history)/i;
const AUTH_TEXT =
  /invalid client token|credential mismatch|invalid (access )?token|expired token|unauthori[sz]ed/i;

/**
 * Create the Symantec API client the collector uses: a cached OAuth2 token source and an
 * IncidentSource that streams `POST /v1/incidents` page by page with retries and validation.
 *
 * @example
 * const client = createSymantecClient({ baseUrl: apiBaseUrl(settings), credentials });
 * for await (const page of client.incidents.pages({ startDate, endDate, limit: 1000, includeEvents: true })) {
 *   await deliver(page.incidents); quarantine(page.invalid);
 * }
 */
export function createSymantecClient(options: SymantecClientOptions): SymantecClient {
  const ctx = callContext(options);
  const { clock, logger, fetchFn, redactor, requestTimeoutMs, policy } = ctx;
  const tokenSource = options.tokenSource ?? newTokenSource(options, ctx);
  const totals: RequestCounters = { requests: 0, retries: 0 };
  const url = apiUrl(options.baseUrl, INCIDENTS_PATH);

  /** One page with retries; `page` counters include the token calls made on its behalf. */
  async function fetchPage(
    body: IncidentsRequestBody,
    page: RequestCounters,
    signal?: AbortSignal,
    ready?: () => Promise<void>,
  ): Promise<IncidentsResponse> {
    return call(url, { method: 'POST', body: JSON.stringify(body) }, page, signal, interpret, ready);
  }

  /** One API call with the token, one refresh on a 401, and retries; `interpretFn` reads the answer. */
  async function call<T>(
    target: URL,
    init: { method: 'GET' | 'POST'; body?: string },
    page: RequestCounters,
    signal: AbortSignal | undefined,
    interpretFn: (result: HttpResult) => T,
    /** Awaited before a 2xx answer is interpreted (PageReadOptions.ready); inside the retry loop. */
    ready?: () => Promise<void>,
  ): Promise<T> {
    /** True while the last answer was a 401 already answered by a token refresh. */
    let refreshedAfter401 = false;
    const withToken = async <T>(fn: () => Promise<T>): Promise<T> => {
      const before = { ...tokenSource.counters };
      try {
        return await fn();
      } finally {
        const dr = tokenSource.counters.requests - before.requests;
        const dt = tokenSource.counters.retries - before.retries;
        page.requests += dr;
        page.retries += dt;
        totals.requests += dr;
        totals.retries += dt;
      }
    };
    const attempt = async (): Promise<T> => {
      const token = await withToken(() => tokenSource.getToken(signal));
      page.requests++;
      totals.requests++;
      const headers: Record<string, string> = {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
      };
      if (init.body !== undefined) headers['Content-Type'] = 'application/json';
      const result = await send(
        fetchFn,
        target,
        { method: init.method, headers, ...(init.body !== undefined ? { body: init.body } : {}) },
        requestTimeoutMs,
        signal,
      );
      if (result.status === 401 && !refreshedAfter401) {
        // The token expired or was revoked early: fetch a new one and try once more, outside the budget.
        refreshedAfter401 = true;
        tokenSource.invalidate();
        page.retries++;
        totals.retries++;
        logger.info('the API rejected the access token (401); refreshing it once', { host: url.host });
        return attempt();
      }
      // A fresh token rejected right away is an auth problem; any other answer re-arms the refresh.
      if (result.status !== 401) refreshedAfter401 = false;
      // Error answers are interpreted at once (their retry's backoff starts now); a page waits for its
      // reader, and an unparsable one is still retried from here.
      if (ready && result.status >= 200 && result.status < 300) await untilReady(ready(), signal);
      return interpretFn(result);
    };
    return withRetry(`${init.method} ${target.pathname}`, policy, [page, totals], attempt, signal);
  }

  function interpret(result: HttpResult): IncidentsResponse {
    // Only error bodies carry a message; parsing a multi-megabyte page twice is wasted time.
    const ok = result.status >= 200 && result.status < 300;
    const message = ok ? undefined : errorBodyMessage(result.text, (t) => redactor.redact(t));
    const said = message ? `: ${message}` : '';
    if (result.status === 401) {
      throw new AttemptError({
        kind: 'auth',
        status: 401,
        reason: `The API at ${url.host} rejected a fresh access token for ${url.pathname} (401)${said}`,
        action: `Check the client application behind ${options.credentials.description} (SES_CLIENT_ID / SES_CLIENT_SECRET, or the Secrets Manager secret) still exists and is enabled, and that SES_API_REGION / SES_API_URL is its region`,
      });
    }
    const common = commonFailure(url, result, clock.now(), message);
    if (common) throw common;
    if (result.status === 400 && message && HISTORY_LIMIT.test(message)) {
      throw new AttemptError({
        kind: 'history_limit',
        status: 400,
        reason: `The API refused the window: its start date is older than the 30 days the API keeps${said}`,
        action:
          'Start within the last 30 days: lower SES_INITIAL_LOOKBACK_MINUTES or the backfill --since; the collector clamps windows to SES_HISTORY_DAYS minus SES_HISTORY_MARGIN_MINUTES',
      });
    }
    if (result.status === 400 && message && AUTH_TEXT.test(message)) {
      throw new AttemptError({
        kind: 'auth',
        status: 400,
        reason: `The API at ${url.host} rejected the credentials for ${url.pathname} (400)${said}`,
        action: `Check SES_CLIENT_ID / SES_CLIENT_SECRET or the Secrets Manager secret (${options.credentials.description})`,
      });
    }
    if (result.status < 200 || result.status >= 300) {
      throw new AttemptError({
        kind: 'bad_request',
        status: result.status,
        reason: `The API at ${url.host} refused ${url.pathname} with ${result.status}${said}`,
        action:
          result.status === 404
            ? 'Check SES_API_URL: it must be the API base URL (e.g. https://api.sep.securitycloud.symantec.com), without /v1'
            : 'Check SES_PAGE_SIZE (1-2000), the window dates and the query; this request will not succeed by retrying',
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(result.text);
    } catch (error) {
      throw new AttemptError({
        kind: 'invalid_response',
        status: result.status,
        reason: `The incidents response from ${url.host} is not valid JSON (${result.text.length} bytes, possibly truncated)`,
        action:
          'Run again later; the checkpoint stays where it is. If it persists, report it to Symantec support',
        cause: error,
      });
    }
    const parsed = incidentsResponseSchema.safeParse(json);
    if (!parsed.success || json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new AttemptError({
        kind: 'invalid_response',
        status: result.status,
        reason: `The incidents response from ${url.host} does not have the {total, next, incidents[]} shape${parsed.success ? '' : ` (${describeZodIssues(parsed.error.issues, json)})`}`,
        action: 'Run again later; if it persists, check SES_API_URL points to the Symantec API',
      });
    }
    // Marks the page so its items with replacement characters are quarantined (validateIncidents).
    return result.invalidUtf8 ? { ...parsed.data, invalidUtf8: true } : parsed.data;
  }

  /** `GET /v1/incidents/{uid}`: 404 means unknown; the body is the incident or `{"incident": {...}}`. */
  function interpretOne(result: HttpResult): { raw: unknown; invalidUtf8: boolean } | undefined {
    if (result.status === 404) return undefined;
    if (result.status < 200 || result.status >= 300) {
      interpret(result); // throws the typed error
      return undefined;
    }
    const invalidUtf8 = result.invalidUtf8 === true;
    try {
      const json = JSON.parse(result.text) as unknown;
      if (json && typeof json === 'object' && !Array.isArray(json) && 'incident' in json)
        return { raw: (json as { incident: unknown }).incident, invalidUtf8 };
      return { raw: json, invalidUtf8 };
    } catch (error) {
      throw new AttemptError({
        kind: 'invalid_response',
        status: result.status,
        reason: `The incident response from ${url.host} is not valid JSON (${result.text.length} bytes, possibly truncated)`,
        action: 'Run again later; the checkpoint stays where it is',
        cause: error,
      });
    }
  }

  const incidents: IncidentSource = {
    async get(incidentUid, getOptions) {
      const counters: RequestCounters = { requests: 0, retries: 0 };
      const target = new URL(encodeURIComponent(incidentUid), `${url.href.replace(/\/?$/, '/')}`);
      const got = await call(target, { method: 'GET' }, counters, getOptions?.signal, interpretOne);
      if (got === undefined) return undefined;
      const { valid, invalid } = validateIncidents([got.raw], { invalidUtf8: got.invalidUtf8 });
      return {
        ...(valid[0] ? { incident: valid[0] } : {}),
        ...(invalid[0] ? { invalid: invalid[0] } : {}),
        requests: counters.requests,
        retries: counters.retries,
      };
    },
    async *pages(query, pageOptions) {
      const signal = pageOptions?.signal;
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_SIZE) {
        throw new SymantecApiError('bad_request', `Page size ${query.limit} is outside 1-${MAX_PAGE_SIZE}`, {
          action: 'Set SES_PAGE_SIZE (--page-size) between 1 and 2000',
        });
      }
      let offset = query.offset ?? 0;
      let previousTotal: number | undefined;
      for (;;) {
        const counters: RequestCounters = { requests: 0, retries: 0 };
        const response = await fetchPage(
          incidentsRequestBody(query, offset),
          counters,
          signal,
          pageOptions?.ready,
        );
        const items = response.incidents ?? [];
        const { valid, invalid } = validateIncidents(items, { invalidUtf8: response.invalidUtf8 === true });
        const total = response.total ?? offset + items.length;
        const reported = response.next ?? undefined;
        // `total` is not trusted over `next` for a full page: one more request shows whether records
        // lie beyond it (an API whose total is stale or capped would otherwise end the window early).
        const fullPage = items.length >= query.limit;
        const last =
          reported === undefined ||
          items.length === 0 ||
          (response.total !== undefined && reported >= response.total && !fullPage);
        const beyondTotal = previousTotal !== undefined && offset >= previousTotal && items.length > 0;
        previousTotal = response.total;
        if (!last && reported <= offset) {
          throw new SymantecApiError(
            'invalid_response',
            `The API returned next=${reported} for a page requested at offset ${offset}: the cursor does not advance`,
            { action: 'Run again later; the checkpoint stays at the last delivered page' },
          );
        }
        const next = last ? undefined : reported;
        if (invalid.length) {
          logger.warn('incidents page has items that failed validation', {
            offset,
            invalid: invalid.length,
            reasons: invalid.slice(0, 3).map((i) => i.reason),
          });
        }
        yield {
          offset,
          next,
          total,
          incidents: valid,
          invalid,
          requests: counters.requests,
          retries: counters.retries,
          ...(beyondTotal ? { beyondTotal: true } : {}),
        } satisfies IncidentPage;
        if (next === undefined) return;
        offset = next;
      }
    },
  };

  return {
    tokenSource,
    incidents,
    stats: () => ({ requests: totals.requests, retries: totals.retries }),
  };
}

/** `ready`, or the abort of `signal` (its reason thrown, as `send` throws it), whichever comes first. */
function untilReady(ready: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return ready;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    ready.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
