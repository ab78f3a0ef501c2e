import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createEventApi, type EventApi, type EventApiOptions, readBody } from './event-api.ts';
import { type Fault, FaultController, type FaultKind, parseFault } from './faults.ts';
import { generateIncidents, isoOffset } from './generator.ts';
import { GroundTruth, recordTime, versionKey } from './ground-truth.ts';
import { type Personality, resolvePersonality } from './personality.ts';
import { Prng } from './prng.ts';
import { type Predicate, parseQuery } from './query.ts';

/** Default credentials of the simulator (the CLI's local default uses the same). */
export const SIMULATOR_CLIENT_ID = 'ses-simulator-client';
export const SIMULATOR_CLIENT_SECRET = 'ses-simulator-secret';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Simulated time: records with `time` after `now()` are not visible yet; tokens expire on it. */
export interface SimulatorClock {
  now(): number;
}

export interface SimulatorOptions {
  /** TCP port on 127.0.0.1 (default 0: a free port). */
  port?: number;
  host?: string;
  /** PRNG seed of the data set (default 1). */
  seed?: number;
  /** Incidents to generate (default 100); each has 1-4 lifecycle records. */
  incidents?: number;
  /**
   * Arrival rate instead of a count: incidents per hour over the span (overrides `incidents`).
   */
  ratePerHour?: number;
  /** Creations are spread over the last `spanHours` before now (default 24). */
  spanHours?: number;
  /**
   * Also generate arrivals this many hours after now (default 0): they become visible as the clock
   * advances, to simulate new incidents between runs.
   */
  futureHours?: number;
  /** Probability that an incident gets updates/closure records (default 0.6). */
  updateRate?: number;
  /** Simulated clock (default: system time). */
  clock?: SimulatorClock;
  clientId?: string;
  clientSecret?: string;
  /** Access token lifetime in simulated seconds (default 3600). */
  tokenTtlSeconds?: number;
  /** Reject a start_date older than this many days with 400 (default 30; 0 disables). */
  historyDays?: number;
  /** Max `limit` (default 2000); over it, 400. */
  maxLimit?: number;
  /**
   * Window filter on record `time` (default) or on `created`. Shorthand for `personality.filterOn`; with
   * `created` and no `personality.versions`, only the latest version of each incident is returned.
   */
  filterOn?: 'time' | 'created';
  /**
   * The API behaviours the public facts leave open (filter field, versions, order, result cap, late
   * indexing, records moving during a scan, clock rate): see personality.ts and docs/api.md.
   */
  personality?: Partial<Personality>;
  /** Last page: omit `next` (default) or set it to `total`. */
  lastPageNext?: 'omit' | 'total';
  /** Initial fault queue for data requests (objects or CLI specs such as "429:retry-after=1"). */
  faults?: (Fault | string)[];
  /** Seeded random fault rate for data requests (soak tests). */
  faultRate?: number;
  faultSeed?: number;
  faultKinds?: FaultKind[];
  /** Where a redirect fault points by default. */
  redirectTo?: string;
  /** Called with one line per request (never secrets). */
  log?: (line: string) => void;
  /** Serve the telemetry endpoints (Event Stream, Event Search) over these streams and events. */
  telemetry?: EventApiOptions;
}

export interface RequestLogEntry {
  /** 1-based over all requests. */
  n: number;
  /** 1-based among requests of the same target. */
  targetN: number;
  target: 'token' | 'incidents' | 'other';
  method: string;
  path: string;
  status: number;
  /** Simulated time of the request. */
  at: number;
  /** The parsed JSON body of a data request. */
  body?: unknown;
  fault?: FaultKind;
  /** Items served (data requests). */
  items?: number;
  offset?: number;
  next?: number;
  total?: number;
}

