/**
 * The rules' memory between runs, kept in the checkpoint store's auxiliary state (DynamoDB item in AWS,
 * the checkpoint file locally). A DynamoDB item holds at most 400 KB, so a large state is gzipped,
 * base64-encoded and split into parts written under a fresh generation before the manifest that points
 * at them: a crash mid-save leaves the previous manifest and its parts intact.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConnectorError } from '../errors.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';

export const STATE_NAME = 'monitors';
/** JSON up to this size is stored inline (readable in the checkpoint file / table). */
const INLINE_LIMIT = 100_000;
/** base64 characters per part: well under DynamoDB's 400 KB item limit. */
const PART_SIZE = 300_000;

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

interface Manifest {
  format: 1;
  data?: MonitorState;
  gen?: string;
  parts?: number;
}

function partName(gen: string, i: number): string {
  return `${STATE_NAME}.${gen}.${i}`;
}

/** Loads and saves {@link MonitorState} for one tenant. */
export class MonitorStateStore {
  private manifest: Manifest | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly tenant: string,
  ) {}

  async load(): Promise<MonitorState> {
    const manifest = await this.store.loadState<Manifest>(this.tenant, STATE_NAME);
    this.manifest = manifest;
    if (!manifest) return emptyState();
    if (manifest.data) return normalize(manifest.data);
    if (manifest.gen && manifest.parts) {
      const parts: string[] = [];
      for (let i = 0; i < manifest.parts; i++) {
        const part = await this.store.loadState<string>(this.tenant, partName(manifest.gen, i));
        if (typeof part !== 'string') throw this.corrupt(`part ${partName(manifest.gen, i)} is missing`);
        parts.push(part);
      }
      try {
        return normalize(JSON.parse(gunzipSync(Buffer.from(parts.join(''), 'base64')).toString('utf8')));
      } catch (cause) {
        throw this.corrupt('its parts do not decode', cause);
      }
    }
    return emptyState();
  }

  /** Saves the state; returns the JSON size in characters (for logs). */
  async save(state: MonitorState): Promise<number> {
    const json = JSON.stringify(state);
    const previous = this.manifest;
    let next: Manifest;
    if (json.length <= INLINE_LIMIT) {
      next = { format: 1, data: state };
      await this.store.saveState(this.tenant, STATE_NAME, next);
    } else {
      const encoded = gzipSync(json).toString('base64');
      const gen = randomBytes(6).toString('hex');
      const parts = Math.ceil(encoded.length / PART_SIZE);
      for (let i = 0; i < parts; i++) {
        await this.store.saveState(
          this.tenant,
          partName(gen, i),
          encoded.slice(i * PART_SIZE, (i + 1) * PART_SIZE),
        );
      }
      next = { format: 1, gen, parts };
      await this.store.saveState(this.tenant, STATE_NAME, next);
    }
    this.manifest = next;
    // Old parts are garbage once the new manifest is written; a crash here only leaves garbage.
    if (previous?.gen && previous.parts && previous.gen !== next.gen) {
      for (let i = 0; i < previous.parts; i++) {
        await this.store.saveState(this.tenant, partName(previous.gen, i), undefined);
      }
    }
    return json.length;
  }

  private corrupt(why: string, cause?: unknown): ConnectorError {
    return new ConnectorError(
      'invalid_response',
      `Monitor state "${STATE_NAME}" of tenant "${this.tenant}": ${why}`,
      {
        action: `Delete the state item "${STATE_NAME}" (it is rebuilt; alerts already fired may fire once more)`,
        cause,
      },
    );
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
