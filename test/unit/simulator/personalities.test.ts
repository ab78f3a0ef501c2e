import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describePersonality,
  type Personality,
  parsePersonality,
  personalityMatrix,
  type RunningSimulator,
  startSimulator,
  versionKey,
} from '../../../shared/simulator/index.ts';
import { FakeClock } from '../../helpers/fakes.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

type Item = Record<string, unknown> & {
  incident_uid: string;
  time: number;
  created: string;
  modified: string;
};
interface Answer {
  status: number;
  body: { total?: number; next?: number; incidents?: Item[]; message?: string };
}

async function token(s: RunningSimulator): Promise<string> {
  const r = await fetch(`${s.url}/v1/oauth2/tokens`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}` },
  });
  return ((await r.json()) as { access_token: string }).access_token;
}

async function search(s: RunningSimulator, bearer: string, body: Record<string, unknown>): Promise<Answer> {
  const r = await fetch(`${s.url}/v1/incidents`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Answer['body'] };
}

/** Page through one window from offset 0 until the API says it is done (bounded). */
async function scan(
  s: RunningSimulator,
  window: { start: number; end: number },
  limit: number,
  query?: string,
) {
  const bearer = await token(s);
  const items: Item[] = [];
  const totals: number[] = [];
  let next: number | undefined = 0;
  for (let guard = 0; next !== undefined && guard < 1000; guard++) {
    const answer = await search(s, bearer, {
      start_date: new Date(window.start).toISOString(),
      end_date: new Date(window.end).toISOString(),
      next,
      limit,
      ...(query ? { query } : {}),
    });
    expect(answer.status).toBe(200);
    items.push(...(answer.body.incidents ?? []));
    totals.push(answer.body.total ?? -1);
    next = answer.body.next;
  }
  return { items, totals };
}

async function start(personality: Partial<Personality>, extra: Parameters<typeof startSimulator>[0] = {}) {
  const clock = new FakeClock(T0);
  sim = await startSimulator({ seed: 4, incidents: 60, clock, personality, ...extra });
  return { sim, clock };
}

const lastDay = { start: T0 - 24 * HOUR, end: T0 };
const fieldMs = (item: Item, field: 'time' | 'modified' | 'created') =>
  field === 'time' ? item.time : Date.parse(item[field]);

describe('Contract: simulator personalities', () => {
  it.each([
    ['time', 'asc'],
    ['time', 'desc'],
    ['modified', 'asc'],
    ['modified', 'desc'],
    ['created', 'asc'],
    ['created', 'desc'],
  ] as const)('orders the whole result list by %s %s, across pages', async (orderBy, order) => {
    const { sim } = await start({ orderBy, order });
    const { items } = await scan(sim, lastDay, 7);
    const values = items.map((i) => fieldMs(i, orderBy));
    const sorted = [...values].sort((a, b) => (order === 'asc' ? a - b : b - a));
    expect(items.length).toBe(sim.groundTruth.inWindow(lastDay.start, lastDay.end).length);
    expect(values).toEqual(sorted);
    // Not trivially sorted: the data set has distinct values in that field.
    expect(new Set(values).size).toBeGreaterThan(10);
  });

  it('filters the window on created: updates of incidents created inside it, even with a later time', async () => {
    const { sim } = await start({ filterOn: 'created', versions: 'all' });
    const window = { start: T0 - 24 * HOUR, end: T0 - 12 * HOUR };
    const { items } = await scan(sim, window, 50);
    const created = items.map((i) => Date.parse(i.created));
    expect(created.every((c) => c >= window.start && c <= window.end)).toBe(true);
    // The time filter would have dropped these: their time is after the window.
    expect(items.some((i) => i.time > window.end)).toBe(true);
    const expected = sim.groundTruth
      .visible()
      .filter(
        (v) => Date.parse(String(v.created)) >= window.start && Date.parse(String(v.created)) <= window.end,
      );
    expect(items.map((i) => versionKey(i.incident_uid, i.time)).sort()).toEqual(
      expected.map((v) => v.key).sort(),
    );
  });

  it('filters the window on time by default: every item has its time inside the window', async () => {
    const { sim } = await start({});
    const window = { start: T0 - 24 * HOUR, end: T0 - 12 * HOUR };
    const { items } = await scan(sim, window, 50);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.time >= window.start && i.time <= window.end)).toBe(true);
  });

  it('latest-only returns each incident once, as its latest visible version, and never an older one', async () => {
    const { sim } = await start({ versions: 'latest' });
    const { items } = await scan(sim, { start: T0 - 30 * 24 * HOUR + HOUR, end: T0 }, 9);
    const uids = items.map((i) => i.incident_uid);
    expect(new Set(uids).size).toBe(uids.length);
    const latest = new Map<string, number>();
    for (const v of sim.groundTruth.visible())
      latest.set(v.incident_uid, Math.max(latest.get(v.incident_uid) ?? 0, v.time));
    expect(items.every((i) => latest.get(i.incident_uid) === i.time)).toBe(true);
    expect(uids.length).toBe(latest.size);
    // Older versions exist, and the API hid them.
    expect(sim.groundTruth.visible().length).toBeGreaterThan(latest.size);
  });

  it('caps total and the reachable offsets at the result cap, then answers an empty page', async () => {
    const { sim } = await start({ resultCap: 25 });
    const all = sim.groundTruth.inWindow(lastDay.start, lastDay.end).length;
    const { items, totals } = await scan(sim, lastDay, 10);
    expect(all).toBeGreaterThan(25);
    expect(totals.every((t) => t === 25)).toBe(true);
    expect(items).toHaveLength(25);
    const bearer = await token(sim);
    const past = await search(sim, bearer, {
      start_date: new Date(lastDay.start).toISOString(),
      end_date: new Date(lastDay.end).toISOString(),
      next: 25,
      limit: 10,
    });
    expect(past).toMatchObject({ status: 200, body: { total: 25, incidents: [] } });
    expect(past.body.next).toBeUndefined();
  });

  it('answers 400 for an offset at or past the cap in cap-beyond=error mode', async () => {
    const { sim } = await start({ resultCap: 25, resultCapBeyond: 'error' });
    const bearer = await token(sim);
    const body = {
      start_date: new Date(lastDay.start).toISOString(),
      end_date: new Date(lastDay.end).toISOString(),
      limit: 10,
    };
    expect(await search(sim, bearer, { ...body, next: 20 })).toMatchObject({
      status: 200,
      body: { total: 25 },
    });
    expect(await search(sim, bearer, { ...body, next: 25 })).toMatchObject({
      status: 400,
      body: { message: 'Result window is too large: next must be less than 25' },
    });
  });

  it('indexes late: a record is invisible until up to N minutes after its time, then served', async () => {
    const { sim, clock } = await start({ lateIndexMinutes: 30 });
    const delays = sim.groundTruth.versions.map((v) => v.visibleAt - v.time);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30 * MINUTE);
    const pending = sim.groundTruth.versions.filter((v) => v.time <= T0 && v.visibleAt > T0);
    expect(pending.length).toBeGreaterThan(0);
    const before = await scan(sim, lastDay, 50);
    const keysBefore = new Set(before.items.map((i) => versionKey(i.incident_uid, i.time)));
    expect(pending.some((v) => keysBefore.has(v.key))).toBe(false);
    clock.advance(30 * MINUTE);
    const after = await scan(sim, lastDay, 50);
    const keysAfter = new Set(after.items.map((i) => versionKey(i.incident_uid, i.time)));
    expect(pending.every((v) => keysAfter.has(v.key))).toBe(true);
  });

  it('writes a new version of an incident of the result list between page requests (scan updates)', async () => {
    const { sim } = await start({ versions: 'latest', scanUpdateRate: 1 });
    const held = sim.groundTruth.versions.length;
    const { items, totals } = await scan(sim, { start: lastDay.start, end: T0 - MINUTE }, 10);
    const written = sim.groundTruth.versions.slice(held);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThanOrEqual(totals.length);
    expect(written.every((v) => v.time >= T0 && v.added)).toBe(true);
    // Records moved: an incident updated mid-scan left the time window, so total fell during the scan.
    expect(totals.at(-1)).toBeLessThan(totals[0] ?? 0);
    expect(items.length).toBeGreaterThan(0);
  });

  it('updates random open incidents between runs, moving their state forward', async () => {
    const { sim, clock } = await start({});
    clock.advance(5 * MINUTE);
    const keys = sim.updateIncidents(5);
    expect(keys).toHaveLength(5);
    for (const key of keys) {
      const v = sim.groundTruth.versions.find((x) => x.key === key);
      const older = sim.groundTruth.versions.filter(
        (x) => x.incident_uid === v?.incident_uid && x.key !== key,
      );
      expect(v?.time).toBe(clock.now());
      expect(v?.state_id).toBeGreaterThanOrEqual(2);
      expect(Math.max(...older.map((o) => o.state_id ?? 0))).toBeLessThan(4);
    }
  });

  it('moves its own clock at the accelerated rate when no clock is given', async () => {
    sim = await startSimulator({ seed: 4, incidents: 10, personality: { clockRate: 1000 } });
    await token(sim);
    await new Promise((r) => setTimeout(r, 100));
    await token(sim);
    const [first, second] = sim.requestLog.map((e) => e.at);
    // At least 100 real ms passed between the two requests: at 1000x, at least 100 simulated seconds.
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(100_000);
  });
});

describe('Contract: ground truth of observability', () => {
  it('under every-version mode, every visible version is observable', async () => {
    const { sim } = await start({});
    const o = sim.groundTruth.observability();
    expect([...o.values()].every((x) => x === 'every-version')).toBe(true);
    expect(o.size).toBe(sim.groundTruth.visible().length);
  });

  it('under latest-only: overwritten before any poll is unobservable; latest through a matching scan is observable', async () => {
    const { sim, clock } = await start({ versions: 'latest' });
    const base = sim.groundTruth.versions[0]?.fields ?? {};
    const record = (uid: string, minutes: number, state: number) => ({
      ...base,
      incident_uid: uid,
      time: T0 + minutes * MINUTE,
      modified: new Date(T0 + minutes * MINUTE).toISOString(),
      created: new Date(T0).toISOString(),
      state_id: state,
    });
    // x@1 is overwritten by x@2 before anyone asks.
    sim.addIncidents([record('y', 0.5, 2), record('x', 1, 1), record('x', 2, 2)]);
    clock.advance(3 * MINUTE);
    // One page of one item of a scan whose window holds y and x@2: y is served, x@2 is not reached...
    const bearer = await token(sim);
    const page = await search(sim, bearer, {
      start_date: new Date(T0).toISOString(),
      end_date: new Date(clock.now()).toISOString(),
      limit: 1,
    });
    expect(page.body.incidents?.map((i) => i.incident_uid)).toEqual(['y']);
    // ... and x@2 stays the latest until after that scan, then x@4 supersedes it and stays.
    sim.addIncidents([record('x', 4, 4)]);
    clock.advance(2 * MINUTE);
    const o = sim.groundTruth.observability();
    expect(o.get(versionKey('x', T0 + MINUTE))).toBe('unobservable');
    expect(o.get(versionKey('x', T0 + 2 * MINUTE))).toBe('stable-in-scan');
    expect(o.get(versionKey('x', T0 + 4 * MINUTE))).toBe('final');
    expect(o.get(versionKey('y', T0 + 0.5 * MINUTE))).toBe('served');
  });

  it('under latest-only, a scan that does not match the version (query, window) does not make it observable', async () => {
    const { sim, clock } = await start({ versions: 'latest' });
    const base = sim.groundTruth.versions[0]?.fields ?? {};
    const at = (minutes: number, state: number) => ({
      ...base,
      incident_uid: 'z',
      time: T0 + minutes * MINUTE,
      modified: new Date(T0 + minutes * MINUTE).toISOString(),
      state_id: state,
    });
    sim.addIncidents([at(1, 2)]);
    clock.advance(2 * MINUTE);
    const bearer = await token(sim);
    const window = {
      start_date: new Date(T0).toISOString(),
      end_date: new Date(clock.now()).toISOString(),
      limit: 5,
    };
    await search(sim, bearer, { ...window, query: 'state_id: 5' });
    await search(sim, bearer, { ...window, start_date: new Date(T0 + 90_000).toISOString() });
    sim.addIncidents([at(3, 5)]);
    clock.advance(2 * MINUTE);
    expect(sim.groundTruth.observability().get(versionKey('z', T0 + MINUTE))).toBe('unobservable');
  });
});

describe('Property: personality specs', () => {
  it('every matrix entry survives describe → parse unchanged', () => {
    const matrix = personalityMatrix({ resultCap: 60 });
    expect(matrix.length).toBeGreaterThanOrEqual(24);
    fc.assert(
      fc.property(fc.constantFrom(...matrix), (p) => {
        expect(parsePersonality(describePersonality(p))).toEqual(p);
      }),
    );
    expect(new Set(matrix.map(describePersonality)).size).toBe(matrix.length);
  });

  it('names the accepted forms when a spec is wrong', () => {
    expect(() => parsePersonality('order=sideways')).toThrow(
      /personality orderBy: use time, modified or created/,
    );
    expect(() => parsePersonality('colour=blue')).toThrow(/filter=time\|created/);
    expect(parsePersonality('created-latest')).toMatchObject({ filterOn: 'created', versions: 'latest' });
  });
});