export interface RunningSimulator {
  /** Base URL, e.g. http://127.0.0.1:43123 (give it as SES_API_URL / --api-url). */
  url: string;
  clientId: string;
  clientSecret: string;
  groundTruth: GroundTruth;
  faults: FaultController;
  /** Add crafted incident records (served like generated ones, filtered on their `time`). */
  addIncidents(records: object[]): void;
  /**
   * Write a new version (update, sometimes closure) of `count` random open incidents now, as analysts
   * do between two runs. Returns the new version keys.
   */
  updateIncidents(count: number): string[];
  /** The resolved behaviours of this simulator. */
  personality: Personality;
  /** Change how often records move during a scan (0 stops it: a quiet API for catch-up runs). */
  setScanUpdateRate(rate: number): void;
  /** Every request, in order. */
  requestLog: RequestLogEntry[];
  /** Revoke every issued token (the next data call gets 401). */
  expireTokens(): void;
  /** The telemetry endpoints, when `telemetry` was given. */
  events: EventApi | undefined;
  close(): Promise<void>;
}

/** A stored record with what the server sorts and filters on: time, visible-from, seq, created, modified. */
type StoredRecord = Record<string, unknown> & {
  __t: number;
  __v: number;
  __seq: number;
  __c: number;
  __m: number;
};
const INTERNAL = ['__t', '__v', '__seq', '__c', '__m'] as const;
function publicRecord(stored: StoredRecord): Record<string, unknown> {
  const record: Record<string, unknown> = { ...stored };
  for (const k of INTERNAL) delete record[k];
  return record;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

const fault = (faultstring: string, errorcode: string) => ({ fault: { faultstring, detail: { errorcode } } });

function decodeBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const m = header?.match(/^Basic\s+(\S+)$/i);
  if (!m?.[1]) return undefined;
  const b64 = m[1].replace(/-/g, '+').replace(/_/g, '/');
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return undefined;
  return { id: text.slice(0, i), secret: text.slice(i + 1) };
}

