/** Key of one incident version: `incident_uid@time` (time as epoch ms). */
export function versionKey(incidentUid: unknown, time: number): string {
  return `${String(incidentUid)}@${time}`;
}

/** Epoch ms of a record's `time` (number or ISO string), falling back to `modified`, else NaN. */
export function recordTime(record: Record<string, unknown>): number {
  const t = record.time;
  if (typeof t === 'number') return t;
  if (typeof t === 'string' && !Number.isNaN(Date.parse(t))) return Date.parse(t);
  const m = record.modified;
  if (typeof m === 'string' && !Number.isNaN(Date.parse(m))) return Date.parse(m);
  return Number.NaN;
}

/** One incident version the simulator holds (generated or added). */
export interface VersionTruth {
  key: string;
  incident_uid: string;
  time: number;
  /** When the API starts returning it: `time`, plus the late-indexing delay of its personality. */
  visibleAt: number;
  modified: string | undefined;
  created: string | undefined;
  type_id: number | undefined;
  state_id: number | undefined;
  /** `uuid` of each embedded event. */
  eventUuids: string[];
  /** True for records added with addIncidents() or written by updateIncidents() / scan updates. */
  added: boolean;
  /** The record without its events, for matching a search's query against it. */
  fields: Record<string, unknown>;
  /** Insertion order (breaks ties between versions with the same `time`). */
  seq: number;
}

/** One search scan: consecutive `POST /v1/incidents` requests for the same window and query. */
export interface ScanTruth {
  /** start_date / end_date / query / include_events of its requests. */
  key: string;
  start: number;
  end: number;
  matches: (fields: Record<string, unknown>) => boolean;
  /** Simulated instants of its first and last request. */
  first: number;
  last: number;
  /**
   * Versions registered before its first and before its last request (`VersionTruth.seq` below this was
   * written before that request). With a clock that stands still during a run, a version written
   * between two pages of a scan has the same instant as the scan's first request: only this order tells
   * whether the scan could have seen it.
   */
  firstSeq: number;
  lastSeq: number;
  requests: number;
  /**
   * Keys of the versions that lay at or before the end of a page this scan was served, at the time of
   * that page: the part of the result list the scan reached.
   */
  passed: Set<string>;
  /** The client started the same search again at offset 0 right after it (the pager's restart). */
  restarted: boolean;
  /** Versions registered before the restart's first request (when restarted). */
  restartSeq?: number;
  /** A request of it answered a `total` at the result cap (a client must split such a window). */
  capped: boolean;
  /**
   * Offset of its last request while the simulator failed that answer on purpose (a `slow` answer the
   * client gave up on, a `truncated` body) and wrote no complete one: the client's next request for that
   * offset is its retry of the same read, not a new scan.
   */
  unanswered?: number;
}

/** How a personality exposes versions; decides which versions a client could observe at all. */
export interface TruthMode {
  filterOn: 'time' | 'created';
  versions: 'all' | 'latest';
}

/** Why a version counts as observable (for reports and failure notes). */
export type Observability = 'served' | 'every-version' | 'final' | 'stable-in-scan' | 'unobservable';

/** One item the simulator served (the response was written completely). */
export interface ServedItem {
  /** Data request number (1-based) that served it. */
  request: number;
  key: string;
  incident_uid: string;
  time: number;
  /** False when a fault corrupted it on purpose. */
  valid: boolean;
}

/**
 * What the simulator knows: every version it holds and every item it served, so tests can prove that
 * nothing was lost (`unserved()` is empty) and count duplicates.
 */
export class GroundTruth {
  private readonly all: VersionTruth[] = [];
  readonly served: ServedItem[] = [];
  /** Every search scan, in order. */
  readonly scans: ScanTruth[] = [];
  /** Whether the list moved under a restarted scan (per `observability()` call: it is the same for every version). */
  private readonly movedCache = new Map<ScanTruth, boolean>();

  constructor(
    private readonly now: () => number,
    readonly mode: TruthMode = { filterOn: 'time', versions: 'all' },
  ) {}

  /** @internal */
  register(record: Record<string, unknown>, added: boolean, visibleAt?: number): void {
    const time = recordTime(record);
    const events = Array.isArray(record.events) ? record.events : [];
    const { events: _e, ...fields } = record;
    this.all.push({
      key: versionKey(record.incident_uid, time),
      incident_uid: String(record.incident_uid),
      time,
      visibleAt: visibleAt ?? time,
      modified: typeof record.modified === 'string' ? record.modified : undefined,
      created: typeof record.created === 'string' ? record.created : undefined,
      type_id: typeof record.type_id === 'number' ? record.type_id : undefined,
      state_id: typeof record.state_id === 'number' ? record.state_id : undefined,
      eventUuids: events
        .map((e) => (e && typeof e === 'object' ? (e as Record<string, unknown>).uuid : undefined))
        .filter((u): u is string => typeof u === 'string'),
      added,
      fields,
      seq: this.all.length,
    });
  }

