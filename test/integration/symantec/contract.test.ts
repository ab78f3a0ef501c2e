import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentPage, IncidentQuery } from '../../../shared/ports/incident-source.ts';
import { type Fault, type RunningSimulator, versionKey } from '../../../shared/simulator/index.ts';
import { createSymantecClient } from '../../../shared/symantec/index.ts';
import { iterationFailure as failure } from '../../helpers/connector-error.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { lastDay, simulatorWithClient, staticCredentials } from '../../helpers/simulator.ts';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const PAGE = 10;

async function setup(faults: Fault[] = [], client: Parameters<typeof simulatorWithClient>[1] = {}) {
  const started = await simulatorWithClient({ seed: 7, incidents: 15 }, client);
  sim = started.sim;
  sim.faults.enqueue(faults);
  const window = lastDay();
  const query: IncidentQuery = { ...window, limit: PAGE, includeEvents: true };
  const expected = sim.groundTruth
    .inWindow(window.startDate.getTime(), window.endDate.getTime())
    .sort((a, b) => a.time - b.time)
    .map((v) => v.key);
  return { ...started, query, expected };
}

async function collect(pages: AsyncIterable<IncidentPage>) {
  const list: IncidentPage[] = [];
  for await (const p of pages) list.push(p);
  const keys = list.flatMap((p) => p.incidents.map((i) => versionKey(i.incident_uid, i.time as number)));
  return { pages: list, keys };
}

