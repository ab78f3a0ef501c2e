import { API_REGIONS } from '../config/settings.ts';
import { AttemptError } from './errors.ts';
import { parseRetryAfter } from './retry.ts';

/** A response read in full within the request timeout. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /**
   * True when the body was not valid UTF-8: `text` then holds U+FFFD where bytes were invalid, and
   * the records that carry one are quarantined instead of being delivered altered.
   */
  invalidUtf8?: boolean;
}

/**
 * Largest response body read (bytes). A page of 2,000 incidents with events is a few MB; a 400 MB
 * body peaked at 1.43 GiB RSS and killed the 1024 MB Lambda on every run, so bigger bodies are
 * refused, by Content-Length up front and by counting streamed bytes.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Longest error body (non-2xx) read, bytes. Only 300 characters of it reach a message
 * (ERROR_MESSAGE_MAX_CHARS), so reading up to MAX_RESPONSE_BYTES of an error page only cost memory and
 * redactor time; 64 KiB holds any real JSON error body whole and, ahead of the 300 shown, far more than
 * the longest secret, so the redactor still sees every token that starts in the shown part.
 */
export const ERROR_BODY_MAX_BYTES = 64 * 1024;

/**
 * One HTTP exchange: `redirect: 'manual'` (a redirect is never followed with credentials attached),
 * a per-request timeout that also covers reading the body, and transport failures turned into
 * retryable AttemptErrors. A caller abort is rethrown as is (never retried).
 */
export async function send(
  fetchFn: typeof fetch,
  url: URL,
  init: RequestInit,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  maxBytes: number = MAX_RESPONSE_BYTES,
): Promise<HttpResult> {
  signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await fetchFn(url, { ...init, redirect: 'manual', signal: combined });
    const ok = response.status >= 200 && response.status < 300;
    const body = ok
      ? await readCappedText(response, url, init, maxBytes)
      : await readErrorText(response, Math.min(maxBytes, ERROR_BODY_MAX_BYTES));
    return { status: response.status, headers: response.headers, ...body };
  } catch (error) {
    if (error instanceof AttemptError) throw error;
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) {
      throw new AttemptError({
        kind: 'timeout',
        reason: `${init.method ?? 'GET'} ${url.pathname} on ${url.host} timed out after ${timeoutMs} ms`,
        action:
          'If this persists, raise SES_REQUEST_TIMEOUT_MS (--request-timeout-ms) or check connectivity to the API host',
        cause: error,
      });
    }
    throw new AttemptError({
      kind: 'network',
      reason: `${init.method ?? 'GET'} ${url.pathname} on ${url.host} failed: ${describeNetworkError(error)}`,
      action:
        'Check network access (DNS, proxy, firewall, VPC egress) to the API host and the API region setting SES_API_REGION / SES_API_URL',
      cause: error,
    });
  }
}

function tooLarge(url: URL, init: RequestInit, size: string, maxBytes: number): AttemptError {
  return new AttemptError({
    kind: 'invalid_response',
    reason: `The response to ${init.method ?? 'GET'} ${url.pathname} from ${url.host} is ${size}, over the ${maxBytes} bytes the connector reads`,
    action:
      'Lower SES_PAGE_SIZE (--page-size) so pages stay small; a body this large from an error page or proxy means SES_API_URL points to the wrong host',
  });
}

/**
 * The body as text (UTF-8 checked, see decodeUtf8), refusing more than `maxBytes` declared or
 * streamed with an `invalid_response` AttemptError. Every 2xx body the connector reads whole goes
 * through here: API pages, token answers and event search pages (error answers: readErrorText).
 */
export async function readCappedText(
  response: Response,
  url: URL,
  init: RequestInit,
  maxBytes: number = MAX_RESPONSE_BYTES,
): Promise<{ text: string; invalidUtf8?: boolean }> {
  return decodeUtf8(await readCapped(response, url, init, maxBytes));
}

