import { Prng } from './prng.ts';

/**
 * A fault the simulator injects into one request. Data faults apply to `POST /v1/incidents`; token
 * faults (target 'token') to `POST /v1/oauth2/tokens`.
 */
export type Fault =
  /** 429 with `{"message": ...}`; `retryAfter` sets the Retry-After header (seconds or an HTTP date). */
  | { kind: 'rate_limit'; retryAfter?: number | string }
  /** 500 `{"message"}`, 502 or 503 (Apigee `{"fault":{"faultstring"}}` form). */
  | { kind: 'server_error'; status?: 500 | 502 | 503 | 504 }
  /** Answer normally, after `delayMs` of real time (past the client's timeout to force one). */
  | { kind: 'slow'; delayMs: number }
  /** 200 whose JSON body is cut in half (a complete HTTP response with unparseable JSON). */
  | { kind: 'truncated' }
  /** 200 whose body is not JSON at all (an HTML error page from a proxy). */
  | { kind: 'malformed' }
  /** Close the connection without an answer (network error on the client). */
  | { kind: 'reset' }
  /** Corrupt `count` items of the page (default 1): incident_uid removed / time not a date, alternately. */
  | { kind: 'invalid_items'; count?: number }
  /** 401 "Access Token expired" on the data call, and the token is revoked (token expiry mid-run). */
  | { kind: 'token_expired' }
  /** Serve the page one item early (offset - 1), so one incident appears on two pages. */
  | { kind: 'duplicate' }
  /** Redirect to another region's host (Location keeps the path). */
  | { kind: 'redirect'; status?: 301 | 302 | 307 | 308; location?: string };

export type FaultKind = Fault['kind'];
export type FaultTarget = 'incidents' | 'token';

/** Faults a client can recover from by retrying: the default mix of the random rate. */
export const RECOVERABLE_FAULTS: readonly FaultKind[] = [
  'rate_limit',
  'server_error',
  'truncated',
  'malformed',
  'reset',
  'token_expired',
];

export interface RandomFaults {
  /** Probability in [0, 1] that a request gets a fault. */
  rate: number;
  seed?: number;
  /** Kinds to draw from (default RECOVERABLE_FAULTS). */
  kinds?: readonly FaultKind[];
  /** Apply to data requests (default) or token requests. */
  target?: FaultTarget;
}

/**
 * Scripts faults deterministically: a queue for the next requests, faults pinned to a request number
 * (1-based, counted per target), and a seeded random rate for soak tests. The queue wins over the
 * pinned faults, which win over the random rate.
 */
export class FaultController {
  private readonly queues: Record<FaultTarget, Fault[]> = { incidents: [], token: [] };
  private readonly pinned: Record<FaultTarget, Map<number, Fault>> = {
    incidents: new Map(),
    token: new Map(),
  };
  private randomFaults: { spec: RandomFaults; prng: Prng } | undefined;
  /** Faults applied so far, in order. */
  readonly applied: { target: FaultTarget; request: number; fault: Fault }[] = [];

  /** Queue faults for the next data requests (one per request), or token requests with target 'token'. */
  enqueue(faults: Fault | Fault[], target: FaultTarget = 'incidents'): this {
    this.queues[target].push(...(Array.isArray(faults) ? faults : [faults]));
    return this;
  }
  /** Inject `fault` into the Nth request (1-based) of the target. */
  at(requestNumber: number, fault: Fault, target: FaultTarget = 'incidents'): this {
    this.pinned[target].set(requestNumber, fault);
    return this;
  }
  /** Seeded random faults at `rate` (soak tests); `undefined` turns them off. */
  random(spec: RandomFaults | undefined): this {
    this.randomFaults = spec && spec.rate > 0 ? { spec, prng: new Prng(spec.seed ?? 1) } : undefined;
    return this;
  }
  /** Drop every scripted and random fault. */
  clear(): this {
    this.queues.incidents.length = 0;
    this.queues.token.length = 0;
    this.pinned.incidents.clear();
    this.pinned.token.clear();
    this.randomFaults = undefined;
    return this;
  }
  /** Faults still queued for a target. */
  pending(target: FaultTarget = 'incidents'): number {
    return this.queues[target].length + this.pinned[target].size;
  }