describe('Contract: Symantec client against the simulator', () => {
  it('collects every record of the window exactly once, page by page, with events', async () => {
    // Prepare
    const { api, query, expected } = await setup();
    const pageCount = Math.ceil(expected.length / PAGE);
    // Act
    const { pages, keys } = await collect(api.incidents.pages(query));
    // Assess
    expect(expected.length).toBeGreaterThan(PAGE * 2);
    expect(keys).toEqual(expected);
    expect(pages).toHaveLength(pageCount);
    expect(pages.map((p) => p.offset)).toEqual(Array.from({ length: pageCount }, (_, i) => i * PAGE));
    expect(pages.at(-1)?.next).toBeUndefined();
    expect(pages.every((p) => p.total === expected.length && p.invalid.length === 0)).toBe(true);
    expect(pages.map((p) => p.requests)).toEqual([2, ...Array(pageCount - 1).fill(1)]);
    expect(api.stats()).toEqual({ requests: pageCount + 1, retries: 0 });
    expect(pages[0]?.incidents.every((i) => Array.isArray(i.events) && i.events.length > 0)).toBe(true);
    expect(sim?.groundTruth.unserved().length).toBe(0);
  });

  it('leaves events out when include_events is false', async () => {
    const { api, query } = await setup();
    const { pages } = await collect(api.incidents.pages({ ...query, includeEvents: false }));
    expect(pages.flatMap((p) => p.incidents).some((i) => 'events' in i)).toBe(false);
  });

  it('passes a Lucene query through: state_id:1 returns only New records', async () => {
    const { api, query } = await setup();
    const { pages } = await collect(api.incidents.pages({ ...query, query: 'state_id:1' }));
    const states = new Set(pages.flatMap((p) => p.incidents.map((i) => i.state_id)));
    expect([...states]).toEqual([1]);
    const expectedCount = sim?.groundTruth.visible().filter((v) => v.state_id === 1).length;
    expect(pages.flatMap((p) => p.incidents)).toHaveLength(expectedCount ?? -1);
  });

  const recoverable: [string, Fault][] = [
    ['429 without Retry-After', { kind: 'rate_limit' }],
    ['500', { kind: 'server_error', status: 500 }],
    ['503 (Apigee fault body)', { kind: 'server_error', status: 503 }],
    ['truncated JSON', { kind: 'truncated' }],
    ['malformed (HTML) body', { kind: 'malformed' }],
    ['connection reset', { kind: 'reset' }],
  ];
  it.each(recoverable)('retries a %s on the first page and loses nothing', async (_name, fault) => {
    const { api, query, expected } = await setup([fault]);
    const { pages, keys } = await collect(api.incidents.pages(query));
    expect(keys).toEqual(expected);
    expect([pages[0]?.requests, pages[0]?.retries]).toEqual([3, 1]);
    expect(api.stats().retries).toBe(1);
    expect(sim?.requestLog.filter((e) => e.target === 'incidents')[0]?.fault).toBe(fault.kind);
  });

  it('waits what Retry-After asks (on the injected clock) before retrying a 429', async () => {
    const { api, query, expected, clock } = await setup([{ kind: 'rate_limit', retryAfter: 3 }]);
    const before = clock.now();
    const { keys } = await collect(api.incidents.pages(query));
    expect(keys).toEqual(expected);
    expect(clock.now() - before).toBeGreaterThanOrEqual(3000);
    expect(clock.now() - before).toBeLessThan(3000 + 1000);
  });

  it('times out a slow response and retries it', async () => {
    // A timeout far above a normal answer's time on a loaded machine, a delay far above the timeout.
    const { api, query, expected } = await setup([{ kind: 'slow', delayMs: 20_000 }], {
      requestTimeoutMs: 1500,
    });
    const { pages, keys } = await collect(api.incidents.pages(query));
    expect(keys).toEqual(expected);
    expect([pages[0]?.requests, pages[0]?.retries]).toEqual([3, 1]);
  });

  it('refreshes the token once when the API says it expired mid-run', async () => {
    // Prepare: the second data request gets 401 "Access Token expired"
    const { api, query, expected } = await setup();
    sim?.faults.at(2, { kind: 'token_expired' });
    // Act
    const { pages, keys } = await collect(api.incidents.pages(query));
    // Assess
    expect(keys).toEqual(expected);
    expect([pages[1]?.requests, pages[1]?.retries]).toEqual([3, 1]);
    expect(sim?.requestLog.filter((e) => e.target === 'token')).toHaveLength(2);
  });

  it('quarantines invalid items with a reason and keeps the rest of the page', async () => {
    const { api, query, expected } = await setup([{ kind: 'invalid_items', count: 2 }]);
    const { pages, keys } = await collect(api.incidents.pages(query));
    const invalid = pages.flatMap((p) => p.invalid);
    expect(invalid.map((i) => [i.index, i.reason])).toEqual([
      [0, 'incident_uid: required string is missing'],
      [1, 'time: expected an ISO 8601 date-time string, received "not-a-date"'],
    ]);
    expect(keys).toEqual(expected.slice(2));
    expect(pages[0]?.incidents).toHaveLength(PAGE - 2);
  });

  it('passes through an incident served on two pages (dedup is downstream) without losing any', async () => {
    const { api, query, expected } = await setup();
    sim?.faults.at(2, { kind: 'duplicate' });
    const { keys } = await collect(api.incidents.pages(query));
    expect(keys).toHaveLength(expected.length + 1);
    expect([...new Set(keys)]).toEqual(expected);
    expect(keys[PAGE]).toBe(keys[PAGE - 1]);
  });

  it.each([301, 302, 307] as const)(
    'reports a %i redirect as a wrong-region error and does not follow it',
    async (status) => {
      const { api, query } = await setup([{ kind: 'redirect', status }]);
      const error = await failure(api.incidents.pages(query));
      expect(error.kind).toBe('region');
      expect(error.message).toContain('api.sep.eu.securitycloud.symantec.com');
      expect(api.stats()).toEqual({ requests: 2, retries: 0 });
    },
  );

  it('gives up on a persistent 503 after maxAttempts with a server error', async () => {
    const { api, query } = await setup(Array(10).fill({ kind: 'server_error', status: 503 }), {
      maxAttempts: 4,
    });
    const error = await failure(api.incidents.pages(query));
    expect(error.kind).toBe('server');
    expect(error.message).toContain('503');
    expect(error.message).toContain('gave up after 4 attempts');
    expect(api.stats()).toEqual({ requests: 5, retries: 3 });
    expect(error.retryable).toBe(true);
  });

  it('gives up on a persistently truncated body with an invalid_response error', async () => {
    const { api, query } = await setup(Array(3).fill({ kind: 'truncated' }), { maxAttempts: 3 });
    const error = await failure(api.incidents.pages(query));
    expect(error.kind).toBe('invalid_response');
    expect(api.stats()).toEqual({ requests: 4, retries: 2 });
  });

  it('reports wrong credentials as an auth error naming the credential source', async () => {
    const started = await simulatorWithClient({ seed: 7, incidents: 5 });
    sim = started.sim;
    const api = createSymantecClient({
      baseUrl: new URL(sim.url),
      credentials: staticCredentials(
        { clientId: sim.clientId, clientSecret: 'wrong-secret-1' },
        'env SES_CLIENT_ID',
      ),
      clock: new FakeClock(Date.now()),
    });
    const error = await failure(api.incidents.pages({ ...lastDay(), limit: 10, includeEvents: false }));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('env SES_CLIENT_ID');
    expect(error.message).toContain('Credential mismatch');
    expect(error.message).not.toContain('wrong-secret-1');
    expect(sim.requestLog).toHaveLength(1);
  });

  it('reports a start date older than 30 days as history_limit', async () => {
    const { api } = await setup();
    const now = Date.now();
    const error = await failure(
      api.incidents.pages({
        startDate: new Date(now - 31 * 86_400_000),
        endDate: new Date(now),
        limit: 10,
        includeEvents: false,
      }),
    );
    expect(error.kind).toBe('history_limit');
    expect(api.stats()).toEqual({ requests: 2, retries: 0 });
  });

  it('recovers when the simulated clock expires the token between runs', async () => {
    // Prepare: the simulator runs on a clock we move; the client's clock does not know
    const simClock = new FakeClock(Date.now());
    const started = await simulatorWithClient({
      seed: 7,
      incidents: 5,
      clock: simClock,
      tokenTtlSeconds: 600,
    });
    sim = started.sim;
    const query = { ...lastDay(simClock.now()), limit: 100, includeEvents: false };
    await collect(started.api.incidents.pages(query));
    // Act
    simClock.advance(601_000);
    const { keys } = await collect(started.api.incidents.pages(query));
    // Assess
    expect(keys).toHaveLength(
      sim.groundTruth.inWindow(query.startDate.getTime(), query.endDate.getTime()).length,
    );
    expect(sim.requestLog.map((e) => `${e.target}:${e.status}`)).toEqual([
      'token:200',
      'incidents:200',
      'incidents:401',
      'token:200',
      'incidents:200',
    ]);
  });
});
