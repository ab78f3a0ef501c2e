import { ChunkedState } from '../checkpoint/chunked-state.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';
import type { RawIncident } from '../ports/incident-source.ts';

/** Aux state: incidents the collector delivered (open or recently closed) and the re-read in progress. */
export const OPEN_SET_STATE = 'open-incidents';

/**
 * Delivered version keys kept per incident (newest last). A record older than all of them, once the list
 * is full, counts as delivered: a bound on the state, reached only by incidents updated that often.
 */
export const VERSIONS_KEPT = 16;

/** One incident as the collector last delivered it. */
export interface KnownIncident {
  /** Whether its newest delivered version is open (state 0-3). */
  open: boolean;
  /** Version keys (`<time ms>.<modified ms>`) delivered, oldest first; the last one is the newest. */
  versions: string[];
}

/**
 * The re-read of open incidents in progress, kept between runs so a pass that does not finish in one run
 * continues in the next: the query has a fixed end, the scan resumes at its offset (with the overlap
 * anchor), and the closure checks resume where they stopped.
 */
export interface ReReadPass {
  /** ISO 8601: when the pass began (the next pass is due openSweepMinutes after this). */
  startedAt: string;
  start: string;
  end: string;
  /** API offset of the first page of the open query not yet delivered. */
  offset: number;
  lastUid?: string;
  /** Records moved under the scan: once it reaches the end, the open query is read again from offset 0. */
  reread?: true;
  /** Uids the open query returned so far in this pass. */
  seen: string[];
  /** Set once the scan is done: open uids whose closure is still to be checked. */
  pending?: string[];
}

interface Stored {
  format: 2;
  incidents: Record<string, KnownIncident>;
  pass?: ReReadPass;
}

/**
 * The incidents the collector knows: for each, the versions it delivered and whether the newest one is
 * open. Windows and the re-read record what they deliver, so
 * - the re-read skips records whose version was already delivered (a quiet tenant re-sends nothing);
 * - openness follows the newest version, never an older lifecycle record served again;
 * - an incident created and closed between two re-reads is still known open, and its closure is looked
 *   for (under a creation-time filter nothing else would bring it).
 * Saved before the checkpoint moves past the page that changed it. Closed incidents are forgotten once
 * their newest version is older than the API's history (no query can return them any more).
 */
export class OpenSet {
  private readonly state: ChunkedState<Stored>;
  private value: Stored | undefined;
  private dirty = false;

  constructor(store: CheckpointStore, tenantKey: string) {
    // A large tenant knows many incidents: the state is stored gzipped in parts when it is big.
    this.state = new ChunkedState<Stored>(store, tenantKey, OPEN_SET_STATE, {
      empty: () => ({ format: 2, incidents: {} }),
      normalize: normalizeStored,
      corruptAction: `Delete the state item "${OPEN_SET_STATE}" of this tenant; it is rebuilt at the next re-read`,
    });
  }

  private async loaded(): Promise<Stored> {
    this.value ??= await this.state.load();
    return this.value;
  }

  /** Uids whose newest delivered version is open, sorted (closure queries batch them in this order). */
  async openUids(): Promise<string[]> {
    const { incidents } = await this.loaded();
    return Object.keys(incidents)
      .filter((uid) => incidents[uid]?.open)
      .sort();
  }

  async isOpen(uid: string): Promise<boolean> {
    return (await this.loaded()).incidents[uid]?.open === true;
  }

  /** Whether this version of the incident was delivered before (by a window, the re-read or a by-id GET). */
  async delivered(record: RawIncident): Promise<boolean> {
    const known = (await this.loaded()).incidents[String(record.incident_uid)];
    if (!known) return false;
    const key = versionKey(record);
    if (known.versions.includes(key)) return true;
    const oldest = known.versions[0];
    return known.versions.length >= VERSIONS_KEPT && oldest !== undefined && compareKeys(key, oldest) < 0;
  }

  /** The records whose version was not delivered before, in order. */
  async fresh(records: readonly RawIncident[]): Promise<RawIncident[]> {
    const out: RawIncident[] = [];
    for (const r of records) if (!(await this.delivered(r))) out.push(r);
    return out;
  }

