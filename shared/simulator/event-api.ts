/**
 * Simulator side of the telemetry APIs: the Event Stream export (`POST
 * /v1/event-export/stream/{guid}/{channel}`) and Event Search (`POST /v1/event-search`), over one
 * event store with a ground truth. Behaviour follows ../shared/reference/event-apis-ocsf-peers.md §1:
 * NDJSON lines `{"events":[…],"next":"…"}`, 204 when caught up, 404 for an unknown stream/channel or
 * API State off, 410 for a cursor older than the retention, held connections, gzip; event search with
 * offset paging, a 1000 page limit, a 10 000 result cap and a 500 requests/hour budget (429 with the
 * Apigee quota body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, createGzip, type Gzip } from 'node:zlib';
import type { SimulatorClock } from './server.ts';

export interface SimulatedStream {
  /** Stream GUID. */
  id: string;
  /** Channels 0..n-1 (default 1). */
  channels?: number;
  /** API State off answers 404 (default true). */
  apiState?: boolean;
}

/** A scripted answer for the next stream read (consumed in order). */
export type StreamFault =
  /** Write `afterLines` complete lines, then half of the next one, then drop the connection. */
  | { kind: 'cut'; afterLines: number }
  | { kind: 'status'; status: 429 | 500 | 502 | 503; retryAfter?: number }
  /** Hold the connection without answering (the client's own bound must end it). */
  | { kind: 'stall' }
  | { kind: 'invalid_line' };

export interface EventApiOptions {
  streams?: SimulatedStream[];
  /** Raw ICD events with `uuid` and `log_time` (ISO); shown once `log_time` <= now. */
  events?: Record<string, unknown>[];
  /** Cursors pointing before now − retention get 410; a fresh cursor starts at the oldest kept (default 24). */
  retentionHours?: number;
  /** Events per NDJSON line (default 100). */
  eventsPerLine?: number;
  /** Lines per response at most (default 50). */
  linesPerResponse?: number;
  /** Milliseconds one unit of `connectionTimeout` holds an idle read (default 60 000: minutes). */
  connectionTimeoutUnitMs?: number;
  /** Cap on any hold, ms (default 5000). */
  maxHoldMs?: number;
  /** Delay between lines, ms (default 0). */
  dripMs?: number;
  /** Keep the connection open after the data until the hold ends, streaming new events (default false). */
  holdAfterData?: boolean;
  /** gzip when the client accepts it (default true). */
  gzip?: boolean;
  /** Event search requests per rolling hour (default 500). */
  searchBudgetPerHour?: number;
  /** Event search result cap per query (default 10 000). */
  searchCap?: number;
}

export interface ExpiredCursor {
  stream: string;
  channel: number;
  /** Events between the expired cursor and the oldest kept: unrecoverable. */
  lostUuids: string[];
  at: number;
}

export interface EventGroundTruth {
  /** Every event by uuid (generated and added). */
  all(): string[];
  /** uuids visible (log_time reached) at now. */
  visible(): string[];
  /** uuids served by the stream (complete lines only), with repetitions. */
  streamServed: string[];
  /** uuids served by event search, with repetitions. */
  searchServed: string[];
  expired: ExpiredCursor[];
  /** Event search requests answered 429 for the hourly budget. */
  searchRateLimited: number;
}

export interface EventApi {
  groundTruth: EventGroundTruth;
  /** Append events that become visible now (in arrival order). */
  addEvents(events: Record<string, unknown>[]): void;
  streamFaults: StreamFault[];
  /** Turn API State on or off for a stream. */
  setApiState(streamId: string, on: boolean): void;
  /** @internal: answer the request if it is an event endpoint; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> | false;
}

interface Stored {
  uuid: string;
  visibleAt: number;
  logTime: number;
  text: string;
}

const HOUR = 3_600_000;
const STREAM_PATH = /^\/v1\/event-export\/stream\/([^/]+)\/([^/]+)$/;

const apigee = (faultstring: string, errorcode: string) => ({
  fault: { faultstring, detail: { errorcode } },
});

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The whole request body as UTF-8 text (the simulator's servers and the benchmark stand-ins). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** FNV-1a: a stable channel per uuid. */
function channelOf(uuid: string, channels: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < uuid.length; i++) h = Math.imul(h ^ uuid.charCodeAt(i), 0x01000193) >>> 0;
  return h % channels;
}

function timeOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}

