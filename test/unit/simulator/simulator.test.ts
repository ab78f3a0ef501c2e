import { afterEach, describe, expect, it } from 'vitest';
import {
  FaultController,
  generateIncidents,
  parseFault,
  parseQuery,
  type RunningSimulator,
  SIMULATOR_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET,
  startSimulator,
} from '../../../shared/simulator/index.ts';
import { FakeClock } from '../../helpers/fakes.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function token(s: RunningSimulator): Promise<string> {
  const r = await fetch(`${s.url}/v1/oauth2/tokens`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
  });
  const body = (await r.json()) as { access_token: string };
  return body.access_token;
}

async function incidents(s: RunningSimulator, body: unknown, bearer?: string) {
  const r = await fetch(`${s.url}/v1/incidents`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  return {
    status: r.status,
    headers: r.headers,
    body: (await r.json().catch(() => undefined)) as Record<string, unknown>,
  };
}

describe('Module: simulator/generator', () => {
  const now = Date.parse('2026-03-01T12:00:00.000Z');
  const records = generateIncidents({ seed: 3, incidents: 400, from: now - DAY, to: now });

  it('is deterministic per seed and differs between seeds', () => {
    expect(generateIncidents({ seed: 3, incidents: 400, from: now - DAY, to: now })).toEqual(records);
    expect(
      generateIncidents({ seed: 4, incidents: 400, from: now - DAY, to: now })[0]?.incident_uid,
    ).not.toBe(records[0]?.incident_uid);
  });

  it('covers every severity, priority, state, detection type and lifecycle record type', () => {
    const values = (f: string) => new Set(records.map((r) => r[f]));
    expect([...values('severity_id')].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...values('priority_id')].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...values('state_id')].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...values('type_id')].sort()).toEqual([8075, 8076, 8077]);
    expect(values('detection_type')).toContain('Advanced Analytics');
    expect(values('detection_type')).toContain('Sandbox');
    const eventIds = [...values('event_id')] as number[];
    expect(eventIds.some((id) => String(id).length === 7)).toBe(true);
    expect(eventIds.some((id) => String(id).length === 8)).toBe(true);
  });

  it('gives later versions of the same incident a later time and modified, and moves the state forward', () => {
    const byUid = new Map<string, typeof records>();
    for (const r of records) byUid.set(r.incident_uid, [...(byUid.get(r.incident_uid) ?? []), r]);
    let withUpdates = 0;
    for (const versions of byUid.values()) {
      const [first, ...rest] = versions;
      expect(first?.type_id).toBe(8075);
      expect([0, 1]).toContain(first?.state_id);
      let prev = first;
      for (const v of rest) {
        expect(v.time).toBeGreaterThan(prev?.time ?? 0);
        expect(Date.parse(v.modified)).toBe(v.time);
        expect(v.created).toBe(first?.created);
        expect(v.state_id).toBeGreaterThanOrEqual(2);
        prev = v;
      }
      if (rest.length) withUpdates++;
      const last = versions.at(-1);
      if (last?.type_id === 8077) expect([4, 5]).toContain(last.state_id);
    }
    expect(withUpdates).toBeGreaterThan(100);
  });

  it('embeds events like the samples: devices, users, files with hashes, Cynic threats, 8031, attacks', () => {
    const events = records.flatMap((r) => r.events as Record<string, unknown>[]);
    const sandbox = events.find((e) => e.type_id === 8031);
    expect(sandbox).toMatchObject({
      type: 'sandbox_file_detection',
      threat: { provider: 'Cynic', risk_id: expect.any(Number) },
      file: {
        sha2: expect.stringMatching(/^[0-9a-f]{64}$/),
        md5: expect.stringMatching(/^[0-9a-f]{32}$/),
        path: expect.any(String),
      },
      uuid: expect.stringMatching(/^8031:[0-9a-f]{8}-/),
      device_ip: expect.stringMatching(/^172\./),
      device_name: expect.any(String),
      device_uid: expect.any(String),
      device_os_name: expect.any(String),
      device_domain: expect.any(String),
      user: { name: expect.any(String) },
    });
    const process = events.find((e) => Array.isArray(e.attacks));
    expect(process).toMatchObject({
      attacks: [{ technique_uid: expect.stringMatching(/^T\d{4}/) }],
      process: { cmd_line: expect.any(String) },
    });
  });
});

