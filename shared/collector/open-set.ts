import { ChunkedState } from '../checkpoint/chunked-state.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';
import type { RawIncident } from '../ports/incident-source.ts';

/** Aux state: uids of incidents last seen open (state 0-3), by a window or by the re-read. */
export const OPEN_SET_STATE = 'open-incidents';

/**
 * The incidents the collector last saw open. Windows add the open records they deliver and drop the
 * closed ones, so an incident created and closed between two re-reads is still known: under a
 * creation-time filter nothing else would bring its closing version, and the re-read fetches it by id
 * once it has left the open result. Saved before the checkpoint moves past the page that changed it.
 */
export class OpenSet {
  private readonly state: ChunkedState<string[]>;
  private uids: Set<string> | undefined;
  private dirty = false;

  constructor(store: CheckpointStore, tenantKey: string) {
    // A large tenant has many open incidents: the set is stored gzipped in parts when it is big.
    this.state = new ChunkedState<string[]>(store, tenantKey, OPEN_SET_STATE, {
      empty: () => [],
      normalize: (raw) => (Array.isArray(raw) ? raw.map(String) : []),
      corruptAction: `Delete the state item "${OPEN_SET_STATE}" of this tenant; it is rebuilt at the next re-read`,
    });
  }

  async load(): Promise<Set<string>> {
    this.uids ??= new Set(await this.state.load());
    return this.uids;
  }

  /** Track the open/closed state of delivered records (loads the set on first use). */
  async note(records: readonly RawIncident[]): Promise<void> {
    if (records.length === 0) return;
    const uids = await this.load();
    for (const r of records) {
      const uid = String(r.incident_uid);
      if (isOpen(r)) {
        if (!uids.has(uid)) {
          uids.add(uid);
          this.dirty = true;
        }
      } else if (uids.delete(uid)) this.dirty = true;
    }
  }

  /** Persist the changes (a no-op when nothing changed). */
  async flush(): Promise<void> {
    if (!this.dirty || !this.uids) return;
    await this.state.save([...this.uids]);
    this.dirty = false;
  }

  /** Replace the whole set (the re-read's result) and persist it. */
  async replace(uids: Iterable<string>): Promise<void> {
    this.uids = new Set(uids);
    this.dirty = true;
    await this.flush();
  }
}

/** States 0-3 (unknown, new, in progress, on hold) are open; 4 resolved and 5 closed are not. */
function isOpen(record: RawIncident): boolean {
  const state = Number(record.state_id);
  return !Number.isFinite(state) || state < 4;
}
