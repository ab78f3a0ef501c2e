/**
 * The rules' memory between runs, kept in the checkpoint store's auxiliary state (DynamoDB item in AWS,
 * the checkpoint file locally). A DynamoDB item holds at most 400 KB, so a large state is gzipped,
 * base64-encoded and split into parts written under a fresh generation before the manifest that points
 * at them: a crash mid-save leaves the previous manifest and its parts intact.
 */
import { ChunkedState } from '../checkpoint/chunked-state.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';

export const STATE_NAME = 'monitors';

/** One tracked open incident (rule unresolvedIncidentAging). */
export interface OpenIncident {
  /** created, epoch ms. */
  c: number;
  /** Time of the latest record seen, epoch ms. */
  t: number;
  u?: string;
  n?: string;
  s?: number;
  p?: number;
  /** Last record doc id (evidence). */
  d?: string;
}

export interface MonitorState {
  v: 1;
  /** Fired alert id → when its cause was last seen (epoch ms, clock). */
  fired: Record<string, number>;
  /** Rule embargoedDevice: device key → incident uid → first association time (data time, epoch ms). */
  devices: Record<string, { i: Record<string, number>; f?: number }>;
  /** Rule impactedDevicesSpike. */
  spike: {
    /** Start of the first window with data (epoch ms): earlier windows are not part of any baseline. */
    since?: number;
    /** Window start → hashed device keys seen in it. */
    buckets: Record<string, string[]>;
  };
  /** Rule unresolvedIncidentAging: open incidents not yet fired. */
  open: Record<string, OpenIncident>;
  /** Resolved/closed incidents → time of the closing record (so stale open records do not revive them). */
  closed: Record<string, number>;
}

/**
 * Key under which a fired alert id is remembered: its first 64 bits. The state grows with every alert a
 * tenant ever raised (within the retention), so a quarter of the SHA-256 keeps it small; collisions are
 * out of reach at any realistic alert volume.
 */
export function firedKey(alertId: string): string {
  return alertId.slice(0, 16);
}

export function emptyState(): MonitorState {
  return { v: 1, fired: {}, devices: {}, spike: { buckets: {} }, open: {}, closed: {} };
}

/** Loads and saves {@link MonitorState} for one tenant. */
export class MonitorStateStore {
  private readonly chunked: ChunkedState<MonitorState>;

  constructor(store: CheckpointStore, tenant: string) {
    this.chunked = new ChunkedState(store, tenant, STATE_NAME, {
      empty: emptyState,
      normalize: (raw) => normalize(raw as Partial<MonitorState> | undefined),
      corruptAction: `Delete the state item "${STATE_NAME}" (it is rebuilt; alerts already fired may fire once more)`,
    });
  }

  load(): Promise<MonitorState> {
    return this.chunked.load();
  }

  /** Saves the state; returns the JSON size in characters (for logs). */
  save(state: MonitorState): Promise<number> {
    return this.chunked.save(state);
  }
}

/** Fills in parts an older or hand-edited state may lack. */
function normalize(raw: Partial<MonitorState> | undefined): MonitorState {
  const s = emptyState();
  if (!raw || typeof raw !== 'object') return s;
  if (raw.fired && typeof raw.fired === 'object') s.fired = raw.fired;
  if (raw.devices && typeof raw.devices === 'object') s.devices = raw.devices;
  if (raw.spike && typeof raw.spike === 'object') {
    s.spike = { buckets: raw.spike.buckets ?? {} };
    if (typeof raw.spike.since === 'number') s.spike.since = raw.spike.since;
  }
  if (raw.open && typeof raw.open === 'object') s.open = raw.open;
  if (raw.closed && typeof raw.closed === 'object') s.closed = raw.closed;
  return s;
}