describe('Module: simulator/query', () => {
  const r = (state_id: number, extra = {}) => ({ state_id, ...extra });
  it.each([
    ['state_id:1', [1]],
    ['state_id: [0 TO 3]', [0, 1, 2, 3]],
    ['(state_id: 1 OR state_id: 4)', [1, 4]],
    ['state_id:{1 TO 4]', [2, 3, 4]],
    ['NOT state_id:1 AND state_id:[* TO 2]', [0, 2]],
  ])('%s selects states %j', (q, states) => {
    const p = parseQuery(q);
    expect([0, 1, 2, 3, 4, 5].filter((s) => p(r(s)))).toEqual(states);
  });
  it('matches strings case-insensitively, with wildcards and quotes', () => {
    expect(parseQuery('detection_type:"Advanced Analytics"')({ detection_type: 'Advanced Analytics' })).toBe(
      true,
    );
    expect(parseQuery('conclusion:malicious*')({ conclusion: 'Malicious File' })).toBe(true);
    expect(parseQuery('conclusion:malicious*')({ conclusion: 'Suspicious Activity' })).toBe(false);
    expect(parseQuery('rule_name:crit*')({ rule_name: 'Critical Cynic Detections' })).toBe(true);
  });
  it.each(['state_id:', 'state_id: [1 TO', '(state_id:1', 'state_id:1)'])('rejects %s', (q) => {
    expect(() => parseQuery(q)).toThrow();
  });
});

describe('Module: simulator/faults', () => {
  it('serves the queue first, then pinned request numbers, then nothing', () => {
    const f = new FaultController().enqueue([{ kind: 'reset' }]).at(3, { kind: 'malformed' });
    expect([1, 2, 3, 4].map((n) => f.take('incidents', n)?.kind)).toEqual([
      'reset',
      undefined,
      'malformed',
      undefined,
    ]);
    expect(f.take('token', 1)).toBeUndefined();
  });
  it('draws random faults deterministically from the seed', () => {
    const draw = () => {
      const f = new FaultController().random({ rate: 0.3, seed: 9 });
      return Array.from({ length: 50 }, (_, i) => f.take('incidents', i + 1)?.kind ?? '-');
    };
    const a = draw();
    expect(draw()).toEqual(a);
    expect(a.filter((k) => k !== '-').length).toBeGreaterThan(5);
  });
  it('parses CLI specs', () => {
    expect(parseFault('429:retry-after=2')).toEqual({ kind: 'rate_limit', retryAfter: 2 });
    expect(parseFault('503')).toEqual({ kind: 'server_error', status: 503 });
    expect(parseFault('slow:1500')).toEqual({ kind: 'slow', delayMs: 1500 });
    expect(parseFault('redirect:307')).toEqual({ kind: 'redirect', status: 307 });
    expect(parseFault('302=https://api.sep.in.securitycloud.symantec.com')).toEqual({
      kind: 'redirect',
      status: 302,
      location: 'https://api.sep.in.securitycloud.symantec.com',
    });
    expect(() => parseFault('teapot')).toThrow(/unknown fault/);
  });
});

