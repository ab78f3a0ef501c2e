import { afterEach, describe, expect, it } from 'vitest';
import {
  type Personality,
  type RunningSimulator,
  startSimulator,
  versionKey,
} from '../../../shared/simulator/index.ts';
import { FakeClock } from '../../helpers/fakes.ts';

/**
 * The soak's rule for "lost" under a latest-only API (ground truth, shared/simulator/ground-truth.ts):
 * an intermediate version counts as observable only if some scan could have returned it. The soak runs
 * on a clock that stands still during a run, so "could have" is decided by the order of writes and
 * requests, not by their instants; and a scan the API forced the client to abandon (records moved under
 * it, or its total hit the result cap) counts only for the part of the list it reached.
 */
const MINUTE = 60_000;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const WINDOW = { start: T0 + 60 * MINUTE, end: T0 + 120 * MINUTE };

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(personality: Partial<Personality>) {
  const clock = new FakeClock(T0);
  sim = await startSimulator({ seed: 9, incidents: 1, clock, personality });
  const s = sim;
  const token = async () => {
    const r = await fetch(`${s.url}/v1/oauth2/tokens`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}`,
      },
    });
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const base = s.groundTruth.versions[0]?.fields ?? {};
  /** A version of incident `uid` (created `i` seconds into the window) written at `time`. */
  const version = (uid: string, i: number, time: number, state: number) => ({
    ...base,
    incident_uid: uid,
    created: new Date(WINDOW.start + i * 1000).toISOString(),
    time,
    modified: new Date(time).toISOString(),
    state_id: state,
  });
  /** One page of the window, in the order of the personality (created ascending below). */
  const page = async (next: number, limit = 1) => {
    const bearer = await token();
    const answer = await fetch(`${s.url}/v1/incidents`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
      body: JSON.stringify({
        start_date: new Date(WINDOW.start).toISOString(),
        end_date: new Date(WINDOW.end).toISOString(),
        next,
        limit,
      }),
    });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { total: number; incidents: { incident_uid: string }[] };
    return { total: body.total, uids: body.incidents.map((i) => i.incident_uid) };
  };
  return { sim: s, clock, version, page };
}

const latestCreated: Partial<Personality> = {
  filterOn: 'created',
  versions: 'latest',
  orderBy: 'created',
  order: 'asc',
};

describe('Contract: which intermediate versions a latest-only API let a poll observe (the soak audit)', () => {
  it('a version written between the pages of a scan, at the same instant as its first page, was not observable to that scan', async () => {
    const { sim, clock, version, page } = await start(latestCreated);
    const T = WINDOW.start + 30 * MINUTE;
    sim.addIncidents([version('a', 0, WINDOW.start, 1), version('b', 1, WINDOW.start + 1000, 1)]);
    clock.advance(T - clock.now());
    expect((await page(0)).uids).toEqual(['a']);
    // Same instant, after the scan passed a: a@T cannot be returned by this scan (a's place is behind it).
    sim.addIncidents([version('a', 0, T, 2)]);
    expect((await page(1)).uids).toEqual(['b']);
    // Overwritten before the next poll.
    sim.addIncidents([version('a', 0, T + 1, 4)]);
    clock.advance(5 * MINUTE);
    const o = sim.groundTruth.observability();
    expect(o.get(versionKey('a', T))).toBe('unobservable');
    expect(o.get(versionKey('a', T + 1))).toBe('final');
  });

  it('a version written at the same instant but before the scan began, and latest through it, was observable', async () => {
    const { sim, clock, version, page } = await start(latestCreated);
    const T = WINDOW.start + 30 * MINUTE;
    sim.addIncidents([version('a', 0, WINDOW.start, 1), version('b', 1, WINDOW.start + 1000, 1)]);
    clock.advance(T - clock.now());
    sim.addIncidents([version('b', 1, T, 2)]);
    // A scan that stops after its first page (a client bug) and never reaches b@T: still observable.
    expect((await page(0)).uids).toEqual(['a']);
    sim.addIncidents([version('b', 1, T + 1, 4)]);
    clock.advance(5 * MINUTE);
    expect(sim.groundTruth.observability().get(versionKey('b', T))).toBe('stable-in-scan');
  });

  it('a scan restarted after the list moved under it (between its pages, or before the restart) counts only for the part it reached; without the move it counts whole', async () => {
    for (const moved of ['between-pages', 'before-restart', 'no'] as const) {
      const { sim: api, clock, version, page } = await start(latestCreated);
      const T = WINDOW.start + 30 * MINUTE;
      api.addIncidents([
        version('a', 0, WINDOW.start, 1),
        version('b', 1, WINDOW.start + 1000, 1),
        version('c', 2, WINDOW.start + 2000, 1),
      ]);
      clock.advance(T - clock.now());
      expect((await page(0)).uids).toEqual(['a']);
      if (moved === 'between-pages') api.addIncidents([version('a', 0, T, 2)]);
      // Its next page; then the client restarts at offset 0 (its pager's overlap check failed, or for no
      // reason at all), and c is overwritten before the restarted pass gets there.
      expect((await page(1)).uids).toEqual(['b']);
      // (A run that failed after this page: the next run reads the window again from its start.)
      if (moved === 'before-restart') api.addIncidents([version('a', 0, T, 2)]);
      expect((await page(0)).uids).toEqual(['a']);
      api.addIncidents([version('c', 2, T, 4)]);
      expect((await page(1, 2)).uids).toEqual(['b', 'c']);
      clock.advance(5 * MINUTE);
      const o = api.groundTruth.observability();
      expect(o.get(versionKey('c', WINDOW.start + 2000))).toBe(
        moved === 'no' ? 'stable-in-scan' : 'unobservable',
      );
      await api.close();
      sim = undefined;
    }
  });

  it('a scan whose total hit the result cap counts only for the part it reached (the client splits the window)', async () => {
    const { sim, clock, version, page } = await start({ ...latestCreated, resultCap: 2 });
    const T = WINDOW.start + 30 * MINUTE;
    sim.addIncidents([
      version('a', 0, WINDOW.start, 1),
      version('b', 1, WINDOW.start + 1000, 1),
      version('c', 2, WINDOW.start + 2000, 1),
    ]);
    clock.advance(T - clock.now());
    const first = await page(0);
    expect(first).toEqual({ total: 2, uids: ['a'] });
    // b lay below the cap but past the page; it is overwritten before the client's halves reach it.
    sim.addIncidents([version('b', 1, T, 2)]);
    clock.advance(5 * MINUTE);
    const o = sim.groundTruth.observability();
    expect(o.get(versionKey('b', WINDOW.start + 1000))).toBe('unobservable');
    expect(o.get(versionKey('a', WINDOW.start))).toBe('served');
  });

  /** Filter and order on time: a version written after the window takes its incident out of the list. */
  const latestTime: Partial<Personality> = {
    filterOn: 'time',
    versions: 'latest',
    orderBy: 'time',
    order: 'desc',
  };
  /** One page request of the window with a client timeout; its body text, or 'timed out'. */
  const rawPage = async (api: RunningSimulator, limit: number, timeoutMs: number) => {
    const t = await fetch(`${api.url}/v1/oauth2/tokens`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${api.clientId}:${api.clientSecret}`).toString('base64')}`,
      },
    });
    const bearer = ((await t.json()) as { access_token: string }).access_token;
    return fetch(`${api.url}/v1/incidents`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
      body: JSON.stringify({
        start_date: new Date(WINDOW.start).toISOString(),
        end_date: new Date(WINDOW.end).toISOString(),
        next: 0,
        limit,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    })
      .then((r) => r.text())
      .catch(() => 'timed out');
  };

  it('a scan restarted after an incident of its list left the window (the list shifted) counts only for the part it reached', async () => {
    const { sim, clock, version } = await start(latestTime);
    const T = WINDOW.end + 10 * MINUTE;
    sim.addIncidents([version('a', 0, WINDOW.start + 1000, 1), version('b', 1, WINDOW.start, 1)]);
    clock.advance(T - clock.now());
    expect(await rawPage(sim, 1, 5000)).toContain('"incident_uid":"a"');
    // b (not reached) gets a version after the window: it leaves the list, total drops, the client restarts.
    sim.addIncidents([version('b', 1, WINDOW.end + 5 * MINUTE, 4)]);
    expect(await rawPage(sim, 2, 5000)).not.toContain('"incident_uid":"b"');
    clock.advance(5 * MINUTE);
    expect(sim.groundTruth.observability().get(versionKey('b', WINDOW.start))).toBe('unobservable');
  });

  it('a request the API failed on purpose (slow past the timeout, truncated) and the client retried is one read: a version replaced before any complete answer was not observable', async () => {
    const T = WINDOW.end + 10 * MINUTE;
    const cases = [
      { fault: { kind: 'truncated' } as const, expected: 'unobservable' },
      { fault: { kind: 'slow', delayMs: 20_000 } as const, expected: 'unobservable' },
      // Control: two complete answers the client did not go beyond (it stopped after one page each).
      { fault: undefined, expected: 'stable-in-scan' },
    ];
    for (const { fault, expected } of cases) {
      const { sim: api, clock, version } = await start(latestTime);
      api.addIncidents([version('a', 0, WINDOW.start + 1000, 1), version('b', 1, WINDOW.start, 1)]);
      clock.advance(T - clock.now());
      // Two attempts at the first page, nothing written between them; both failed when faulted.
      if (fault) api.faults.enqueue([fault, fault]);
      for (let attempt = 0; attempt < 2; attempt++) {
        // Only the slow answer is meant to time out: the others get time to spare on a loaded machine.
        const text = await rawPage(api, fault ? 2 : 1, fault?.kind === 'slow' ? 1000 : 5000);
        if (fault?.kind === 'truncated') expect(() => JSON.parse(text)).toThrow();
        if (fault?.kind === 'slow') expect(text).toBe('timed out');
        if (!fault) expect(JSON.parse(text).incidents).toHaveLength(1);
      }
      // The API replaces b by a version after the window; the next attempt is answered without it.
      api.addIncidents([version('b', 1, WINDOW.end + 5 * MINUTE, 4)]);
      const last = JSON.parse(await rawPage(api, 2, 5000)) as { incidents: { incident_uid: string }[] };
      expect(last.incidents.map((i) => i.incident_uid)).toEqual(['a']);
      clock.advance(5 * MINUTE);
      expect(api.groundTruth.observability().get(versionKey('b', WINDOW.start))).toBe(expected);
      await api.close();
      sim = undefined;
    }
  });
});