  /** @internal The server asks which fault (if any) applies to request number `n` of `target`. */
  take(target: FaultTarget, n: number): Fault | undefined {
    let fault = this.queues[target].shift();
    if (!fault) {
      fault = this.pinned[target].get(n);
      if (fault) this.pinned[target].delete(n);
    }
    if (!fault && this.randomFaults && (this.randomFaults.spec.target ?? 'incidents') === target) {
      const { spec, prng } = this.randomFaults;
      if (prng.next() < spec.rate) fault = defaultFault(prng.pick(spec.kinds ?? RECOVERABLE_FAULTS));
    }
    if (fault) this.applied.push({ target, request: n, fault });
    return fault;
  }
}

function defaultFault(kind: FaultKind): Fault {
  switch (kind) {
    case 'slow':
      return { kind, delayMs: 5_000 };
    default:
      return { kind } as Fault;
  }
}

/**
 * Parse a CLI fault spec: `429`, `429:retry-after=2`, `500`, `503`, `slow:5000`, `truncated`,
 * `malformed`, `reset`, `invalid:2`, `token-expired`, `duplicate`, `redirect`, `redirect:307`,
 * `redirect:302=https://api.sep.in.securitycloud.symantec.com`. Throws with the accepted forms.
 */
export function parseFault(spec: string): Fault {
  const shortRedirect = spec.trim().match(/^(30[1278])(?:[:=](.+))?$/);
  if (shortRedirect) {
    const location = shortRedirect[2];
    return { kind: 'redirect', status: Number(shortRedirect[1]) as 301, ...(location ? { location } : {}) };
  }
  const [head = '', arg] = spec.trim().split(/:(.*)/s, 2);
  const name = head.toLowerCase();
  if (name === '429' || name === 'rate-limit' || name === 'rate_limit') {
    const m = arg?.match(/^retry-after=(.+)$/i);
    if (arg && !m) throw new Error(`fault ${spec}: expected 429 or 429:retry-after=<seconds|http-date>`);
    const value = m?.[1];
    return {
      kind: 'rate_limit',
      ...(value ? { retryAfter: /^\d+$/.test(value) ? Number(value) : value } : {}),
    };
  }
  if (['500', '502', '503', '504'].includes(name))
    return { kind: 'server_error', status: Number(name) as 500 };
  if (name === 'slow') {
    const ms = Number(arg ?? 5000);
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`fault ${spec}: expected slow:<milliseconds>`);
    return { kind: 'slow', delayMs: ms };
  }
  if (name === 'truncated' || name === 'malformed' || name === 'reset' || name === 'duplicate')
    return { kind: name };
  if (name === 'invalid' || name === 'invalid-items')
    return { kind: 'invalid_items', count: arg ? Number(arg) : 1 };
  if (name === 'token-expired' || name === '401') return { kind: 'token_expired' };
  if (name === 'redirect' || name === '301' || name === '302' || name === '307' || name === '308') {
    const [statusText, location] = (arg ?? '').split(/=(.*)/s, 2);
    const status = Number(/^\d{3}$/.test(name) ? name : statusText || 301) as 301;
    const loc = /^\d{3}$/.test(name) ? arg : location;
    if (![301, 302, 307, 308].includes(status))
      throw new Error(`fault ${spec}: redirect status must be 301, 302, 307 or 308`);
    return { kind: 'redirect', status, ...(loc ? { location: loc } : {}) };
  }
  throw new Error(
    `unknown fault ${JSON.stringify(spec)}: use 429[:retry-after=N], 500, 502, 503, 504, slow:<ms>, truncated, malformed, reset, invalid[:N], token-expired, duplicate, redirect[:301|302|307|308[=URL]]`,
  );
}