describe('Module: simulator/server', () => {
  it('defaults to the documented credentials and a data set inside the last 24 hours', async () => {
    const before = Date.now();
    sim = await startSimulator({ seed: 2, incidents: 50 });
    expect([sim.clientId, sim.clientSecret]).toEqual([SIMULATOR_CLIENT_ID, SIMULATOR_CLIENT_SECRET]);
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const times = sim.groundTruth.versions.map((v) => v.time);
    expect(Math.min(...times)).toBeGreaterThan(before - DAY);
    expect(Math.max(...times)).toBeLessThan(before - 60_000);
  });

  it('rejects what the real API rejects, with its status codes and error bodies', async () => {
    sim = await startSimulator({ seed: 2, incidents: 5 });
    const now = Date.now();
    const ok = {
      start_date: new Date(now - DAY).toISOString(),
      end_date: new Date(now).toISOString(),
      next: 0,
      limit: 10,
    };
    const bad = await fetch(`${sim.url}/v1/oauth2/tokens`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('someone:wrong').toString('base64')}` },
    });
    expect([bad.status, await bad.json()]).toEqual([401, { message: 'Credential mismatch' }]);
    expect(await incidents(sim, ok)).toMatchObject({
      status: 401,
      body: { fault: { faultstring: 'Invalid access token' } },
    });
    const t = await token(sim);
    expect(await incidents(sim, '{"start_date": ', t)).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('Malformed') },
    });
    expect(await incidents(sim, { ...ok, limit: 2001 }, t)).toMatchObject({
      status: 400,
      body: { message: 'Invalid limit: Maximum allowed page size is 2000' },
    });
    expect(
      await incidents(sim, { ...ok, start_date: new Date(now - 31 * DAY).toISOString() }, t),
    ).toMatchObject({
      status: 400,
      body: { message: 'Invalid start_date: start_date cannot be older than 30 days' },
    });
    expect(await incidents(sim, { ...ok, query: 'state_id: [1 TO' }, t)).toMatchObject({
      status: 400,
      body: { message: 'Invalid query' },
    });
    expect(await incidents(sim, ok, t)).toMatchObject({ status: 200, body: { total: expect.any(Number) } });
  });

  it('accepts the +0000 date form of the vendor samples and a token from form fields', async () => {
    sim = await startSimulator({ seed: 2, incidents: 5 });
    const r = await fetch(`${sim.url}/v1/oauth2/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${sim.clientId}&client_secret=${sim.clientSecret}`,
    });
    const { access_token } = (await r.json()) as { access_token: string };
    const start = new Date(Date.now() - DAY).toISOString().replace('Z', '+0000');
    const res = await incidents(
      sim,
      { start_date: start, end_date: new Date().toISOString().replace('Z', '+0000'), limit: 2000 },
      access_token,
    );
    expect(res.status).toBe(200);
    expect(res.body.incidents).toHaveLength(sim.groundTruth.versions.length);
  });

  it('hides records until the simulated clock reaches their time, and serves added incidents', async () => {
    // Prepare: arrivals over the next 10 hours
    const clock = new FakeClock(Date.parse('2026-03-01T00:00:00.000Z'));
    sim = await startSimulator({ seed: 5, incidents: 40, spanHours: 1, futureHours: 10, clock });
    const t = await token(sim);
    const window = {
      start_date: new Date(clock.now() - 2 * HOUR).toISOString(),
      end_date: new Date(clock.now() + 20 * HOUR).toISOString(),
      limit: 2000,
    };
    // Act
    const early = await incidents(sim, window, t);
    clock.advance(11 * HOUR);
    const expired = await incidents(sim, window, t);
    const t2 = await token(sim);
    const late = await incidents(sim, window, t2);
    sim.addIncidents([{ incident_uid: 'crafted-1', time: clock.now() - 1000, type_id: 8075, state_id: 1 }]);
    const withAdded = await incidents(sim, window, t2);
    // Assess
    expect(early.body.total).toBe(sim.groundTruth.visible(clock.now() - 11 * HOUR).length);
    expect(expired).toMatchObject({ status: 401, body: { fault: { faultstring: 'Access Token expired' } } });
    expect(late.body.total).toBe(sim.groundTruth.versions.length - 1);
    expect(Number(late.body.total)).toBeGreaterThan(Number(early.body.total));
    expect(withAdded.body.total).toBe(Number(late.body.total) + 1);
    expect((withAdded.body.incidents as { incident_uid: string }[]).at(-1)?.incident_uid).toBe('crafted-1');
    expect(sim.groundTruth.versions.at(-1)).toMatchObject({ incident_uid: 'crafted-1', added: true });
  });

  it('filters on created when asked, returning the latest visible version of each incident', async () => {
    sim = await startSimulator({ seed: 5, incidents: 30, filterOn: 'created' });
    const t = await token(sim);
    const now = Date.now();
    const res = await incidents(
      sim,
      { start_date: new Date(now - DAY).toISOString(), end_date: new Date(now).toISOString(), limit: 2000 },
      t,
    );
    const items = res.body.incidents as { incident_uid: string; time: number }[];
    expect(items).toHaveLength(30);
    expect(new Set(items.map((i) => i.incident_uid)).size).toBe(30);
    for (const item of items) {
      const latest = Math.max(
        ...sim.groundTruth.versions.filter((v) => v.incident_uid === item.incident_uid).map((v) => v.time),
      );
      expect(item.time).toBe(latest);
    }
  });

  it('pages with an integer offset, omits next on the last page (or sets it to total), and records what it served', async () => {
    sim = await startSimulator({ seed: 5, incidents: 4, updateRate: 0, lastPageNext: 'total' });
    const t = await token(sim);
    const now = Date.now();
    const body = {
      start_date: new Date(now - DAY).toISOString(),
      end_date: new Date(now).toISOString(),
      limit: 3,
    };
    const p1 = await incidents(sim, { ...body, next: 0 }, t);
    const p2 = await incidents(sim, { ...body, next: 3 }, t);
    expect([p1.body.total, p1.body.next, (p1.body.incidents as unknown[]).length]).toEqual([4, 3, 3]);
    expect([p2.body.total, p2.body.next, (p2.body.incidents as unknown[]).length]).toEqual([4, 4, 1]);
    expect(sim.groundTruth.served.map((s) => s.request)).toEqual([1, 1, 1, 2]);
    expect(sim.groundTruth.unserved()).toEqual([]);
  });

  it('redirects with a Location on another region host when told to', async () => {
    sim = await startSimulator({ seed: 5, incidents: 2, faults: ['redirect:307'] });
    const t = await token(sim);
    const res = await incidents(sim, {}, t);
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('https://api.sep.eu.securitycloud.symantec.com/v1/incidents');
  });
});
