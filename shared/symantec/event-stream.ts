import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { LineTooLongError, readNdjsonLines } from '../io/ndjson-lines.ts';
import { INVALID_UTF8, splitInvalidUtf8 } from '../io/utf8.ts';
import type { Redactor } from '../logging/redact.ts';
import type { Clock } from '../ports/clock.ts';
import type { CredentialsSource, TokenSource } from '../ports/credentials.ts';
import type { Logger } from '../ports/logger.ts';
import { callContext, newTokenSource } from './call-context.ts';
import { AttemptError, errorBodyMessage } from './errors.ts';
import { commonFailure, ERROR_BODY_MAX_BYTES, type HttpResult, readErrorText } from './http.ts';
import { type RequestCounters, withRetry } from './retry.ts';
import { apiUrl, OAuthTokenSource } from './token-source.ts';

export const EVENT_STREAM_PATH = 'v1/event-export/stream';

export interface EventStreamClientOptions {
  baseUrl: URL;
  /** Share the incidents client's token source (one token per tenant); else one is created. */
  tokenSource?: TokenSource;
  credentials: CredentialsSource;
  /** Timeout for the response headers of one attempt (the body is bounded by `readMs`). Default 30 s. */
  requestTimeoutMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest NDJSON line accepted (default 256 MiB). */
  maxLineBytes?: number;
  /** Bytes of an error answer (non-200 body) read, at most (and by default) ERROR_BODY_MAX_BYTES. */
  maxResponseBytes?: number;
  clock?: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
  random?: () => number;
  redactor?: Redactor;
}

export interface EventStreamRequest {
  /** The stream GUID from the console (Integration > Event Stream). */
  streamId: string;
  /** Channel 0..n-1. */
  channel: number;
  /** The `next` of the last line delivered; absent for a fresh cursor (`{}`). */
  cursor?: string;
  /** Sent as `connectionTimeout` as is (its unit is undocumented: the read is bounded by `readMs`). */
  connectionTimeout: number;
  /** Our own bound on one read, headers and body: the response is cut here whatever the server does. */
  readMs: number;
  signal?: AbortSignal;
}

/** One NDJSON line `{"events":[…],"next":"…"}`. */
export interface StreamBatch {
  kind: 'batch';
  events: unknown[];
  /** The cursor after this line; undefined when the line had none (the cursor stays where it was). */
  next: string | undefined;
  line: number;
  bytes: number;
  /** Events of a line that was not valid UTF-8 that carry a replacement character: to quarantine. */
  invalid?: { raw: unknown; reason: string }[];
}

/** A line that is not a `{events, next}` object: quarantined with the cursor it was read from. */
export interface InvalidStreamLine {
  kind: 'invalid';
  line: number;
  bytes: number;
  reason: string;
  text: string;
}

export type StreamItem = StreamBatch | InvalidStreamLine;

/** How a read ended: the server closed it, our read bound cut it, or the connection broke mid-body. */
export type StreamEnd = 'end' | 'deadline' | 'cut';

export interface StreamOutcome {
  /** Set once the lines are exhausted. */
  end: StreamEnd | undefined;
  lines: number;
  bytes: number;
  /** Why a cut read ended (network error text), for the log. */
  cutReason?: string;
}

export interface StreamResponse {
  /** 200: lines follow. 204: nothing new (caught up); also when our bound passed before any header. */
  status: 200 | 204;
  lines(): AsyncGenerator<StreamItem>;
  outcome: StreamOutcome;
  /** Requests (token calls included) and retries spent opening this read. */
  requests: number;
  retries: number;
}

export interface EventStreamClient {
  /** `POST /v1/event-export/stream/{streamId}/{channel}?connectionTimeout=N` with `{"next": cursor}`. */
  open(request: EventStreamRequest): Promise<StreamResponse>;
  readonly tokenSource: TokenSource;
}

/** Request body exactly as sent: `{}` for a fresh cursor. */
export function streamRequestBody(cursor: string | undefined): { next?: string } {
  return cursor === undefined || cursor === '' ? {} : { next: cursor };
}

export function streamUrl(baseUrl: URL, streamId: string, channel: number, connectionTimeout: number): URL {
  const url = apiUrl(
    baseUrl,
    `${EVENT_STREAM_PATH}/${encodeURIComponent(streamId)}/${encodeURIComponent(String(channel))}`,
  );
  url.searchParams.set('connectionTimeout', String(connectionTimeout));
  return url;
}

/**
 * The Event Stream client. The body is parsed line by line as it arrives (gzip is decoded by fetch),
 * so memory holds one line, never the response. Opening a read is retried like every other call
 * (429, 5xx, network, one token refresh on 401); a body cut mid-way is not an error: the lines read
 * so far stand and the caller resumes from the last complete line's `next`.
 */
