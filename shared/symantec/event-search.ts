import { splitInvalidUtf8 } from '../io/utf8.ts';
import type { Clock } from '../ports/clock.ts';
import { type CallOptions, callContext, newTokenSource } from './call-context.ts';
import { AttemptError, errorBodyMessage } from './errors.ts';
import { commonFailure, type HttpResult, send } from './http.ts';
import { type RequestCounters, withRetry } from './retry.ts';
import { apiUrl } from './token-source.ts';

export const EVENT_SEARCH_PATH = 'v1/event-search';
/** API limits (reference §1.2): page size, results reachable per query, requests per hour. */
export const EVENT_SEARCH_MAX_PAGE = 1000;
export const EVENT_SEARCH_MAX_RESULTS = 10_000;
export const EVENT_SEARCH_REQUESTS_PER_HOUR = 500;

export interface EventSearchQuery {
  startDate: Date;
  endDate: Date;
  offset: number;
  limit: number;
  /** Optional Lucene query (e.g. `type_id:8001`). */
  query?: string;
  signal?: AbortSignal;
}

export interface EventSearchPage {
  total: number;
  /** Offset of the next page; undefined after the last. */
  next: number | undefined;
  events: unknown[];
  /**
   * Items of a page that was not valid UTF-8 that carry a replacement character (reason names their
   * offset): quarantined by the caller, never delivered altered. `total`/`next` count them as events.
   */
  invalid: { raw: unknown; reason: string }[];
  requests: number;
  retries: number;
}

export type EventSearchClientOptions = CallOptions;

export interface EventSearchClient {
  search(query: EventSearchQuery): Promise<EventSearchPage>;
}

/** The date format the API's samples send: `YYYY-MM-DDTHH:MM:SS.sss+0000`. */
export function searchDate(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

export function eventSearchBody(q: EventSearchQuery): Record<string, unknown> {
  return {
    start_date: searchDate(q.startDate),
    end_date: searchDate(q.endDate),
    next: q.offset,
    limit: q.limit,
    product: 'SAEP',
    feature_name: 'ALL',
    ...(q.query ? { query: q.query } : {}),
  };
}

/** `POST /v1/event-search`: offset paging with `{total, next, events}`; retries and a token refresh like every call. */
export function createEventSearchClient(options: EventSearchClientOptions): EventSearchClient {
  const ctx = callContext(options);
  const { clock, fetchFn, redactor, requestTimeoutMs: timeoutMs, policy } = ctx;
  const tokenSource = options.tokenSource ?? newTokenSource(options, ctx);
  const url = apiUrl(options.baseUrl, EVENT_SEARCH_PATH);

  return {
    async search(q) {
      const counters: RequestCounters = { requests: 0, retries: 0 };
      let refreshed = false;
      const attempt = async (): Promise<EventSearchPage> => {
        const token = await tokenSource.getToken(q.signal);
        counters.requests++;
        const result: HttpResult = await send(
          fetchFn,
          url,
          {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${token}`,
              Accept: 'application/json',
              'Content-Type': 'application/json',
            },
            body: JSON.stringify(eventSearchBody(q)),
          },
          timeoutMs,
          q.signal,
        );
        const ok = result.status >= 200 && result.status < 300;
        const message = ok ? undefined : errorBodyMessage(result.text, (t) => redactor.redact(t));
        const said = message ? `: ${message}` : '';
        if (result.status === 401 && !refreshed) {
          refreshed = true;
          tokenSource.invalidate();
          counters.retries++;
          return attempt();
        }
        if (result.status === 401) {
          throw new AttemptError({
            kind: 'auth',
            status: 401,
            reason: `The API at ${url.host} rejected a fresh access token for ${url.pathname}${said}`,
            action: `Check the client application behind ${options.credentials.description} may search events (Alerts & Events)`,
          });
        }
        const common = commonFailure(url, result, clock.now(), message);
        if (common) throw common;
        if (!ok) {
          throw new AttemptError({
            kind: 'bad_request',
            status: result.status,
            reason: `The API at ${url.host} refused ${url.pathname} with ${result.status}${said}`,
            action: 'Check --since/--until (within the API history) and the query; retrying will not help',
          });
        }
        let body: { total?: unknown; next?: unknown; events?: unknown };
        try {
          body = JSON.parse(result.text) as typeof body;
        } catch (error) {
          throw new AttemptError({
            kind: 'invalid_response',
            status: result.status,
            reason: `The event search response from ${url.host} is not valid JSON (${result.text.length} bytes)`,
            action: 'Run again later; the backfill resumes from its checkpoint',
            cause: error,
          });
        }
        if (!body || typeof body !== 'object' || !Array.isArray(body.events)) {
          throw new AttemptError({
            kind: 'invalid_response',
            status: result.status,
            reason: `The event search response from ${url.host} has no events array`,
            action: 'Run again later; if it persists, check SES_API_URL points to the Symantec API',
          });
        }
        const items = body.events;
        const total = typeof body.total === 'number' ? body.total : q.offset + items.length;
        const reported = typeof body.next === 'number' ? body.next : q.offset + items.length;
        const last = items.length === 0 || reported >= total || reported <= q.offset;
        const { clean: events, invalid } = result.invalidUtf8
          ? splitInvalidUtf8(items, (i) => `event-search result ${q.offset + i}`)
          : { clean: items, invalid: [] };
        return { total, next: last ? undefined : reported, events, invalid, requests: 0, retries: 0 };
      };
      const page = await withRetry(`POST ${url.pathname}`, policy, [counters], attempt, q.signal);
      return { ...page, requests: counters.requests, retries: counters.retries };
    },
  };
}

/**
 * The API's hourly request budget, kept on our side so a backfill never runs into 429s (which would
 * also starve other clients of the tenant): a sliding window of request times.
 */
export class RequestBudget {
  private readonly times: number[] = [];
  private blockedUntil = 0;
  constructor(
    readonly perHour: number,
    private readonly clock: Clock,
  ) {}
  /** Milliseconds until one more request fits (0: now). */
  waitMs(): number {
    const now = this.clock.now();
    while (this.times.length > 0 && (this.times[0] as number) <= now - 3_600_000) this.times.shift();
    const blocked = Math.max(0, this.blockedUntil - now);
    if (this.times.length < this.perHour) return blocked;
    return Math.max(blocked, (this.times[0] as number) + 3_600_000 - now);
  }
  /** The API said 429: no request before `ms` from now, whatever our own count says. */
  blockFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.clock.now() + ms);
  }
  record(count = 1): void {
    for (let i = 0; i < count; i++) this.times.push(this.clock.now());
  }
  get used(): number {
    this.waitMs();
    return this.times.length;
  }
}