export function createEventApi(
  options: EventApiOptions,
  deps: { clock: SimulatorClock; authorized: (req: IncomingMessage) => boolean },
): EventApi {
  const { clock } = deps;
  const retentionMs = (options.retentionHours ?? 24) * HOUR;
  const eventsPerLine = Math.max(1, options.eventsPerLine ?? 100);
  const linesPerResponse = Math.max(1, options.linesPerResponse ?? 50);
  const unitMs = options.connectionTimeoutUnitMs ?? 60_000;
  const maxHoldMs = options.maxHoldMs ?? 5000;
  const budget = options.searchBudgetPerHour ?? 500;
  const searchCap = options.searchCap ?? 10_000;
  const streams = new Map<string, { channels: number; apiState: boolean }>();
  for (const s of options.streams ?? []) {
    streams.set(s.id, { channels: Math.max(1, s.channels ?? 1), apiState: s.apiState ?? true });
  }
  const channelCount = Math.max(1, ...[...streams.values()].map((s) => s.channels));
  // One ordered list per channel count in use; a stream with n channels reads lists[n][channel].
  const perChannels = new Map<number, Stored[][]>();
  const all: Stored[] = [];
  const streamFaults: StreamFault[] = [];
  const searchTimes: number[] = [];
  const truth: EventGroundTruth = {
    all: () => all.map((e) => e.uuid),
    visible: () => all.filter((e) => e.visibleAt <= clock.now()).map((e) => e.uuid),
    streamServed: [],
    searchServed: [],
    expired: [],
    searchRateLimited: 0,
  };

  const lists = (channels: number): Stored[][] => {
    let l = perChannels.get(channels);
    if (!l) {
      l = Array.from({ length: channels }, () => []);
      for (const e of all) l[channelOf(e.uuid, channels)]?.push(e);
      perChannels.set(channels, l);
    }
    return l;
  };
  const insert = (list: Stored[], e: Stored) => {
    // Sorted by visibleAt; positions below the visible prefix never move (new events are never in the past).
    let i = list.length;
    while (i > 0 && (list[i - 1] as Stored).visibleAt > e.visibleAt) i--;
    list.splice(i, 0, e);
  };
  const store = (raw: Record<string, unknown>, visibleAt?: number) => {
    const uuid = String(raw.uuid ?? `sim:${all.length}`);
    const logTime = timeOf(raw.log_time);
    const e: Stored = {
      uuid,
      logTime: Number.isNaN(logTime) ? clock.now() : logTime,
      visibleAt: visibleAt ?? (Number.isNaN(logTime) ? clock.now() : logTime),
      text: JSON.stringify(raw),
    };
    insert(all, e);
    for (const [n, l] of perChannels) insert(l[channelOf(uuid, n)] as Stored[], e);
  };
  for (const raw of options.events ?? []) store(raw);
  void channelCount;

  const cursorOf = (streamId: string, channel: number, position: number) =>
    Buffer.from(`sim1|${streamId}|${channel}|${position}`).toString('base64url');
  const parseCursor = (cursor: string): { stream: string; channel: number; position: number } | undefined => {
    const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    if (parts.length !== 4 || parts[0] !== 'sim1') return undefined;
    const channel = Number(parts[2]);
    const position = Number(parts[3]);
    if (!Number.isInteger(channel) || !Number.isInteger(position) || position < 0) return undefined;
    return { stream: parts[1] ?? '', channel, position };
  };
  const visibleEnd = (list: Stored[], now: number): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as Stored).visibleAt <= now) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const firstKept = (list: Stored[], now: number): number => {
    let i = 0;
    while (i < list.length && (list[i] as Stored).visibleAt < now - retentionMs) i++;
    return i;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const handleStream = async (req: IncomingMessage, res: ServerResponse, streamId: string, ch: string) => {
    const raw = await readBody(req);
    if (!deps.authorized(req))
      return send(res, 401, apigee('Invalid access token', 'oauth.v2.InvalidAccessToken'));
    const spec = streams.get(streamId);
    const channel = Number(ch);
    if (
      spec === undefined ||
      spec.apiState === false ||
      !Number.isInteger(channel) ||
      channel < 0 ||
      channel >= spec.channels
    ) {
      return send(res, 404, { message: `Stream not found or API State disabled: ${streamId}/${ch}` });
    }
    let body: { next?: unknown };
    try {
      body = raw.trim() === '' ? {} : (JSON.parse(raw) as { next?: unknown });
    } catch {
      return send(res, 400, { message: 'Malformed request body: expected a JSON object' });
    }
    const fault = streamFaults.shift();
    if (fault?.kind === 'status') {
      return send(
        res,
        fault.status,
        fault.status === 429 ? { message: 'Too many requests' } : { message: 'Internal server error' },
        fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {},
      );
    }
    if (fault?.kind === 'stall') return; // never answered: the client's bound ends it
    const list = lists(spec.channels)[channel] as Stored[];
    const now = clock.now();
    const kept = firstKept(list, now);
    let position = kept;
    if (typeof body.next === 'string' && body.next !== '') {
      const parsed = parseCursor(body.next);
      if (!parsed || parsed.stream !== streamId || parsed.channel !== channel) {
        return send(res, 400, { message: 'Invalid next: not a cursor of this stream and channel' });
      }
      if (parsed.position < kept) {
        truth.expired.push({
          stream: streamId,
          channel,
          lostUuids: list.slice(parsed.position, kept).map((e) => e.uuid),
          at: now,
        });
        return send(res, 410, { message: 'The position has expired. Start again without a next pointer.' });
      }
      position = Math.min(parsed.position, list.length);
    }
    const timeoutUnits = Number(
      new URL(req.url ?? '/', 'http://sim').searchParams.get('connectionTimeout') ?? '1',
    );
    const holdMs = Math.min(
      maxHoldMs,
      Math.max(0, Number.isFinite(timeoutUnits) ? timeoutUnits : 1) * unitMs,
    );
    const holdUntil = Date.now() + holdMs;
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    // Held connection: wait for data up to the hold.
    while (!closed && visibleEnd(list, clock.now()) <= position && Date.now() < holdUntil) await sleep(20);
    if (closed) return;
    if (visibleEnd(list, clock.now()) <= position) {
      res.writeHead(204);
      res.end();
      return;
    }
    const gzip = options.gzip !== false && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      'Content-Type': 'application/x-ndjson',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    let out: Gzip | ServerResponse = res;
    if (gzip) {
      const z = createGzip({ flush: constants.Z_SYNC_FLUSH });
      z.pipe(res);
      out = z;
    }
    const write = (text: string) =>
      new Promise<void>((resolve) => {
        if (out.write(text)) resolve();
        else out.once('drain', () => resolve());
      });
    let lines = 0;
    let cutAfter = fault?.kind === 'cut' ? fault.afterLines : undefined;
    for (;;) {
      const end = visibleEnd(list, clock.now());
      while (position < end && lines < linesPerResponse && !closed) {
        if (fault?.kind === 'invalid_line' && lines === 0) await write('{"events": [ this is not json\n');
        const batch = list.slice(position, Math.min(end, position + eventsPerLine));
        const next = cursorOf(streamId, channel, position + batch.length);
        const text = `{"events":[${batch.map((e) => e.text).join(',')}],"next":"${next}"}\n`;
        if (cutAfter !== undefined && lines >= cutAfter) {
          await write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
          // Everything written so far reaches the socket before the cut (gzip holds data until flushed).
          if (out !== res) await new Promise<void>((resolve) => (out as Gzip).flush(() => resolve()));
          await new Promise<void>((resolve) => res.write('', () => resolve()));
          res.socket?.destroy();
          return;
        }
        await write(text);
        if (closed) return;
        for (const e of batch) truth.streamServed.push(e.uuid);
        position += batch.length;
        lines++;
        if (options.dripMs) await sleep(options.dripMs);
      }
      if (closed || lines >= linesPerResponse || !options.holdAfterData || Date.now() >= holdUntil) break;
      await sleep(20);
    }
    cutAfter = undefined;
    out.end();
  };

  const handleSearch = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    if (!deps.authorized(req)) return send(res, 401, { message: 'No client_id found' });
    const now = clock.now();
    while (searchTimes.length > 0 && (searchTimes[0] as number) <= now - HOUR) searchTimes.shift();
    if (searchTimes.length >= budget) {
      truth.searchRateLimited++;
      return send(
        res,
        429,
        apigee(
          `Rate limit quota violation. Quota limit exceeded. Identifier : ${budget} requests per hour`,
          'policies.ratelimit.QuotaViolation',
        ),
      );
    }
    searchTimes.push(now);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      return send(res, 400, { message: 'Malformed request body: expected a JSON object' });
    }
    const start = typeof body.start_date === 'string' ? Date.parse(body.start_date) : Number.NaN;
    const end = typeof body.end_date === 'string' ? Date.parse(body.end_date) : Number.NaN;
    if (Number.isNaN(start) || Number.isNaN(end)) {
      return send(res, 400, {
        message: 'Invalid start_date or end_date: expected YYYY-MM-DDTHH:MM:SS.SSS+0000',
      });
    }
    const limit = body.limit === undefined ? 100 : body.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return send(res, 400, { message: 'Invalid limit: limit must be between 1 and 1000' });
    }
    const offset = body.next === undefined || body.next === null ? 0 : body.next;
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      return send(res, 400, { message: 'Invalid next: next must be a non-negative integer' });
    }
    if (offset + limit > searchCap) {
      return send(res, 400, {
        message: `Result window is too large, next + limit must be less than or equal to: [${searchCap}]`,
      });
    }
    // Filtered on log_time (the index is versioned by it), half-open [start, end).
    const hits = all.filter((e) => e.visibleAt <= now && e.logTime >= start && e.logTime < end);
    const page = hits.slice(offset, offset + limit);
    const next = offset + page.length;
    const text = `{"total":${hits.length},"next":${next},"events":[${page.map((e) => e.text).join(',')}]}`;
    res.on('finish', () => {
      for (const e of page) truth.searchServed.push(e.uuid);
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  return {
    groundTruth: truth,
    streamFaults,
    addEvents(events) {
      const now = clock.now();
      for (const e of events) store(e, now);
    },
    setApiState(streamId, on) {
      const s = streams.get(streamId);
      if (s) s.apiState = on;
    },
    handle(req, res, path) {
      if (path === '/v1/event-search' && req.method === 'POST')
        return handleSearch(req, res).then(() => true);
      const m = req.method === 'POST' ? path.match(STREAM_PATH) : null;
      if (m?.[1] && m[2] !== undefined)
        return handleStream(req, res, decodeURIComponent(m[1]), decodeURIComponent(m[2])).then(() => true);
      return false;
    },
  };
}