export function createEventStreamClient(options: EventStreamClientOptions): EventStreamClient {
  const ctx = callContext(options);
  const { clock, logger, fetchFn, redactor, requestTimeoutMs, policy } = ctx;
  const tokenSource = options.tokenSource ?? newTokenSource(options, ctx);

  async function open(request: EventStreamRequest): Promise<StreamResponse> {
    const { streamId, channel } = request;
    const url = streamUrl(options.baseUrl, streamId, channel, request.connectionTimeout);
    const counters: RequestCounters = { requests: 0, retries: 0 };
    // One bound for the whole read: the hold before the headers, the retries and the body.
    const readBound = AbortSignal.timeout(Math.max(1, request.readMs));
    const signal = request.signal ? AbortSignal.any([request.signal, readBound]) : readBound;
    const body = JSON.stringify(streamRequestBody(request.cursor));
    const where = `stream ${streamId} channel ${channel}`;
    let refreshedAfter401 = false;

    const attempt = async (): Promise<Response | 'bound'> => {
      const tokenBefore = tokenSource instanceof OAuthTokenSource ? { ...tokenSource.counters } : undefined;
      let token: string;
      try {
        token = await tokenSource.getToken(signal);
      } finally {
        if (tokenBefore && tokenSource instanceof OAuthTokenSource) {
          counters.requests += tokenSource.counters.requests - tokenBefore.requests;
          counters.retries += tokenSource.counters.retries - tokenBefore.retries;
        }
      }
      counters.requests++;
      const headersTimeout = AbortSignal.timeout(
        Math.min(request.readMs, requestTimeoutMs + holdMs(request)),
      );
      let response: Response;
      try {
        response = await fetchFn(url, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/x-ndjson',
            'Accept-Encoding': 'gzip',
            'Content-Type': 'application/json',
          },
          body,
          signal: AbortSignal.any([signal, headersTimeout]),
        });
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        // The server held the connection past our bound without answering: nothing new this time.
        if (readBound.aborted) return 'bound';
        throw new AttemptError({
          kind: headersTimeout.aborted ? 'timeout' : 'network',
          reason: `POST ${url.pathname} on ${url.host} ${headersTimeout.aborted ? 'sent no response headers in time' : `failed: ${describe(error)}`}`,
          action:
            'Check network access to the API host (SES_API_REGION / SES_API_URL); if it persists, lower SES_EVENT_STREAM_CONNECTION_TIMEOUT',
          cause: error,
        });
      }
      if (response.status === 200 || response.status === 201) return response;
      // Read as send() reads error answers: the first ERROR_BODY_MAX_BYTES, the rest left unread, so
      // the status decides the kind even for a huge page; a failed read leaves the message out.
      const { text } = await readErrorText(
        response,
        Math.min(options.maxResponseBytes ?? ERROR_BODY_MAX_BYTES, ERROR_BODY_MAX_BYTES),
      ).catch(() => ({ text: '' }));
      const result: HttpResult = { status: response.status, headers: response.headers, text };
      const message = errorBodyMessage(text, (t) => redactor.redact(t));
      const said = message ? `: ${message}` : '';
      if (response.status === 204) return response;
      if (response.status === 401 && !refreshedAfter401) {
        refreshedAfter401 = true;
        tokenSource.invalidate();
        counters.retries++;
        logger.info('the API rejected the access token (401); refreshing it once', { host: url.host });
        return attempt();
      }
      if (response.status !== 401) refreshedAfter401 = false;
      if (response.status === 401) {
        throw new AttemptError({
          kind: 'auth',
          status: 401,
          reason: `The API at ${url.host} rejected a fresh access token for the Event Stream (${where}, 401)${said}`,
          action: `Check the client application behind ${options.credentials.description} and that it may read Alerts & Events`,
        });
      }
      if (response.status === 404) {
        throw new AttemptError({
          kind: 'config',
          status: 404,
          reason: `The API at ${url.host} does not know Event Stream ${streamId} channel ${channel} (404)${said}`,
          action: `Check SES_EVENT_STREAM_ID (${streamId}) and SES_EVENT_STREAM_CHANNELS against the console (Integration > Event Stream): the stream must be of type API with "API State" enabled, and channels run 0..n-1`,
          details: { streamId, channel },
        });
      }
      if (response.status === 410) {
        throw new AttemptError({
          kind: 'cursor_expired',
          status: 410,
          reason: `The Event Stream cursor of ${where} expired (410)${said}: the events between it and the oldest the API still keeps cannot be read`,
          action:
            'The collector restarts from a fresh cursor; run it more often (the API audits streams more than 5 h behind)',
          details: { streamId, channel },
        });
      }
      const common = commonFailure(url, result, clock.now(), message);
      if (common) throw common;
      throw new AttemptError({
        kind: 'bad_request',
        status: response.status,
        reason: `The API at ${url.host} refused the Event Stream read of ${where} with ${response.status}${said}`,
        action: 'Check SES_EVENT_STREAM_ID and SES_EVENT_STREAM_CONNECTION_TIMEOUT; retrying will not help',
      });
    };

    let response: Response | 'bound';
    try {
      response = await withRetry(`POST ${url.pathname}`, policy, [counters], attempt, signal);
    } catch (error) {
      if (readBound.aborted && !request.signal?.aborted) response = 'bound';
      else throw error;
    }
    const outcome: StreamOutcome = { end: undefined, lines: 0, bytes: 0 };
    if (response === 'bound' || response.status === 204 || !response.body) {
      outcome.end = response === 'bound' ? 'deadline' : 'end';
      return {
        status: 204,
        outcome,
        requests: counters.requests,
        retries: counters.retries,
        async *lines() {},
      };
    }
    const bodyStream = response.body;
    const maxLineBytes = options.maxLineBytes;
    async function* lines(): AsyncGenerator<StreamItem> {
      // The web stream's own reader, without a Node stream in between (one copy less per chunk).
      const reader = (bodyStream as unknown as WebReadableStream<Uint8Array>).getReader();
      let finished = false;
      // Our bound also cuts the body: cancelling unblocks a pending read, and the loop below throws.
      const onBound = () => void reader.cancel(new Error('read bound reached')).catch(() => undefined);
      signal.addEventListener('abort', onBound, { once: true });
      async function* source(): AsyncGenerator<Uint8Array> {
        for (;;) {
          const { done, value } = await reader.read();
          if (signal.aborted) throw new Error('read bound reached');
          if (done) {
            finished = true;
            return;
          }
          yield value;
        }
      }
      try {
        for await (const line of readNdjsonLines(source(), maxLineBytes ? { maxLineBytes } : {})) {
          outcome.lines++;
          outcome.bytes += line.bytes;
          yield parseLine(line.text, line.number, line.bytes, line.invalidUtf8 === true);
        }
        outcome.end = 'end';
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (error instanceof LineTooLongError) {
          throw new AttemptError({
            kind: 'invalid_response',
            reason: `Event Stream ${where}: ${error.message}`,
            action: 'Lower the stream volume per read, or raise the line limit',
          });
        }
        if (readBound.aborted) outcome.end = 'deadline';
        else {
          outcome.end = 'cut';
          outcome.cutReason = describe(error);
          logger.warn('the Event Stream response was cut; resuming from the last complete line', {
            streamId,
            channel,
            lines: outcome.lines,
            reason: outcome.cutReason,
          });
        }
      } finally {
        signal.removeEventListener('abort', onBound);
        if (!finished) await reader.cancel().catch(() => undefined);
        reader.releaseLock();
      }
    }
    return { status: 200, outcome, lines, requests: counters.requests, retries: counters.retries };
  }

  return { open, tokenSource };
}