  /**
   * @internal The server notes each search request it answered: a request with `next` 0 (or none), or for
   * another window or query than the previous one, starts a new scan; the others extend it.
   */
  noteSearch(
    request: Omit<
      ScanTruth,
      | 'first'
      | 'last'
      | 'firstSeq'
      | 'lastSeq'
      | 'requests'
      | 'passed'
      | 'restarted'
      | 'capped'
      | 'unanswered'
    > & {
      at: number;
      offset: number;
      /** `total` of this answer reached the result cap. */
      capped: boolean;
      /** The simulator fails this answer on purpose (slow, truncated); `answered()` when it was written whole. */
      failing?: boolean;
    },
  ): ScanTruth | undefined {
    // Only latest-only observability needs scans: a long-running simulator of the default kind keeps none.
    if (this.mode.versions === 'all') return undefined;
    const seq = this.all.length;
    const last = this.scans.at(-1);
    const unanswered = request.failing ? request.offset : undefined;
    // A retry of an answer the API failed continues the same read: the client never saw that page.
    const retry = last?.unanswered !== undefined && last.unanswered === request.offset;
    if (last && last.key === request.key && (request.offset > 0 || retry)) {
      last.last = request.at;
      last.lastSeq = seq;
      last.requests++;
      last.capped ||= request.capped;
      last.unanswered = unanswered;
      return last;
    }
    if (last && last.key === request.key) {
      last.restarted = true;
      last.restartSeq = seq;
    }
    const { at, offset: _o, failing: _f, ...scan } = request;
    const added: ScanTruth = {
      ...scan,
      first: at,
      last: at,
      firstSeq: seq,
      lastSeq: seq,
      requests: 1,
      passed: new Set(),
      restarted: false,
      unanswered,
    };
    this.scans.push(added);
    return added;
  }

  /** @internal The answer to `scan`'s request at `offset` was written whole after all (a `slow` one in time). */
  answered(scan: ScanTruth, offset: number): void {
    if (scan.unanswered === offset) scan.unanswered = undefined;
  }

  /** Every version held, generated and added, in insertion order. */
  get versions(): readonly VersionTruth[] {
    return this.all;
  }
  /** Versions the API returns at `now` (simulated): `visibleAt` reached. */
  visible(now = this.now()): VersionTruth[] {
    return this.all.filter((v) => v.visibleAt <= now);
  }
  /** Visible versions with `start <= time <= end`. */
  inWindow(start: number, end: number, now = this.now()): VersionTruth[] {
    return this.visible(now).filter((v) => v.time >= start && v.time <= end);
  }
  /** Distinct incident uids held. */
  incidentUids(): Set<string> {
    return new Set(this.all.map((v) => v.incident_uid));
  }
  /** Keys served at least once as a valid item. */
  servedKeys(): Set<string> {
    return new Set(this.served.filter((s) => s.valid).map((s) => s.key));
  }
  /** Visible versions never served as a valid item: must be empty after a complete collection. */
  unserved(now = this.now()): VersionTruth[] {
    const served = this.servedKeys();
    return this.visible(now).filter((v) => !served.has(v.key));
  }
  /**
   * Which versions a client could have observed at all, by `now`:
   * - every lifecycle record returned ('all'): every visible version (`every-version`);
   * - latest version only: a version that was served; the final (never superseded) version of each
   *   incident; or one that stayed its incident's latest visible version through a whole scan whose window
   *   and query match it (`stable-in-scan`): written and visible before the scan's first request, not
   *   superseded before its last. A scan the API forced the client to abandon counts only if it reached
   *   the version's position: one restarted after the list moved under it (a version of an incident in
   *   its window was written between its first request and the restart, landing in the window or taking
   *   its incident out of it: the pager's check failed, or a failed run left the window to be read
   *   again), or one whose `total` hit the result cap (the client splits the window); the version was
   *   overwritten before the next pass got there. A scan the client abandoned while nothing moved counts
   *   whole (a client that stops early is not excused). A request the simulator failed on purpose (a
   *   `slow` answer the client gave up on, a `truncated` body) and the client's retry of it are one read
   *   of that page: a version replaced before the page was ever answered whole was never seen. Any other
   *   version was overwritten before a poll could read it: the API made it `unobservable`, which is not a
   *   loss of the client.
   */
  observability(now = this.now()): Map<string, Observability> {
    this.movedCache.clear();
    const out = new Map<string, Observability>();
    const visible = this.visible(now);
    if (this.mode.versions === 'all') {
      for (const v of visible) out.set(v.key, 'every-version');
      return out;
    }
    const served = this.servedKeys();
    const byUid = new Map<string, VersionTruth[]>();
    for (const v of this.all) byUid.set(v.incident_uid, [...(byUid.get(v.incident_uid) ?? []), v]);
    for (const versions of byUid.values()) {
      versions.sort((a, b) => a.time - b.time || a.seq - b.seq);
      for (let i = 0; i < versions.length; i++) {
        const v = versions[i] as VersionTruth;
        if (v.visibleAt > now) continue;
        // Latest from its visibility until a later version becomes visible (late indexing can make that
        // earlier than its own visibility: then it was never the latest).
        let until = Number.POSITIVE_INFINITY;
        for (let j = i + 1; j < versions.length; j++)
          until = Math.min(until, (versions[j] as VersionTruth).visibleAt);
        const later = versions.slice(i + 1);
        if (served.has(v.key)) out.set(v.key, 'served');
        else if (until === Number.POSITIVE_INFINITY) out.set(v.key, 'final');
        else if (until > v.visibleAt && this.scans.some((s) => this.stableIn(s, v, later)))
          out.set(v.key, 'stable-in-scan');
        else out.set(v.key, 'unobservable');
      }
    }
    return out;
  }