  /** Record delivered records: their versions, and openness by the newest version (loads on first use). */
  async note(records: readonly RawIncident[]): Promise<void> {
    if (records.length === 0) return;
    const { incidents } = await this.loaded();
    for (const r of records) {
      const uid = String(r.incident_uid);
      const key = versionKey(r);
      const known = incidents[uid];
      if (!known) {
        incidents[uid] = { open: isOpen(r), versions: [key] };
        this.dirty = true;
        continue;
      }
      if (known.versions.includes(key)) continue;
      const newest = known.versions.at(-1);
      known.versions.push(key);
      known.versions.sort(compareKeys);
      if (known.versions.length > VERSIONS_KEPT)
        known.versions.splice(0, known.versions.length - VERSIONS_KEPT);
      // An older lifecycle record served again (every-version APIs) says nothing about the state now.
      if (newest === undefined || compareKeys(key, newest) >= 0) known.open = isOpen(r);
      this.dirty = true;
    }
  }

  async pass(): Promise<ReReadPass | undefined> {
    return (await this.loaded()).pass;
  }

  /** Set or clear the re-read in progress (persisted at the next flush). */
  async setPass(pass: ReReadPass | undefined): Promise<void> {
    const value = await this.loaded();
    if (pass) value.pass = pass;
    else delete value.pass;
    this.dirty = true;
  }

  /** Stop tracking an incident the API no longer knows. */
  async forget(uid: string): Promise<void> {
    const { incidents } = await this.loaded();
    if (incidents[uid]) {
      delete incidents[uid];
      this.dirty = true;
    }
  }

  /** Forget closed incidents whose newest version is older than `horizon` (epoch ms). */
  async prune(horizon: number): Promise<void> {
    const { incidents } = await this.loaded();
    for (const [uid, known] of Object.entries(incidents)) {
      const newest = known.versions.at(-1);
      if (!known.open && newest !== undefined && keyTime(newest) < horizon) {
        delete incidents[uid];
        this.dirty = true;
      }
    }
  }

  /** Persist the changes (a no-op when nothing changed). */
  async flush(): Promise<void> {
    if (!this.dirty || !this.value) return;
    await this.state.save(this.value);
    this.dirty = false;
  }
}

/** `<time ms>.<modified ms or empty>`: one key per incident version, as the document id has it. */
export function versionKey(record: RawIncident): string {
  const modified = record.modified === undefined ? Number.NaN : Date.parse(String(record.modified));
  return `${epochMs(record.time)}.${Number.isFinite(modified) ? modified : ''}`;
}

function epochMs(value: unknown): number | string {
  if (typeof value === 'number') return value;
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  const t = Date.parse(String(value));
  return Number.isFinite(t) ? t : String(value);
}

function keyTime(key: string): number {
  return Number(key.slice(0, key.indexOf('.')));
}

function compareKeys(a: string, b: string): number {
  const [ta = '', ma = ''] = a.split('.');
  const [tb = '', mb = ''] = b.split('.');
  return Number(ta) - Number(tb) || (Number(ma) || 0) - (Number(mb) || 0);
}

/** States 0-3 (unknown, new, in progress, on hold) are open; 4 resolved and 5 closed are not. */
function isOpen(record: RawIncident): boolean {
  const state = Number(record.state_id);
  return !Number.isFinite(state) || state < 4;
}

/** Reads the stored value; the first format (a list of open uids, no versions) is kept as open uids. */
function normalizeStored(raw: unknown): Stored {
  if (Array.isArray(raw)) {
    const incidents: Record<string, KnownIncident> = {};
    for (const uid of raw) incidents[String(uid)] = { open: true, versions: [] };
    return { format: 2, incidents };
  }
  if (raw && typeof raw === 'object' && (raw as Stored).format === 2) {
    const stored = raw as Stored;
    return { format: 2, incidents: stored.incidents ?? {}, ...(stored.pass ? { pass: stored.pass } : {}) };
  }
  return { format: 2, incidents: {} };
}
