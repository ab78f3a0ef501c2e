import { afterEach, describe, expect, it } from 'vitest';
import { backfillEvents, type EventBackfillOptions } from '../../../shared/collector/event-backfill.ts';
import { silentLogger } from '../../../shared/ports/logger.ts';
import { type RunningSimulator, startSimulator } from '../../../shared/simulator/index.ts';
import { createEventSearchClient, RequestBudget } from '../../../shared/symantec/event-search.ts';
import { FakeClock, MemoryCheckpointStore, MemorySink } from '../../helpers/fakes.ts';
import { staticCredentials } from '../../helpers/simulator.ts';
import { testDelivery } from '../../helpers/telemetry-collect.ts';

const T0 = Date.parse('2026-11-20T12:00:00.000Z');
const SINCE = new Date(T0 - 2 * 3_600_000);
const UNTIL = new Date(T0);

/** `count` events whose log_time is spread evenly over [from, from + spanMs). */
function events(count: number, from: number, spanMs: number, prefix: string): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const t = from + Math.floor((i * spanMs) / count);
    return {
      uuid: `8001:${prefix}-${String(i).padStart(6, '0')}`,
      type_id: 8001,
      severity_id: 1,
      time: new Date(t - 20_000).toISOString(),
      log_time: new Date(t).toISOString(),
    };
  });
}

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(opts: { events: Record<string, unknown>[]; serverBudget?: number; ourBudget?: number }) {
  const clock = new FakeClock(T0 + 60_000);
  sim = await startSimulator({
    incidents: 0,
    clock,
    telemetry: {
      events: opts.events,
      ...(opts.serverBudget ? { searchBudgetPerHour: opts.serverBudget } : {}),
    },
  });
  const s = sim;
  const search = createEventSearchClient({
    baseUrl: new URL(s.url),
    credentials: staticCredentials({ clientId: s.clientId, clientSecret: s.clientSecret }),
    clock,
    maxAttempts: 2,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
  });
  const store = new MemoryCheckpointStore();
  const sink = new MemorySink();
  const delivery = testDelivery(sink);
  const budget = new RequestBudget(opts.ourBudget ?? 500, clock);
  const requests: { offset: number; limit: number; start: string; end: string }[] = [];
  const recorded = {
    async search(q: Parameters<typeof search.search>[0]) {
      requests.push({
        offset: q.offset,
        limit: q.limit,
        start: q.startDate.toISOString(),
        end: q.endDate.toISOString(),
      });
      return search.search(q);
    },
  };
  const run = (over: Partial<EventBackfillOptions> = {}) =>
    backfillEvents(
      { search: recorded, store, delivery, budget, clock, logger: silentLogger },
      {
        tenant: 'default',
        since: SINCE,
        until: UNTIL,
        owner: 'test',
        deadline: clock.now() + 24 * 3_600_000,
        deadlineMarginMs: 1000,
        ...over,
      },
    );
  const truth = s.events!.groundTruth;
  return { clock, sink, requests, run, truth, budget };
}

const ids = (sink: MemorySink) => sink.docs.filter((d) => d.dataset === 'event').map((d) => d.id);

describe('Event Search backfill against the simulator', () => {
  it('splits a window over the 10 000 cap before delivering, pages of at most 1000, and delivers exactly the events of [since, until)', async () => {
    // 12 500 events in one 40-minute burst (over the cap in any 1 h window), plus a quiet tail,
    // and events just outside the range on both sides that must not be delivered.
    const inside = [
      ...events(12_500, T0 - 100 * 60_000, 40 * 60_000, 'burst'),
      ...events(300, T0 - 50 * 60_000, 50 * 60_000, 'tail'),
    ];
    const outside = [
      ...events(20, SINCE.getTime() - 60_000, 60_000, 'before'),
      ...events(20, T0, 60_000, 'after'),
    ];
    const { run, sink, requests, truth } = await setup({ events: [...inside, ...outside] });
    const summary = await run();
    expect(summary.status).toBe('complete');
    expect(summary.splits).toBeGreaterThan(0);
    expect(summary.unreachable).toBe(0);
    expect(summary.rateLimited).toBe(0);
    for (const r of requests) {
      expect(r.limit).toBeLessThanOrEqual(1000);
      expect(r.offset + r.limit).toBeLessThanOrEqual(10_000);
    }
    const got = ids(sink);
    expect(got).toHaveLength(inside.length);
    expect(new Set(got)).toEqual(new Set(inside.map((e) => e['uuid'])));
    expect(summary.events).toBe(inside.length);
    expect(truth.searchRateLimited).toBe(0);
    // Requests the summary reports are the ones the API answered (token calls included).
    expect(summary.requests).toBeGreaterThanOrEqual(requests.length);
  });

  it('keeps the 500 requests/hour budget on our side: waits when the deadline allows, else stops partial and resumes from its checkpoint', async () => {
    const inside = events(4500, T0 - 90 * 60_000, 60 * 60_000, 'e');
    {
      const { run, sink, truth } = await setup({ events: inside, ourBudget: 3 });
      const summary = await run();
      expect(summary.status).toBe('complete');
      expect(summary.budgetWaitMs).toBeGreaterThan(0);
      expect(summary.budgetPerHour).toBe(3);
      expect(truth.searchRateLimited).toBe(0); // our budget, not the API's 429s
      expect(new Set(ids(sink))).toEqual(new Set(inside.map((e) => e['uuid'])));
      await sim?.close();
      sim = undefined;
    }
    const { run, sink, clock } = await setup({ events: inside, ourBudget: 3 });
    const stopped = await run({ waitForBudget: false });
    expect(stopped.status).toBe('partial');
    expect(stopped.reason).toMatch(/hourly Event Search budget \(3 requests\) is spent/);
    expect(stopped.budgetUsed).toBe(3);
    const partialIds = ids(sink).length;
    expect(partialIds).toBeGreaterThan(0);
    expect(partialIds).toBeLessThan(inside.length);
    clock.advance(3_600_000);
    let last = stopped;
    for (let i = 0; i < 10 && last.status === 'partial'; i++) {
      last = await run({ waitForBudget: false });
      clock.advance(3_600_000);
    }
    expect(last.status).toBe('complete');
    expect(ids(sink)).toHaveLength(inside.length); // resumed: nothing twice
  });

  it('honours a 429 from the API (its quota is shared with other clients): waits out the hour, retries the same page, and reports it', async () => {
    const inside = events(3500, T0 - 90 * 60_000, 60 * 60_000, 'q');
    // The API allows 2 searches per hour; our own count would allow 500.
    const { run, sink, truth } = await setup({ events: inside, serverBudget: 2 });
    const summary = await run();
    expect(summary.status).toBe('complete');
    expect(summary.rateLimited).toBeGreaterThan(0);
    expect(truth.searchRateLimited).toBeGreaterThan(0);
    expect(summary.budgetWaitMs).toBeGreaterThanOrEqual(3_600_000 * summary.rateLimited - 60_000);
    expect(ids(sink)).toHaveLength(inside.length);
    expect(new Set(ids(sink))).toEqual(new Set(inside.map((e) => e['uuid'])));

    // Without waiting: partial, with the 429 in the reason.
    await sim?.close();
    sim = undefined;
    const again = await setup({ events: inside, serverBudget: 2 });
    const stopped = await again.run({ waitForBudget: false });
    expect(stopped.status).toBe('partial');
    expect(stopped.rateLimited).toBe(1);
    expect(stopped.reason).toMatch(/429/);
  });
});
