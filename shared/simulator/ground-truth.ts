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
  modified: string | undefined;
  created: string | undefined;
  type_id: number | undefined;
  state_id: number | undefined;
  /** `uuid` of each embedded event. */
  eventUuids: string[];
  /** True for records added with addIncidents(). */
  added: boolean;
}

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

  constructor(private readonly now: () => number) {}

  /** @internal */
  register(record: Record<string, unknown>, added: boolean): void {
    const time = recordTime(record);
    const events = Array.isArray(record.events) ? record.events : [];
    this.all.push({
      key: versionKey(record.incident_uid, time),
      incident_uid: String(record.incident_uid),
      time,
      modified: typeof record.modified === 'string' ? record.modified : undefined,
      created: typeof record.created === 'string' ? record.created : undefined,
      type_id: typeof record.type_id === 'number' ? record.type_id : undefined,
      state_id: typeof record.state_id === 'number' ? record.state_id : undefined,
      eventUuids: events
        .map((e) => (e && typeof e === 'object' ? (e as Record<string, unknown>).uuid : undefined))
        .filter((u): u is string => typeof u === 'string'),
      added,
    });
  }

  /** Every version held, generated and added, in insertion order. */
  get versions(): readonly VersionTruth[] {
    return this.all;
  }
  /** Versions whose `time` is not after `now` (simulated). */
  visible(now = this.now()): VersionTruth[] {
    return this.all.filter((v) => v.time <= now);
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
  /** How many times each key was served (valid items only). */
  servedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.served) if (s.valid) counts.set(s.key, (counts.get(s.key) ?? 0) + 1);
    return counts;
  }
}
