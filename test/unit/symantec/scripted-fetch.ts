import type { Clock } from '../../../shared/ports/clock.ts';
import type { IncidentQuery } from '../../../shared/ports/incident-source.ts';
import { createSymantecClient } from '../../../shared/symantec/index.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { staticCredentials } from '../../helpers/simulator.ts';

/** A fetch double that answers from a script and records every call (headers included). */
export interface RecordedCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  redirect: RequestInit['redirect'];
}

export type Answer = Response | Error | ((call: RecordedCall) => Response | Promise<Response>);

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function tokenResponse(token = 'tok-000001', expiresIn = 3600): Response {
  return jsonResponse(200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn });
}

/**
 * `routes` maps a path suffix (e.g. "/v1/oauth2/tokens") to a queue of answers, consumed in order.
 * A call with no answer left fails the test loudly.
 */
export function scriptedFetch(routes: Record<string, Answer[]>) {
  const calls: RecordedCall[] = [];
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const call: RecordedCall = {
      url,
      method: init?.method ?? 'GET',
      headers,
      body: typeof init?.body === 'string' ? init.body : '',
      redirect: init?.redirect,
    };
    calls.push(call);
    const key = Object.keys(routes).find((k) => new URL(url).pathname.endsWith(k));
    const answer = key ? routes[key]?.shift() : undefined;
    if (!answer) throw new Error(`scriptedFetch: no answer left for ${call.method} ${url}`);
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer(call) : answer;
  };
  return { fetch: fetchFn as typeof fetch, calls };
}

/** A window query of pages of 2, as the client tests send it. */
export const pageQuery: IncidentQuery = {
  startDate: new Date('2026-03-01T00:00:00.000Z'),
  endDate: new Date('2026-03-01T06:30:00.000Z'),
  limit: 2,
  includeEvents: true,
};

/** A minimal valid incident record, `uid-<n>`. */
export const incidentRecord = (n: number) => ({
  incident_uid: `uid-${n}`,
  time: 1_772_323_200_000 + n,
  type_id: 8075,
});

/**
 * The API client on `scriptedFetch(routes)` as the client tests build it: fast backoff (10 ms base,
 * no jitter), 3 attempts, a fake clock at 2026-03-01T07:00Z unless given one.
 */
export function scriptedClient(
  routes: Record<string, Answer[]>,
  clock: Clock = new FakeClock(Date.parse('2026-03-01T07:00:00.000Z')),
) {
  const scripted = scriptedFetch(routes);
  const api = createSymantecClient({
    baseUrl: new URL('https://api.sep.securitycloud.symantec.com'),
    credentials: staticCredentials({ clientId: 'id', clientSecret: 'secret-xyz' }),
    fetch: scripted.fetch,
    clock,
    backoffBaseMs: 10,
    maxAttempts: 3,
    random: () => 0.5,
  });
  return { api, calls: scripted.calls };
}