  /**
   * `v` was its incident's latest version at every request of `scan`: written before the first request
   * and visible at it, and no later version both written before the last request and visible at it.
   */
  private stableIn(scan: ScanTruth, v: VersionTruth, later: readonly VersionTruth[]): boolean {
    if (v.seq >= scan.firstSeq || v.visibleAt > scan.first) return false;
    if (later.some((w) => w.seq < scan.lastSeq && w.visibleAt <= scan.last)) return false;
    if (!this.inScanWindow(scan, v) || !scan.matches(v.fields)) return false;
    if (scan.passed.has(v.key)) return true;
    if (scan.capped) return false;
    if (!scan.restarted) return true;
    // The list moved when a version written meanwhile lies in the window, or replaced its incident's
    // version that lay there (the incident left the list: every later position shifts).
    let moved = this.movedCache.get(scan);
    if (moved === undefined) {
      moved = this.all
        .slice(scan.firstSeq, scan.restartSeq ?? scan.lastSeq)
        .some((w) => this.inScanWindow(scan, w) || this.replacedInWindow(scan, w));
      this.movedCache.set(scan, moved);
    }
    return !moved;
  }

  /** The version `w` replaced (its incident's latest before it) lay in the scan's window. */
  private replacedInWindow(scan: ScanTruth, w: VersionTruth): boolean {
    let before: VersionTruth | undefined;
    for (const x of this.all) {
      if (x.seq >= w.seq) break;
      if (x.incident_uid !== w.incident_uid || x.visibleAt > scan.first) continue;
      if (!before || x.time > before.time || (x.time === before.time && x.seq > before.seq)) before = x;
    }
    return before !== undefined && this.inScanWindow(scan, before);
  }

  private inScanWindow(scan: ScanTruth, v: VersionTruth): boolean {
    const field = this.mode.filterOn === 'created' ? Date.parse(String(v.created)) : v.time;
    const t = Number.isNaN(field) ? v.time : field;
    return t >= scan.start && t <= scan.end;
  }

  /** How many times each key was served (valid items only). */
  servedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.served) if (s.valid) counts.set(s.key, (counts.get(s.key) ?? 0) + 1);
    return counts;
  }
}

/** Ground truth against what a collector delivered: each held version is in exactly one bucket. */
export interface DeliveryAudit {
  /** Versions considered: visible and with `time` up to `upTo`. */
  considered: number;
  delivered: number;
  /** Observable, not delivered, not quarantined, not in a reported history gap: data loss. */
  lost: VersionTruth[];
  /** Never observable under the personality (overwritten before any poll could read it). */
  unobservable: VersionTruth[];
  /** Served corrupted on purpose and delivered as a quarantine document. */
  quarantined: number;
  /** Older than the API's history when collection resumed (reported as a gap). */
  inGap: number;
}

export interface DeliveryAuditOptions {
  /** Only versions with `time <= upTo` (the final watermark) are judged; default all. */
  upTo?: number;
  /** Instant the audit is made at (default the simulator's now). */
  now?: number;
  /** True for a time inside a reported history gap. */
  inGap?: (time: number) => boolean;
  /** Version keys a quarantine document stands for. */
  quarantined?: ReadonlySet<string>;
}

/**
 * Sort every version the simulator held into delivered / quarantined / gap / unobservable / lost, given
 * the version keys (`incident_uid@time`) a collector delivered as incident documents.
 */
export function auditDelivery(
  truth: GroundTruth,
  delivered: ReadonlySet<string>,
  options: DeliveryAuditOptions = {},
): DeliveryAudit {
  const observability = truth.observability(options.now);
  const visible = new Set(truth.visible(options.now).map((v) => v.key));
  const upTo = options.upTo ?? Number.POSITIVE_INFINITY;
  const out: DeliveryAudit = {
    considered: 0,
    delivered: 0,
    lost: [],
    unobservable: [],
    quarantined: 0,
    inGap: 0,
  };
  for (const v of truth.versions) {
    if (v.time > upTo || !visible.has(v.key)) continue;
    out.considered++;
    if (delivered.has(v.key)) out.delivered++;
    else if (options.quarantined?.has(v.key)) out.quarantined++;
    else if (options.inGap?.(v.time)) out.inGap++;
    else if ((observability.get(v.key) ?? 'unobservable') === 'unobservable') out.unobservable.push(v);
    else out.lost.push(v);
  }
  return out;
}