/**
 * Start the built-in Symantec API simulator: `POST /v1/oauth2/tokens` and `POST /v1/incidents` with the
 * real request/response shapes, a deterministic data set, scripted faults and a ground truth.
 *
 * @example
 * const sim = await startSimulator({ seed: 7, incidents: 50 });
 * sim.faults.enqueue([{ kind: 'rate_limit', retryAfter: 1 }, { kind: 'server_error', status: 503 }]);
 * // ... run the client against sim.url ...
 * expect(sim.groundTruth.unserved()).toEqual([]);
 * await sim.close();
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const personality = resolvePersonality({
    ...(options.filterOn ? { filterOn: options.filterOn } : {}),
    ...options.personality,
  });
  const realStart = Date.now();
  // Without a given clock the simulator keeps real time, accelerated by the personality's clock rate.
  const clock: SimulatorClock =
    options.clock ??
    (personality.clockRate > 0 && personality.clockRate !== 1
      ? { now: () => realStart + Math.round((Date.now() - realStart) * personality.clockRate) }
      : { now: () => Date.now() });
  const clientId = options.clientId ?? SIMULATOR_CLIENT_ID;
  const clientSecret = options.clientSecret ?? SIMULATOR_CLIENT_SECRET;
  const tokenTtlMs = (options.tokenTtlSeconds ?? 3600) * 1000;
  const historyDays = options.historyDays ?? 30;
  const maxLimit = options.maxLimit ?? 2000;
  const { filterOn, versions, orderBy, order, resultCap, resultCapBeyond } = personality;
  const seed = options.seed ?? 1;
  const latePrng = new Prng(seed * 7_919 + 101);
  const updatePrng = new Prng(seed * 104_729 + 13);
  const lateMs = personality.lateIndexMinutes * MINUTE;
  const lastPageNext = options.lastPageNext ?? 'omit';
  const redirectTo = options.redirectTo ?? 'https://api.sep.eu.securitycloud.symantec.com';
  const log = options.log;

  const groundTruth = new GroundTruth(() => clock.now(), { filterOn, versions });
  const faults = new FaultController();
  for (const f of options.faults ?? []) faults.enqueue(typeof f === 'string' ? parseFault(f) : f);
  if (options.faultRate)
    faults.random({
      rate: options.faultRate,
      seed: options.faultSeed ?? options.seed ?? 1,
      kinds: options.faultKinds,
    });

  // Data set: records sorted by time (then insertion), so offsets stay stable while time stands still.
  const records: StoredRecord[] = [];
  let seq = 0;
  let sorted = true;
  const byUid = new Map<string, StoredRecord[]>();
  const store = (record: Record<string, unknown>, added: boolean) => {
    const raw = recordTime(record);
    const t = Number.isNaN(raw) ? clock.now() : raw;
    // Late indexing: visible a seeded 0..N minutes after its time.
    const v = lateMs > 0 ? t + Math.floor(latePrng.next() * (lateMs + 1)) : t;
    const c = typeof record.created === 'string' ? Date.parse(record.created) : Number.NaN;
    const m = typeof record.modified === 'string' ? Date.parse(record.modified) : Number.NaN;
    const stored = {
      ...record,
      __t: t,
      __v: v,
      __seq: seq++,
      __c: Number.isNaN(c) ? t : c,
      __m: Number.isNaN(m) ? t : m,
    } as StoredRecord;
    records.push(stored);
    const uid = String(record.incident_uid);
    byUid.set(uid, [...(byUid.get(uid) ?? []), stored]);
    groundTruth.register(record, added, v);
    sorted = false;
  };
  const start = clock.now();
  const spanMs = (options.spanHours ?? 24) * HOUR;
  const futureMs = (options.futureHours ?? 0) * HOUR;
  // Keep every default record inside a 24 h lookback taken a few minutes later, and before the
  // collector's settle time, so the first `npm start` collects all of them.
  const from = start - spanMs + Math.min(15 * MINUTE, spanMs / 10);
  const to = start + futureMs - (futureMs > 0 ? 0 : Math.min(10 * MINUTE, spanMs / 10));
  const count =
    options.ratePerHour !== undefined
      ? Math.round(options.ratePerHour * ((to - from) / HOUR))
      : (options.incidents ?? 100);
  for (const r of generateIncidents({
    seed,
    incidents: count,
    from,
    to,
    latestRecordTime: futureMs > 0 ? to : start - 2 * MINUTE,
    updateRate: options.updateRate,
  })) {
    store(r, false);
  }
  const ordered = () => {
    if (!sorted) {
      records.sort((a, b) => a.__t - b.__t || a.__seq - b.__seq);
      sorted = true;
    }
    return records;
  };

  /** The stored version with the greatest (time, seq) of an incident, visible or not. */
  const newest = (uid: string): StoredRecord | undefined => {
    let best: StoredRecord | undefined;
    for (const r of byUid.get(uid) ?? [])
      if (!best || r.__t > best.__t || (r.__t === best.__t && r.__seq > best.__seq)) best = r;
    return best;
  };
  /**
   * Write the next lifecycle version of an open incident at `now` (an analyst moves it forward): an 8076
   * update (In Progress / On Hold), or an 8077 closure 30 % of the time. Undefined if it is closed.
   */
  const writeUpdate = (uid: string, now: number): string | undefined => {
    const last = newest(uid);
    // Closed, or a later version is already scheduled (generated future arrivals): leave it alone.
    if (!last || last.__v > now || Number(last.state_id) >= 4) return undefined;
    const time = Math.max(now, last.__t + 1);
    const close = updatePrng.chance(0.3);
    const typeId = close ? 8077 : 8076;
    const eightDigit = String(last.event_id ?? '').length === 8;
    const record: Record<string, unknown> = {
      ...publicRecord(last),
      type: close ? 'INCIDENT_CLOSURE' : 'INCIDENT_UPDATE',
      type_id: typeId,
      event_id: eightDigit ? typeId * 10_000 + 4 : typeId * 1000 + 4,
      state_id: close ? updatePrng.pick([4, 5]) : updatePrng.pick([2, 3]),
      modified: isoOffset(time),
      device_time: time,
      time,
      ...(close ? { resolution_id: updatePrng.int(1, 6) } : {}),
    };
    store(record, true);
    return versionKey(uid, time);
  };
  /** Open incidents whose latest visible version is visible at `now`. */
  const openIncidents = (now: number): string[] => {
    const out: string[] = [];
    for (const [uid, list] of byUid) {
      const last = newest(uid);
      if (last && last.__v <= now && Number(last.state_id) < 4 && list.length > 0) out.push(uid);
    }
    return out;
  };
  /**
   * Records moving while a scan is in progress: after a page, maybe update one incident of the result
   * list, half the time one already served (it moves out of or within the list: offsets shift), half one
   * not yet reached.
   */
  const maybeUpdateDuringScan = (matching: StoredRecord[], servedUpTo: number, now: number): void => {
    if (personality.scanUpdateRate <= 0 || matching.length === 0) return;
    if (updatePrng.next() >= personality.scanUpdateRate) return;
    const served = updatePrng.chance(0.5) && servedUpTo > 0;
    const [lo, hi] = served ? [0, servedUpTo] : [servedUpTo, matching.length];
    if (hi <= lo) return;
    const startAt = updatePrng.int(lo, hi - 1);
    for (let i = 0; i < hi - lo; i++) {
      const candidate = matching[lo + ((startAt - lo + i) % (hi - lo))];
      if (candidate && writeUpdate(String(candidate.incident_uid), now)) return;
    }
  };

  const withEvents = new WeakMap<StoredRecord, string>();
  const withoutEvents = new WeakMap<StoredRecord, string>();
  const serialized = (stored: StoredRecord, includeEvents: boolean): string => {
    const cache = includeEvents ? withEvents : withoutEvents;
    let text = cache.get(stored);
    if (text === undefined) {
      const record = publicRecord(stored);
      if (!includeEvents) delete record.events;
      text = JSON.stringify(record);
      cache.set(stored, text);
    }
    return text;
  };

  const tokens = new Map<string, number>();
  const requestLog: RequestLogEntry[] = [];
  const counters = { all: 0, token: 0, incidents: 0, other: 0 };

  const handleToken = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
    f: Fault | undefined,
  ): Promise<void> => {
    const raw = await readBody(req);
    if (f && applyTransportFault(res, entry, f)) return;
    const form = new URLSearchParams(raw);
    const grant = form.get('grant_type');
    if (grant !== null && grant !== 'client_credentials') {
      entry.status = 400;
      return json(res, 400, { message: `Unsupported grant type: ${grant}` });
    }
    const basic = decodeBasic(req.headers.authorization);
    const given =
      basic ??
      (form.get('client_id')
        ? { id: form.get('client_id') ?? '', secret: form.get('client_secret') ?? '' }
        : undefined);
    if (!given) {
      entry.status = 401;
      return json(res, 401, { message: 'Invalid Client token' });
    }
    if (given.id !== clientId || given.secret !== clientSecret) {
      entry.status = 401;
      return json(res, 401, { message: 'Credential mismatch' });
    }
    const token = `sim.${randomBytes(24).toString('base64url')}`;
    tokens.set(token, clock.now() + tokenTtlMs);
    entry.status = 200;
    json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: Math.round(tokenTtlMs / 1000) });
  };

  /** Faults that replace the answer regardless of the endpoint. Returns true if it answered. */
  const applyTransportFault = (res: ServerResponse, entry: RequestLogEntry, f: Fault): boolean => {
    entry.fault = f.kind;
    switch (f.kind) {
      case 'rate_limit': {
        const headers: Record<string, string> = {};
        if (f.retryAfter !== undefined) headers['Retry-After'] = String(f.retryAfter);
        entry.status = 429;
        json(res, 429, { error: 'too_many_requests', message: 'Too many requests. Retry later.' }, headers);
        return true;
      }
      case 'server_error': {
        const status = f.status ?? 500;
        entry.status = status;
        if (status === 500) json(res, 500, { message: 'Internal server error' });
        else if (status === 502)
          json(
            res,
            502,
            fault('Unexpected EOF at target', 'messaging.adaptors.http.flow.UnexpectedEOFAtTarget'),
          );
        else if (status === 503)
          json(
            res,
            503,
            fault(
              'The Service is temporarily unavailable',
              'messaging.adaptors.http.flow.ServiceUnavailable',
            ),
          );
        else json(res, status, fault('Gateway Timeout', 'messaging.adaptors.http.flow.GatewayTimeout'));
        return true;
      }
      case 'reset':
        entry.status = 0;
        res.socket?.destroy();
        return true;
      case 'malformed': {
        entry.status = 200;
        const text = '<html><body><h1>502 Bad Gateway</h1></body></html>';
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return true;
      }
      case 'redirect': {
        const status = f.status ?? 301;
        const location = new URL(entry.path, f.location ?? redirectTo).href;
        entry.status = status;
        json(res, status, { message: `Moved to ${location}` }, { Location: location });
        return true;
      }
      default:
        entry.fault = undefined;
        return false;
    }
  };

  /**
   * `GET /v1/incidents/{incident_uid}`: the latest visible version of one incident (with its events),
   * answered as `{"incident": {...}}`; 404 when the simulator has none.
   */
  const handleIncident = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
    uid: string,
  ): Promise<void> => {
    const now = clock.now();
    const auth = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!auth || !tokens.has(auth) || (tokens.get(auth) ?? 0) <= now) {
      entry.status = 401;
      return json(res, 401, fault('Invalid access token', 'oauth.v2.InvalidAccessToken'));
    }
    let latest: StoredRecord | undefined;
    for (const r of ordered()) if (r.__v <= now && String(r.incident_uid) === uid) latest = r;
    if (!latest) {
      entry.status = 404;
      return json(res, 404, { message: `Incident ${uid} not found` });
    }
    entry.status = 200;
    entry.items = 1;
    const text = `{"incident":${serialized(latest, true)}}`;
    const served = latest;
    res.on('finish', () => {
      groundTruth.served.push({
        request: entry.targetN,
        key: versionKey(served.incident_uid, served.__t),
        incident_uid: uid,
        time: served.__t,
        valid: true,
      });
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const orderKey = (r: StoredRecord): number =>
    orderBy === 'modified' ? r.__m : orderBy === 'created' ? r.__c : r.__t;
  const plain = filterOn === 'time' && versions === 'all' && orderBy === 'time' && order === 'asc';
  /** The result list of a search at `now`, in the personality's order (before any cap). */
  const search = (now: number, start: number, end: number, predicate: Predicate): StoredRecord[] => {
    // The default behaviour keeps its fast path: one sorted array, filtered.
    if (plain) return ordered().filter((r) => r.__v <= now && r.__t >= start && r.__t <= end && predicate(r));
    let candidates = ordered().filter((r) => r.__v <= now);
    if (versions === 'latest') {
      const latest = new Map<string, StoredRecord>();
      for (const r of candidates) latest.set(String(r.incident_uid), r);
      candidates = [...latest.values()];
    }
    const list = candidates.filter((r) => {
      const t = filterOn === 'created' ? r.__c : r.__t;
      return t >= start && t <= end && predicate(r);
    });
    const sign = order === 'asc' ? 1 : -1;
    return list.sort((a, b) => sign * (orderKey(a) - orderKey(b) || a.__seq - b.__seq));
  };
  const capMatcher = (matching: StoredRecord[], cap: number, predicate: Predicate) => {
    const reachable = new Set(matching.slice(0, cap).map((r) => versionKey(r.incident_uid, r.__t)));
    return (fields: Record<string, unknown>) =>
      reachable.has(versionKey(fields.incident_uid, recordTime(fields))) && predicate(fields);
  };

  const handleIncidents = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
    f: Fault | undefined,
  ): Promise<void> => {
    const raw = await readBody(req);
    const now = clock.now();
    const auth = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!auth || !tokens.has(auth)) {
      entry.status = 401;
      return json(res, 401, fault('Invalid access token', 'oauth.v2.InvalidAccessToken'));
    }
    if ((tokens.get(auth) ?? 0) <= now) {
      entry.status = 401;
      return json(res, 401, fault('Access Token expired', 'keymanagement.service.access_token_expired'));
    }
    if (f?.kind === 'token_expired') {
      tokens.delete(auth);
      entry.status = 401;
      entry.fault = f.kind;
      return json(res, 401, fault('Access Token expired', 'keymanagement.service.access_token_expired'));
    }
    if (f && applyTransportFault(res, entry, f)) return;
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = raw.trim() === '' ? {} : JSON.parse(raw);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      entry.status = 400;
      return json(res, 400, { message: 'Malformed request body: expected a JSON object' });
    }
    entry.body = body;
    const bad = (message: string) => {
      entry.status = 400;
      json(res, 400, { message });
    };
    const parseDate = (v: unknown, fallback: number): number | undefined => {
      if (v === undefined || v === null || v === '') return fallback;
      if (typeof v !== 'string') return undefined;
      const t = Date.parse(v);
      return Number.isNaN(t) ? undefined : t;
    };
    const startDate = parseDate(body.start_date, now - historyDays * DAY);
    if (startDate === undefined)
      return bad(`Invalid start_date: ${JSON.stringify(body.start_date)} is not an ISO 8601 date`);
    const endDate = parseDate(body.end_date, now);
    if (endDate === undefined)
      return bad(`Invalid end_date: ${JSON.stringify(body.end_date)} is not an ISO 8601 date`);
    if (historyDays > 0 && startDate < now - historyDays * DAY) {
      return bad(`Invalid start_date: start_date cannot be older than ${historyDays} days`);
    }
    if (endDate < startDate) return bad('Invalid end_date: end_date must not be before start_date');
    const limit = body.limit === undefined ? 15 : body.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
      return bad('Invalid limit: limit must be a positive integer');
    if (limit > maxLimit) return bad(`Invalid limit: Maximum allowed page size is ${maxLimit}`);
    const offset = body.next === undefined || body.next === null ? 0 : body.next;
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0)
      return bad('Invalid next: next must be a non-negative integer');
    let predicate: Predicate = () => true;
    if (body.query !== undefined && body.query !== null && body.query !== '') {
      if (typeof body.query !== 'string') return bad('Invalid query');
      try {
        predicate = parseQuery(body.query);
      } catch {
        return bad('Invalid query');
      }
    }
    const includeEvents = body.include_events === true || body.include_events === 'true';

    const matching = search(now, startDate, endDate, predicate);
    const capped = resultCap !== undefined && matching.length > resultCap;
    const total = resultCap === undefined ? matching.length : Math.min(matching.length, resultCap);
    const scan = groundTruth.noteSearch({
      key: JSON.stringify([body.start_date, body.end_date, body.query ?? '', includeEvents]),
      start: startDate,
      end: endDate,
      // A scan only reaches what lies below the cap: records past it count as outside its window.
      matches: capped ? capMatcher(matching, resultCap, predicate) : (r) => predicate(r),
      at: now,
      offset,
      // The collector splits a window whose total reaches the cap (it cannot tell it from a capped one).
      capped: resultCap !== undefined && total >= resultCap,
      // A slow answer counts as answered only once written (the client may give up first).
      failing: f?.kind === 'slow' || f?.kind === 'truncated',
    });
    if (resultCap !== undefined && offset >= resultCap && resultCapBeyond === 'error')
      return bad(`Result window is too large: next must be less than ${resultCap}`);
    const from = f?.kind === 'duplicate' && offset > 0 ? offset - 1 : offset;
    if (f?.kind === 'duplicate') entry.fault = f.kind;
    const page = matching.slice(from, Math.max(from, Math.min(from + limit, total)));
    const corrupt = f?.kind === 'invalid_items' ? Math.min(page.length, f.count ?? 1) : 0;
    if (f?.kind === 'invalid_items') entry.fault = f.kind;
    // Records are immutable once stored: serialize each once and build pages by concatenation, so the
    // simulator keeps up with the collector in throughput benchmarks.
    const items = page.map((stored, i) => {
      if (i >= corrupt) return serialized(stored, includeEvents);
      const record = publicRecord(stored);
      if (!includeEvents) delete record.events;
      if (i % 2 === 0) delete record.incident_uid;
      else record.time = 'not-a-date';
      return JSON.stringify(record);
    });
    const nextOffset = from + page.length;
    let next: number | undefined;
    if (nextOffset < total) next = nextOffset;
    else if (lastPageNext === 'total') next = total;
    entry.items = items.length;
    entry.offset = offset;
    entry.total = total;
    if (next !== undefined) entry.next = next;
    entry.status = 200;
    // Between this page and the next request: maybe an incident of this list gets a new version.
    maybeUpdateDuringScan(matching, Math.min(from + page.length, matching.length), now);

    let text = `{"total":${total},${next === undefined ? '' : `"next":${next},`}"incidents":[${items.join(',')}]}`;
    if (f?.kind === 'truncated') {
      entry.fault = f.kind;
      text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    }
    const write = () => {
      if (res.destroyed) return;
      res.on('finish', () => {
        if (f?.kind === 'truncated') return;
        if (scan) groundTruth.answered(scan, offset);
        // The part of the list this scan has now reached (ground truth of latest-only observability).
        if (scan)
          for (const r of matching.slice(0, from + page.length))
            scan.passed.add(versionKey(r.incident_uid, r.__t));
        page.forEach((stored, i) => {
          groundTruth.served.push({
            request: entry.targetN,
            key: versionKey(stored.incident_uid, stored.__t),
            incident_uid: String(stored.incident_uid),
            time: stored.__t,
            valid: i >= corrupt,
          });
        });
      });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (f?.kind === 'slow') {
      entry.fault = f.kind;
      const timer = setTimeout(write, f.delayMs);
      res.on('close', () => clearTimeout(timer));
    } else {
      write();
    }
  };

  const events = options.telemetry
    ? createEventApi(options.telemetry, {
        clock,
        authorized: (req) => {
          const auth = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
          return auth !== undefined && (tokens.get(auth) ?? 0) > clock.now();
        },
      })
    : undefined;

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const target: RequestLogEntry['target'] =
      path === '/v1/oauth2/tokens' ? 'token' : path === '/v1/incidents' ? 'incidents' : 'other';
    counters.all++;
    counters[target]++;
    const entry: RequestLogEntry = {
      n: counters.all,
      targetN: counters[target],
      target,
      method: req.method ?? 'GET',
      path: url.pathname,
      status: 0,
      at: clock.now(),
    };
    requestLog.push(entry);
    res.on('close', () =>
      log?.(
        `${entry.method} ${entry.path} -> ${entry.status}${entry.fault ? ` [fault ${entry.fault}]` : ''}${entry.items !== undefined ? ` items=${entry.items} offset=${entry.offset} total=${entry.total}` : ''}`,
      ),
    );
    const run = async () => {
      const one = req.method === 'GET' ? url.pathname.match(/^\/v1\/incidents\/([^/]+)\/?$/) : null;
      if (one?.[1]) return handleIncident(req, res, entry, decodeURIComponent(one[1]));
      const telemetry = target === 'other' ? events?.handle(req, res, path) : false;
      if (telemetry && (await telemetry)) {
        entry.status = res.statusCode;
        return;
      }
      if (target === 'other') {
        entry.status = 404;
        return json(res, 404, { message: `Resource not found: ${url.pathname}` });
      }
      if (req.method !== 'POST') {
        entry.status = 405;
        return json(
          res,
          405,
          { message: `Method ${req.method} not allowed on ${url.pathname}` },
          { Allow: 'POST' },
        );
      }
      const f = faults.take(target === 'token' ? 'token' : 'incidents', entry.targetN);
      if (target === 'token') return handleToken(req, res, entry, f);
      return handleIncidents(req, res, entry, f);
    };
    run().catch((error: unknown) => {
      entry.status = 500;
      if (!res.headersSent)
        json(res, 500, {
          message: `Internal server error: ${error instanceof Error ? error.message : String(error)}`,
        });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    clientId,
    clientSecret,
    groundTruth,
    faults,
    requestLog,
    addIncidents(added: object[]) {
      for (const r of added) store(r as Record<string, unknown>, true);
    },
    updateIncidents(count: number) {
      const now = clock.now();
      const open = openIncidents(now);
      const keys: string[] = [];
      for (let i = 0; i < count && open.length > 0; i++) {
        const [uid] = open.splice(updatePrng.int(0, open.length - 1), 1);
        const key = uid === undefined ? undefined : writeUpdate(uid, now);
        if (key) keys.push(key);
      }
      return keys;
    },
    personality,
    setScanUpdateRate(rate: number) {
      personality.scanUpdateRate = resolvePersonality({
        ...personality,
        scanUpdateRate: rate,
      }).scanUpdateRate;
    },
    expireTokens() {
      tokens.clear();
    },
    events,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
