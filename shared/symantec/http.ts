import { AttemptError } from './errors.ts';
import { parseRetryAfter } from './retry.ts';

/** A response read in full within the request timeout. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

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
): Promise<HttpResult> {
  signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await fetchFn(url, { ...init, redirect: 'manual', signal: combined });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
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
  return new AttemptError({
    kind: 'region',
    status: result.status,
    reason: `The API at ${url.host} answered ${url.pathname} with redirect ${result.status}: wrong region for this tenant${where}`,
    action: target
      ? `Set SES_API_REGION (us|eu|in) to the region of ${target}, or SES_API_URL=https://${target}`
      : 'Set SES_API_REGION (us|eu|in) or SES_API_URL to the API host of your tenant (the console URL shows it)',
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