/** The body as bytes, refusing more than `maxBytes` (declared or streamed); the rest is not read. */
async function readCapped(
  response: Response,
  url: URL,
  init: RequestInit,
  maxBytes: number,
): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(url, init, `${declared} bytes (Content-Length)`, maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(url, init, `more than ${maxBytes} bytes (streamed)`, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** Appended where an error body was cut; the status still decides the error kind. */
export const ERROR_BODY_CUT_MARK = ' [error body cut]';

/**
 * The first `maxBytes` of an error body as text, the rest left unread (Content-Length is not
 * consulted: the status, not the size, decides the error kind). The cut can split a token, and what
 * is left of it may be too short for the redactor to recognise, so the run of token characters at the
 * cut is dropped before anything sees the text; an incomplete UTF-8 sequence there is held back.
 * Every error answer is read here: send() and the Event Stream client.
 */
export async function readErrorText(
  response: Response,
  maxBytes: number = ERROR_BODY_MAX_BYTES,
): Promise<{ text: string }> {
  if (!response.body) return { text: '' };
  const chunks: Uint8Array[] = [];
  let total = 0;
  let cut = false;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - total;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      total += room;
      cut = true;
      break;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  if (cut) await reader.cancel().catch(() => {});
  const text = new TextDecoder('utf-8').decode(Buffer.concat(chunks, total), { stream: cut });
  return { text: cut ? `${withoutTrailingTokenRun(text)}${ERROR_BODY_CUT_MARK}` : text };
}

/** Token characters as the redactor counts them (shared/logging/redact.ts), `=` padding included. */
const TOKEN_CHAR = /[A-Za-z0-9._~+/=-]/;

/** `text` without the run of token characters it ends with (a loop: a regex `+$` is quadratic here). */
function withoutTrailingTokenRun(text: string): string {
  let end = text.length;
  while (end > 0 && TOKEN_CHAR.test(text.charAt(end - 1))) end--;
  return text.slice(0, end);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** Decode strictly; on invalid UTF-8 decode with replacement characters and say so. */
function decodeUtf8(bytes: Uint8Array): { text: string; invalidUtf8?: boolean } {
  try {
    return { text: strictUtf8.decode(bytes) };
  } catch {
    return { text: lenientUtf8.decode(bytes), invalidUtf8: true };
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return code ? `${code} ${message}` : message;
}

/** A 3xx: the tenant lives in another region. Never followed (the token would leak or be dropped). */
export function redirectFailure(url: URL, result: HttpResult): AttemptError {
  const location = result.headers.get('location');
  let target: string | undefined;
  try {
    target = location ? new URL(location, url).host : undefined;
  } catch {
    target = undefined;
  }
  const where = target ? `; it points to ${target}` : '';
  // Only a known region host is worth suggesting: a redirect can name any host (a proxy, a captive
  // portal, an attacker), and pasting it into SES_API_URL would send the client secret there.
  const region = (Object.entries(API_REGIONS) as Array<[string, string]>).find(
    ([, u]) => new URL(u).host === target,
  );
  return new AttemptError({
    kind: 'region',
    status: result.status,
    reason: `The API at ${url.host} answered ${url.pathname} with redirect ${result.status}: wrong region for this tenant${where}${target && !region ? ' (not a Symantec API region host)' : ''}`,
    action: region
      ? `Set SES_API_REGION=${region[0]} (the region of ${target}), or SES_API_URL=${region[1]}`
      : `Set SES_API_REGION (us|eu|in) to the region of your tenant (the console URL shows it); the API hosts are ${Object.values(API_REGIONS).join(', ')}`,
    details: { location: target },
  });
}

/** Classify the statuses every endpoint shares: 3xx, 403, 408, 429, 5xx. Undefined for the rest. */
export function commonFailure(
  url: URL,
  result: HttpResult,
  nowMs: number,
  message: string | undefined,
): AttemptError | undefined {
  const { status } = result;
  const said = message ? `: ${message}` : '';
  if (status >= 300 && status < 400) return redirectFailure(url, result);
  if (status === 403) {
    return new AttemptError({
      kind: 'permission',
      status,
      reason: `The API at ${url.host} refused ${url.pathname} with 403 Forbidden${said}`,
      action:
        'Give the client application the needed privileges in the console (Integration > Client Applications), and check that SES_API_REGION / SES_API_URL is the region of the tenant',
    });
  }
  if (status === 429) {
    return new AttemptError({
      kind: 'rate_limit',
      status,
      reason: `The API at ${url.host} rate-limited ${url.pathname} (429)${said}`,
      action: 'Wait and run again, or run less often; other clients of the same tenant share the limit',
      retryAfterMs: parseRetryAfter(result.headers.get('retry-after'), nowMs),
    });
  }
  if (status === 408 || status === 504) {
    return new AttemptError({
      kind: 'timeout',
      status,
      reason: `The API at ${url.host} timed out on ${url.pathname} (${status})${said}`,
      action: 'Run again later; if it persists, use a smaller page size (SES_PAGE_SIZE)',
      retryAfterMs: parseRetryAfter(result.headers.get('retry-after'), nowMs),
    });
  }
  if (status >= 500) {
    return new AttemptError({
      kind: 'server',
      status,
      reason: `The API at ${url.host} failed on ${url.pathname} with ${status}${said}`,
      action: 'This is on the API side: run again later; the checkpoint stays where it is',
      retryAfterMs: parseRetryAfter(result.headers.get('retry-after'), nowMs),
    });
  }
  return undefined;
}