/** How long the server may hold before answering: the unit of connectionTimeout is unknown, assume minutes. */
function holdMs(request: EventStreamRequest): number {
  return Math.max(0, request.connectionTimeout) * 60_000;
}

function parseLine(text: string, line: number, bytes: number, invalidUtf8: boolean): StreamItem {
  const bad = invalidUtf8 ? ` and ${INVALID_UTF8}` : '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      kind: 'invalid',
      line,
      bytes,
      text,
      reason: `line ${line} is not JSON (${describe(error)})${bad}`,
    };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'invalid', line, bytes, text, reason: `line ${line} is not a JSON object${bad}` };
  }
  const record = value as { events?: unknown; next?: unknown };
  if (!Array.isArray(record.events)) {
    return { kind: 'invalid', line, bytes, text, reason: `line ${line}: events: expected an array${bad}` };
  }
  if (record.next !== undefined && record.next !== null && typeof record.next !== 'string') {
    return { kind: 'invalid', line, bytes, text, reason: `line ${line}: next: expected a string${bad}` };
  }
  // A cursor altered by U+FFFD is not sent back: the cursor stays at the previous line.
  const next =
    typeof record.next === 'string' && record.next !== '' && !(invalidUtf8 && record.next.includes('\uFFFD'))
      ? record.next
      : undefined;
  if (!invalidUtf8) return { kind: 'batch', events: record.events, next, line, bytes };
  const { clean, invalid } = splitInvalidUtf8(record.events, (i) => `line ${line} event ${i}`);
  return { kind: 'batch', events: clean, next, line, bytes, invalid };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return code ? `${code} ${message}` : message;
}
