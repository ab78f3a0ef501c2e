import { describe, expect, it } from 'vitest';
import { createSymantecClient } from '../../../shared/symantec/index.ts';
import { allOf as collect, iterationFailure as failure } from '../../helpers/connector-error.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { staticCredentials } from '../../helpers/simulator.ts';
import {
  type Answer,
  incidentRecord,
  jsonResponse,
  pageQuery,
  scriptedClient,
  scriptedFetch,
  tokenResponse,
} from './scripted-fetch.ts';

const base = new URL('https://api.sep.securitycloud.symantec.com');
const query = pageQuery;
const incident = incidentRecord;

function client(
  incidents: Answer[],
  tokens: Answer[] = [tokenResponse('tok-aaaaaa'), tokenResponse('tok-bbbbbb')],
) {
  return scriptedClient({ '/v1/oauth2/tokens': tokens, '/v1/incidents': incidents });
}

describe('Module: symantec/client', () => {
  it('sends the documented request body with UTC millisecond dates and an integer offset', async () => {
    // Prepare
    const { api, calls } = client([jsonResponse(200, { total: 1, incidents: [incident(1)] })]);
    // Act
    await collect(api.incidents.pages({ ...query, query: 'state_id: [0 TO 3]' }));
    // Assess
    const data = calls.filter((c) => c.url.endsWith('/v1/incidents'));
    expect(data).toHaveLength(1);
    expect(JSON.parse(data[0]?.body ?? '')).toEqual({
      start_date: '2026-03-01T00:00:00.000Z',
      end_date: '2026-03-01T06:30:00.000Z',
      next: 0,
      limit: 2,
      include_events: true,
      query: 'state_id: [0 TO 3]',
    });
    expect(data[0]?.headers.authorization).toBe('Bearer tok-aaaaaa');
    expect(data[0]?.headers['content-type']).toBe('application/json');
    expect(data[0]?.redirect).toBe('manual');
  });

  it('follows next until it is missing and counts the token call on the first page', async () => {
    const { api, calls } = client([
      jsonResponse(200, { total: 3, next: 2, incidents: [incident(1), incident(2)] }),
      jsonResponse(200, { total: 3, incidents: [incident(3)] }),
    ]);
    const pages = await collect(api.incidents.pages(query));
    expect(pages.map((p) => [p.offset, p.next, p.total, p.incidents.length, p.requests, p.retries])).toEqual([
      [0, 2, 3, 2, 2, 0],
      [2, undefined, 3, 1, 1, 0],
    ]);
    expect(calls.slice(1).map((c) => JSON.parse(c.body).next)).toEqual([0, 2]);
    expect(api.stats()).toEqual({ requests: 3, retries: 0 });
  });

  it('stops when next >= total on a page that is not full', async () => {
    const { api } = client([jsonResponse(200, { total: 2, next: 2, incidents: [incident(1), incident(2)] })]);
    const pages = await collect(api.incidents.pages({ ...query, limit: 5 }));
    expect(pages).toHaveLength(1);
    expect(pages[0]?.next).toBeUndefined();
  });

  it('does not trust total over next for a full page: reads on and flags records beyond the total', async () => {
    const { api } = client([
      jsonResponse(200, { total: 2, next: 2, incidents: [incident(1), incident(2)] }),
      jsonResponse(200, { total: 2, next: 3, incidents: [incident(3)] }),
    ]);
    const pages = await collect(api.incidents.pages({ ...query, limit: 2 }));
    expect(pages.map((p) => p.incidents.length)).toEqual([2, 1]);
    expect(pages[1]?.beyondTotal).toBe(true);
    expect(pages.at(-1)?.next).toBeUndefined();
  });

  it('stops on an empty page even if next is set', async () => {
    const { api } = client([jsonResponse(200, { total: 10, next: 4, incidents: [] })]);
    const pages = await collect(api.incidents.pages({ ...query, offset: 4 }));
    expect(pages.map((p) => [p.offset, p.next, p.incidents.length])).toEqual([[4, undefined, 0]]);
  });

  it('resumes at the given offset', async () => {
    const { api, calls } = client([jsonResponse(200, { total: 5, incidents: [incident(5)] })]);
    await collect(api.incidents.pages({ ...query, offset: 4 }));
    expect(JSON.parse(calls[1]?.body ?? '').next).toBe(4);
  });

  it('reports items that fail validation with the field and the raw item, keeping the valid ones', async () => {
    const bad1 = { incident_uid: 42, time: 1 };
    const bad2 = { incident_uid: 'uid-x', time: 'yesterday' };
    const { api } = client([jsonResponse(200, { total: 3, incidents: [incident(1), bad1, bad2] })]);
    const [page] = await collect(api.incidents.pages({ ...query, limit: 3 }));
    expect(page?.incidents).toEqual([incident(1)]);
    expect(page?.invalid).toEqual([
      { index: 1, reason: 'incident_uid: expected string, received number', raw: bad1 },
      { index: 2, reason: 'time: expected an ISO 8601 date-time string, received "yesterday"', raw: bad2 },
    ]);
  });

  it('keeps unknown fields of valid items as received', async () => {
    const item = { ...incident(1), vendor_extra: { nested: [1, 2] }, events: [{ uuid: '8031:x' }] };
    const { api } = client([jsonResponse(200, { total: 1, incidents: [item] })]);
    const [page] = await collect(api.incidents.pages(query));
    expect(page?.incidents[0]).toEqual(item);
  });

  it('never follows a redirect: it is a region error naming the Location host, sent once, token not forwarded', async () => {
    // Prepare
    const { api, calls } = client([
      new Response(null, {
        status: 301,
        headers: { location: 'https://api.sep.eu.securitycloud.symantec.com/v1/incidents' },
      }),
    ]);
    // Act
    const error = await failure(api.incidents.pages(query));
    // Assess
    expect(error.kind).toBe('region');
    expect(error.message).toContain('wrong region');
    expect(error.message).toContain('api.sep.eu.securitycloud.symantec.com');
    expect(error.message).toContain('SES_API_REGION');
    expect(calls.every((c) => new URL(c.url).host === 'api.sep.securitycloud.symantec.com')).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('refreshes the token once on a 401 and retries the page', async () => {
    const { api, calls } = client([
      jsonResponse(401, { fault: { faultstring: 'Access Token expired' } }),
      jsonResponse(200, { total: 1, incidents: [incident(1)] }),
    ]);
    const pages = await collect(api.incidents.pages(query));
    expect(pages[0]?.incidents).toHaveLength(1);
    expect([pages[0]?.requests, pages[0]?.retries]).toEqual([4, 1]);
    const data = calls.filter((c) => c.url.endsWith('/v1/incidents'));
    expect(data.map((c) => c.headers.authorization)).toEqual(['Bearer tok-aaaaaa', 'Bearer tok-bbbbbb']);
  });

  it('gives an auth error if a fresh token is rejected too', async () => {
    const { api, calls } = client([
      jsonResponse(401, { message: 'Unauthorized' }),
      jsonResponse(401, { message: 'Unauthorized' }),
    ]);
    const error = await failure(api.incidents.pages(query));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('SES_CLIENT_ID / SES_CLIENT_SECRET');
    expect(calls).toHaveLength(4);
  });

  it('maps 403 to a permission error that says what to fix', async () => {
    const { api } = client([jsonResponse(403, { message: 'Forbidden' })]);
    const error = await failure(api.incidents.pages(query));
    expect(error.kind).toBe('permission');
    expect(error.message).toContain('privileges');
    expect(error.retryable).toBe(false);
  });

  it('maps the 30-day 400 to history_limit and other 400s to bad_request, without retrying', async () => {
    const a = client([
      jsonResponse(400, { message: 'Invalid start_date: start_date cannot be older than 30 days' }),
    ]);
    const e1 = await failure(a.api.incidents.pages(query));
    expect(e1.kind).toBe('history_limit');
    expect(e1.message).toContain('30 days');
    expect(a.api.stats()).toEqual({ requests: 2, retries: 0 });
    const b = client([jsonResponse(400, { fault: { faultstring: 'Invalid query' } })]);
    const e2 = await failure(b.api.incidents.pages(query));
    expect(e2.kind).toBe('bad_request');
    expect(e2.message).toContain('Invalid query');
  });

  it('retries 429 honouring Retry-After on the injected clock, then gives a rate_limit error after maxAttempts', async () => {
    // Prepare
    const clock = new FakeClock(0);
    const scripted = scriptedFetch({
      '/v1/oauth2/tokens': [tokenResponse()],
      '/v1/incidents': [
        jsonResponse(429, { message: 'Too many requests' }, { 'retry-after': '7' }),
        jsonResponse(429, { message: 'Too many requests' }, { 'retry-after': '7' }),
        jsonResponse(429, { message: 'Too many requests' }),
      ],
    });
    const api = createSymantecClient({
      baseUrl: base,
      credentials: staticCredentials({ clientId: 'id', clientSecret: 'secret-xyz' }),
      fetch: scripted.fetch,
      clock,
      backoffBaseMs: 100,
      maxAttempts: 3,
      random: () => 0,
    });
    // Act
    const error = await failure(api.incidents.pages(query));
    // Assess
    expect(error.kind).toBe('rate_limit');
    expect(error.message).toContain('gave up after 3 attempts');
    expect(clock.now()).toBe(14_000);
    expect(api.stats()).toEqual({ requests: 4, retries: 2 });
  });

  it('retries a truncated body and a network error, then delivers the page', async () => {
    const { api } = client([
      new Response('{"total": 3, "incidents": [{"incident_', { status: 200 }),
      new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }),
      jsonResponse(200, { total: 1, incidents: [incident(1)] }),
    ]);
    const pages = await collect(api.incidents.pages(query));
    expect(pages.map((p) => [p.incidents.length, p.requests, p.retries])).toEqual([[1, 4, 2]]);
  });

  it('gives up on a persistently malformed body with an invalid_response error', async () => {
    const { api } = client([
      new Response('<html>oops</html>', { status: 200 }),
      new Response('<html>oops</html>', { status: 200 }),
      new Response('<html>oops</html>', { status: 200 }),
    ]);
    const error = await failure(api.incidents.pages(query));
    expect(error.kind).toBe('invalid_response');
    expect(error.message).toContain('not valid JSON');
    expect(api.stats()).toEqual({ requests: 4, retries: 2 });
  });

  it('rejects a page size over 2000 before calling the API', async () => {
    const { api, calls } = client([]);
    const error = await failure(api.incidents.pages({ ...query, limit: 2001 }));
    expect(error.kind).toBe('bad_request');
    expect(error.message).toContain('SES_PAGE_SIZE');
    expect(calls).toHaveLength(0);
  });

  it('stops at once when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('deadline'));
    const { api, calls } = client([jsonResponse(200, { total: 1, incidents: [incident(1)] })]);
    const error = await collect(api.incidents.pages(query, { signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('deadline');
    expect(calls).toHaveLength(0);
  });
});

describe('Module: symantec/client token refresh', () => {
  it('refreshes again on a later 401 once another answer came in between', async () => {
    const { api } = client(
      [
        jsonResponse(401, { message: 'Unauthorized' }),
        jsonResponse(503, { message: 'busy' }),
        jsonResponse(401, { message: 'Unauthorized' }),
        jsonResponse(200, { total: 1, incidents: [incident(1)] }),
      ],
      [tokenResponse('tok-aaaaaa'), tokenResponse('tok-bbbbbb'), tokenResponse('tok-cccccc')],
    );
    const pages = await collect(api.incidents.pages(query));
    expect([pages[0]?.incidents.length, pages[0]?.requests, pages[0]?.retries]).toEqual([1, 7, 3]);
  });
});
