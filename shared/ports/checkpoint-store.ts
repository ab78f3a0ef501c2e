/** A window in progress: the run resumes here at `offset` if it stopped mid-window. */
export interface WindowCursor {
  /** ISO 8601 start of the window being collected. */
  start: string;
  /** ISO 8601 end of the window being collected. */
  end: string;
  /** API `next` offset of the first page not yet delivered. */
  offset: number;
  /** Uid of the last record delivered: the resumed page's overlap must contain it (records moved otherwise). */
  lastUid?: string;
  /** Records moved under this pass of the window: once it reaches the end, the window is read again from offset 0. */
  reread?: true;
}

/** What the collector persists between runs. */
export interface CheckpointState {
  /** ISO 8601: everything before this instant has been delivered (end of the last completed window). */
  watermark?: string;
  /** The window in progress, if a run stopped mid-window. */
  cursor?: WindowCursor;
  /** ISO 8601: when the last re-read of open incidents completed. */
  lastOpenSweep?: string;
  /** ISO 8601: start of the first run that recorded itself (the lag's origin until a watermark exists). */
  firstRunAt?: string;
  /** ISO 8601: last successful run end. */
  lastSuccess?: string;
  /** Free-form summary of the last run, for `status`. */
  lastRun?: Record<string, unknown>;
  /** Event Stream progress (checkpoint key `<tenant>.stream.<streamId>.<channel>`). */
  stream?: StreamProgress;
}

/** Where one Event Stream channel stands. */
export interface StreamProgress {
  /** The `next` of the last line whose events the sink acknowledged; absent: start from a fresh cursor. */
  cursor?: string;
  /** ISO 8601: the newest `log_time` delivered (drives the lag metric and the lost interval of a 410). */
  newestLogTime?: string;
  /** The last cursor expiry (410) and the interval it made unrecoverable. */
  lastExpired?: { at: string; lostFrom?: string; lostTo?: string };
  /** Cursor expiries since the channel was first read. */
  expiries?: number;
}

export interface Checkpoint extends CheckpointState {
  tenant: string;
  /** Monotonic version; every save must name the version it read. */
  version: number;
  updatedAt: string;
}

export interface Lease {
  owner: string;
  /** Epoch ms; past this the lease is free for anyone. */
  expiresAt: number;
}

export interface CheckpointStore {
  /** Current checkpoint, or undefined before the first run. */
  load(tenant: string): Promise<Checkpoint | undefined>;
  /**
   * Conditional write: succeeds only if the stored version equals `expectedVersion` (0 = absent).
   * Returns the new checkpoint (version + 1). Throws CheckpointConflictError otherwise.
   */
  save(tenant: string, state: CheckpointState, expectedVersion: number): Promise<Checkpoint>;
  /**
   * Take the tenant's lease until `expiresAt` if it is free, expired at `now`, or already ours.
   * Returns undefined on success, or the lease that is held by someone else.
   */
  acquireLease(tenant: string, owner: string, expiresAt: number, now: number): Promise<Lease | undefined>;
  /** Release our lease (no-op if someone else holds it). */
  releaseLease(tenant: string, owner: string): Promise<void>;
  /** Read the current lease, if any (for `status`). */
  readLease(tenant: string): Promise<Lease | undefined>;
  /** Auxiliary state (monitors), last-writer-wins under the lease. */
  loadState<T = unknown>(tenant: string, name: string): Promise<T | undefined>;
  saveState(tenant: string, name: string, value: unknown): Promise<void>;
}
