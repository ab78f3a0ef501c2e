import { describe, expect, it } from 'vitest';
import { collect } from '../../../shared/collector/collect.ts';
import { overlappingPages } from '../../../shared/collector/overlap-pager.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import type { IncidentPage, IncidentQuery, IncidentSource } from '../../../shared/ports/incident-source.ts';
import { MemoryMetrics, MetricNames, silentLogger } from '../../../shared/ports/logger.ts';
import { createSymantecClient } from '../../../shared/symantec/index.ts';
import {
  FakeClock,
  fakeNormalize,
  fakeQuarantine,
  MemoryCheckpointStore,
  MemorySink,
} from '../../helpers/fakes.ts';
import { staticCredentials } from '../../helpers/simulator.ts';

/**
 * Security review: the pager trusted `total`. An API whose `total` is lower than the real count ended
 * the window early and the run reported it complete. Now a full page is never ended by `total` (the
 * next page shows whether more records exist), records found beyond `total` are counted in the
 * PagerTotalMismatch metric, and the pages one window may take are capped so an API whose `next`
 * never ends cannot hold a run forever.
 */
const T0 = Date.parse('2026-11-20T12:00:00.000Z');
const base = new URL('https://api.sep.securitycloud.symantec.com');

/** An API holding `count` incidents whose `total` always says `staleTotal`. */
function staleTotalApi(count: number, staleTotal: number) {
  const all = Array.from({ length: count }, (_, i) => ({
    incident_uid: `uid-${i + 1}`,
    time: T0 - 3_600_000 + i * 1000,
    type_id: 8075,
  }));
  const served: number[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (url.pathname.endsWith('/oauth2/tokens'))
      return Response.json({ access_token: 'tok-pager-0001', token_type: 'Bearer', expires_in: 3600 });
    const body = JSON.parse(String(init?.body)) as { next: number; limit: number };
    const items = all.slice(body.next, body.next + body.limit);
    served.push(items.length);
    const end = body.next + items.length;
    return Response.json({
      total: staleTotal,
      ...(end < all.length ? { next: end } : {}),
      incidents: items,
    });
  }) as typeof fetch;
  return { all, served, fetchFn };
}

async function runAgainst(api: ReturnType<typeof staleTotalApi>, pageOverlap: number) {
  const clock = new FakeClock(T0);
  const client = createSymantecClient({
    baseUrl: base,
    credentials: staticCredentials({ clientId: 'id', clientSecret: 'client-secret-value-0123' }),
    fetch: api.fetchFn,
    clock,
    random: () => 0.5,
  });
  const sink = new MemorySink();
  const metrics = new MemoryMetrics();
  const summary = await collect(
    {
      source: client.incidents,
      store: new MemoryCheckpointStore(),
      sink,
      clock,
      metrics,
      logger: silentLogger,
      normalize: fakeNormalize,
      quarantine: fakeQuarantine,
    },
    {
      settings: parseSettings({ pageSize: 3, openSweepMinutes: 0, pageOverlap }),
      owner: 'pager-test',
      deadline: T0 + 10 * 60_000,
    },
  );
  return { summary, sink, metrics };
}

describe('Security review: the pager does not trust total', () => {
  for (const overlap of [0, 1]) {
    it(`a total lower than the real count neither ends the window early nor goes unnoticed (SES_PAGE_OVERLAP=${overlap})`, async () => {
      // Prepare: 8 incidents, total says 3, pages of 3.
      const api = staleTotalApi(8, 3);
      // Act
      const { summary, sink, metrics } = await runAgainst(api, overlap);
      // Assess
      expect(summary.status).toBe('complete');
      expect(new Set(sink.docs.map((d) => d.id))).toEqual(
        new Set(api.all.map((r) => `${r.incident_uid}@${r.time}`)),
      );
      expect(metrics.get(MetricNames.pagerTotalMismatch)).toBeGreaterThanOrEqual(1);
    });
  }

  it('a truthful total raises no PagerTotalMismatch', async () => {
    const api = staleTotalApi(8, 8);
    const { summary, metrics } = await runAgainst(api, 0);
    expect(summary.status).toBe('complete');
    expect(metrics.get(MetricNames.pagerTotalMismatch)).toBe(0);
  });
});

/** A source whose `next` never ends: every page is full and points further (bounded at 5,000 pages). */
function endlessSource(): IncidentSource & { pagesServed: () => number } {
  let served = 0;
  return {
    pagesServed: () => served,
    async get() {
      return undefined;
    },
    async *pages(query: IncidentQuery): AsyncIterable<IncidentPage> {
      for (let offset = query.offset ?? 0; served < 5_000; offset += query.limit) {
        served++;
        const incidents = Array.from({ length: query.limit }, (_, i) => ({
          incident_uid: `uid-${offset + i}`,
          time: T0 - 60_000,
        }));
        yield {
          offset,
          next: offset + query.limit,
          total: offset + 2 * query.limit,
          incidents,
          invalid: [],
          requests: 1,
          retries: 0,
        };
      }
    },
  };
}

describe('Security review: the pages of one window are capped', () => {
  const query: IncidentQuery = {
    startDate: new Date(T0 - 3_600_000),
    endDate: new Date(T0),
    limit: 10,
    includeEvents: false,
  };
  for (const overlap of [0, 3]) {
    it(`fails loudly after maxPages pages of a never-ending next (overlap ${overlap})`, async () => {
      // Prepare
      const source = endlessSource();
      const read = async () => {
        for await (const _ of overlappingPages(source, query, {
          overlap,
          maxPages: 20,
          metrics: new MemoryMetrics(),
          logger: silentLogger,
        }));
      };
      // Act + Assess
      await expect(read()).rejects.toThrow(/took more than 20 pages/);
      expect(source.pagesServed()).toBeLessThanOrEqual(21);
    });
  }
});
