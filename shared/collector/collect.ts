import { ChunkedState } from '../checkpoint/chunked-state.ts';
import type { Settings } from '../config/settings.ts';
import {
  type ConnectorError,
  ConnectorError as ConnectorErrorClass,
  FATAL_KINDS,
  isConnectorError,
} from '../errors.ts';
import type {
  Checkpoint,
  CheckpointState,
  CheckpointStore,
  WindowCursor,
} from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { OutputDocument } from '../ports/document.ts';
import type { IncidentPage, IncidentSource } from '../ports/incident-source.ts';
import { type Logger, MetricNames, type Metrics } from '../ports/logger.ts';
import type { AlertSink, MonitorEvaluator } from '../ports/monitors.ts';
import type { Sink } from '../ports/sink.ts';
import { type HistoryGap, planWindow } from './window.ts';

/** Turns one raw API incident into documents; never throws (the normalizer's contract). */
export type NormalizeFn = (raw: unknown) => OutputDocument[];
/** Builds a quarantine document for an item the API client rejected. */
export type QuarantineFn = (raw: unknown, reason: string) => OutputDocument;

/** The ports the core depends on. The CLI and the Lambda handler wire adapters into this. */
export interface CollectorDeps {
  source: IncidentSource;
  store: CheckpointStore;
  sink: Sink;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  normalize: NormalizeFn;
  quarantine: QuarantineFn;
  monitors?: MonitorEvaluator;
  alerts?: AlertSink;
}

export type CollectMode =
  | { kind: 'incremental' }
  /** Collect an explicit past window under its own checkpoint key; the main watermark is untouched. */
  | { kind: 'backfill'; since: Date; until: Date };

export interface CollectOptions {
  settings: Settings;
  /** Lease owner id (Lambda request id, or host+pid for the CLI). */
  owner: string;
  /** Epoch ms when the run must have stopped (Lambda: now + remaining time). */
  deadline: number;
  mode?: CollectMode;
  /** Called after every delivered page, for progress bars. */
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  window: { start: string; end: string };
  /** Items delivered so far in this window (API offset reached). */
  offset: number;
  /** API total for the window. */
  total: number;
  incidents: number;
  events: number;
}

export type RunStatus =
  /** Caught up: every window up to now − settle delivered. */
  | 'complete'
  /** Stopped early (deadline); progress saved; the next run continues. */
  | 'partial'
  /** Another invocation holds the lease; nothing done. */
  | 'skipped'
  /** Stopped by an error; the checkpoint stays at the last delivered page. */
  | 'failed';

export interface RunSummary {
  status: RunStatus;
  tenant: string;
  /** Why the run is not complete, in words. */
  reason?: string;
  windows: { start: string; end: string }[];
  pages: number;
  incidents: number;
  events: number;
  quarantined: number;
  duplicatesSkipped: number;
  alerts: number;
  apiRequests: number;
  apiRetries: number;
  openSweep: 'done' | 'not-due' | 'skipped' | 'disabled' | 'incomplete';
  /** Incidents fetched by id because they left the open set since the previous re-read. */
  refetched: number;
  /** Seconds between now and the instant up to which everything is delivered. */
  lagSeconds: number | undefined;
  historyGaps: HistoryGap[];
  durationMs: number;
  checkpoint: { watermark?: string; cursor?: WindowCursor; version: number };
  error?: { kind: string; message: string; retryable: boolean };
  output: string;
}

const DEDUP_MEMORY = 20_000;
/** How often the monitors persist their state during a run (they also do at its end). */
export const MONITOR_STATE_SAVE_MS = 30_000;
/** Lucene query for incidents not yet resolved or closed (states 0-3). */
export const OPEN_INCIDENTS_QUERY = 'state_id: [0 TO 3]';
/** Aux state: the incident uids found open by the last completed re-read. */
const OPEN_SET_STATE = 'open-incidents';

/**
 * One collection run: lease → windows → pages → normalize → sink → monitors → checkpoint.
 * Progress is saved only after the sink acknowledged a page, by a conditional write on the checkpoint's
 * version, so the checkpoint never runs ahead of delivered data and never moves backwards.
 */
export async function collect(deps: CollectorDeps, options: CollectOptions): Promise<RunSummary> {
  return new CollectorRun(deps, options).run();
}

class CollectorRun {
  private readonly s: Settings;
  private readonly tenantKey: string;
  private readonly started: number;
  private checkpoint: Checkpoint | undefined;
  private version = 0;
  private readonly summary: RunSummary;
  /** Recently delivered doc ids, to skip the same record served twice (bounded). */
  private readonly recent = new Set<string>();
  /** Aborts in-flight API calls shortly before the deadline. */
  private readonly hardStop = new AbortController();

  constructor(
    private readonly deps: CollectorDeps,
    private readonly options: CollectOptions,
  ) {
    this.s = options.settings;
    const mode = options.mode ?? { kind: 'incremental' };
    this.tenantKey =
      mode.kind === 'backfill'
        ? `${this.s.tenant}.backfill.${mode.since.toISOString()}.${mode.until.toISOString()}`
        : this.s.tenant;
    this.started = deps.clock.now();
    this.summary = {
      status: 'complete',
      tenant: this.tenantKey,
      windows: [],
      pages: 0,
      incidents: 0,
      events: 0,
      quarantined: 0,
      duplicatesSkipped: 0,
      alerts: 0,
      apiRequests: 0,
      apiRetries: 0,
      openSweep: this.s.openSweepMinutes > 0 && mode.kind === 'incremental' ? 'not-due' : 'disabled',
      refetched: 0,
      lagSeconds: undefined,
      historyGaps: [],
      durationMs: 0,
      checkpoint: { version: 0 },
      output: deps.sink.description,
    };
  }

  private get mode(): CollectMode {
    return this.options.mode ?? { kind: 'incremental' };
  }

  async run(): Promise<RunSummary> {
    const { store, clock, logger, metrics } = this.deps;
    // The lease dies with our deadline, so a run killed by a timeout never leaves the tenant stuck.
    let held: Awaited<ReturnType<CheckpointStore['acquireLease']>>;
    try {
      held = await store.acquireLease(this.tenantKey, this.options.owner, this.options.deadline, clock.now());
    } catch (error) {
      // An unreachable or misconfigured store is a failed run like any other (metrics, summary, exit code).
      this.fail(error);
      return this.finish();
    }
    if (held) {
      this.summary.status = 'skipped';
      this.summary.reason = `another run (${held.owner}) holds the lease for tenant ${this.tenantKey} until ${new Date(held.expiresAt).toISOString()}; this run exits without collecting`;
      logger.warn(this.summary.reason);
      metrics.add(MetricNames.leaseHeld, 1);
      return this.finish();
    }
    const hardStopMs = this.options.deadline - clock.now() - (this.s.deadlineMarginSeconds * 1000) / 2;
    const timer = setTimeout(() => this.hardStop.abort(new Error('deadline')), Math.max(0, hardStopMs));
    timer.unref?.();
    try {
      this.checkpoint = await store.load(this.tenantKey);
      this.version = this.checkpoint?.version ?? 0;
      await this.drainWindows();
      if (this.summary.status === 'complete') await this.maybeSweepOpenIncidents();
      await this.deps.monitors?.flush?.();
      await this.recordRun();
    } catch (error) {
      this.fail(error);
    } finally {
      clearTimeout(timer);
      try {
        await store.releaseLease(this.tenantKey, this.options.owner);
      } catch (error) {
        logger.warn('could not release the lease; it expires by itself at the deadline', {
          error: errorText(error),
        });
      }
    }
    return this.finish();
  }

  private state(): CheckpointState {
    const {
      tenant: _t,
      version: _v,
      updatedAt: _u,
      ...state
    } = this.checkpoint ?? {
      tenant: '',
      version: 0,
      updatedAt: '',
    };
    return state;
  }

  private async drainWindows(): Promise<void> {
    const { clock, logger, metrics } = this.deps;
    const until = this.mode.kind === 'backfill' ? this.mode.until.getTime() : undefined;
    let state = this.state();
    if (this.mode.kind === 'backfill' && !state.watermark && !state.cursor) {
      state = { ...state, watermark: this.mode.since.toISOString() };
    }
    for (let guard = 0; guard < 100_000; guard++) {
      const now = clock.now();
      const settings =
        this.mode.kind === 'backfill' ? { ...this.s, overlapSeconds: 0, settleSeconds: 0 } : this.s;
      const plan = planWindow(state, now, settings, until);
      if (!plan) return;
      if (plan.gap) {
        this.summary.historyGaps.push(plan.gap);
        metrics.add(MetricNames.historyGapSeconds, plan.gap.seconds, 'Seconds');
        logger.warn(
          `history limit: incidents between ${plan.gap.from} and ${plan.gap.to} are older than the API keeps (${this.s.historyDays} days) and cannot be collected; collection continues from ${plan.cursor.start}`,
          { gap: plan.gap },
        );
      } else if (plan.lookbackClamped) {
        logger.warn(
          `initial lookback clamped to the API's ${this.s.historyDays}-day history: starting at ${plan.cursor.start}`,
        );
      }
      this.summary.windows.push({ start: plan.cursor.start, end: plan.cursor.end });
      const finished = await this.collectWindow(plan.cursor, state);
      state = this.state();
      // Stop once a window reaching now − settle is delivered: with a real clock "now" keeps moving, and
      // chasing it would spin on ever tinier windows.
      if (!finished || plan.reachesEnd) return;
    }
  }

  /** Returns true when the window was fully delivered, false when the deadline stopped it. */
  private async collectWindow(cursor: WindowCursor, prior: CheckpointState): Promise<boolean> {
    const { source } = this.deps;
    // Aborts the prefetched request when the window stops early (deadline, delivery failure).
    const windowStop = new AbortController();
    const signal = AbortSignal.any([this.hardStop.signal, windowStop.signal]);
    const iterator = source
      .pages(
        {
          startDate: new Date(cursor.start),
          endDate: new Date(cursor.end),
          limit: this.s.pageSize,
          includeEvents: this.s.includeEvents,
          offset: cursor.offset,
        },
        { signal },
      )
      [Symbol.asyncIterator]();
    let offset = cursor.offset;
    let pending = this.deadlineNear() ? undefined : this.prefetch(iterator);
    try {
      for (;;) {
        if (!pending) {
          this.stopForDeadline(cursor, offset);
          return false;
        }
        const next = await pending;
        pending = undefined;
        if (next === 'deadline') {
          this.stopForDeadline(cursor, offset);
          return false;
        }
        if (next.done) break;
        const page = next.value;
        const done = page.next === undefined;
        // Fetch the next page while this one is normalized and delivered: the API's latency overlaps our
        // work. The checkpoint still moves only after this page is delivered.
        if (!done && !this.deadlineNear()) pending = this.prefetch(iterator);
        await this.deliver(page);
        offset = page.next ?? page.offset + page.incidents.length + page.invalid.length;
        const state: CheckpointState = done
          ? { ...prior, watermark: maxIso(prior.watermark, cursor.end), cursor: undefined }
          : { ...prior, cursor: { ...cursor, offset } };
        await this.save(state);
        this.options.onProgress?.({
          window: { start: cursor.start, end: cursor.end },
          offset,
          total: page.total,
          incidents: this.summary.incidents,
          events: this.summary.events,
        });
        if (done) return true;
      }
    } finally {
      if (pending) {
        windowStop.abort(new Error('window stopped'));
        await pending.catch(() => undefined);
      }
      await iterator.return?.();
    }
    // The source ended without a page (empty window): the window is complete.
    await this.save({ ...prior, watermark: maxIso(prior.watermark, cursor.end), cursor: undefined });
    return true;
  }

  /** Start fetching the next page; its failure surfaces when awaited, never as an unhandled rejection. */
  private prefetch(
    iterator: AsyncIterator<IncidentPage>,
  ): Promise<IteratorResult<IncidentPage> | 'deadline'> {
    const promise = this.nextPage(iterator);
    promise.catch(() => undefined);
    return promise;
  }

  /** A slow page (long Retry-After, hung socket) must not carry the run past its deadline. */
  private async nextPage(
    iterator: AsyncIterator<IncidentPage>,
  ): Promise<IteratorResult<IncidentPage> | 'deadline'> {
    try {
      return await iterator.next();
    } catch (error) {
      if (this.hardStop.signal.aborted) return 'deadline';
      throw error;
    }
  }

  private deadlineNear(): boolean {
    return this.options.deadline - this.deps.clock.now() < this.s.deadlineMarginSeconds * 1000;
  }

  private stopForDeadline(cursor: WindowCursor, offset: number): void {
    this.summary.status = 'partial';
    this.summary.reason = `deadline near: stopped at offset ${offset} of window ${cursor.start} → ${cursor.end}; progress saved, the next run continues from there`;
    this.deps.logger.info(this.summary.reason);
  }

  /** Normalize → sink → monitors for one page. Throws (before any checkpoint write) if delivery fails. */
  private async deliver(page: IncidentPage): Promise<void> {
    const { normalize, quarantine, sink, metrics, monitors, alerts } = this.deps;
    const docs: OutputDocument[] = [];
    let incidents = 0;
    let events = 0;
    let quarantined = 0;
    let dupes = 0;
    for (const raw of page.incidents) {
      for (const doc of normalize(raw)) {
        if (this.recent.has(doc.id)) {
          dupes++;
          continue;
        }
        this.remember(doc.id);
        docs.push(doc);
        if (doc.dataset === 'incident') incidents++;
        else if (doc.dataset === 'event') events++;
        else if (doc.dataset === 'quarantine') quarantined++;
      }
    }
    for (const bad of page.invalid) {
      const doc = quarantine(bad.raw, bad.reason);
      if (this.recent.has(doc.id)) {
        dupes++;
        continue;
      }
      this.remember(doc.id);
      docs.push(doc);
      quarantined++;
    }
    if (docs.length > 0) {
      const result = await sink.write(docs);
      quarantined += result.quarantined;
      if (result.retries) metrics.add(MetricNames.sinkRetries, result.retries);
    }
    if (monitors && docs.length > 0) {
      const fired = await monitors.evaluate(docs);
      if (fired.length > 0) {
        await sink.write(fired.map((a) => a.doc));
        await alerts?.publish(fired);
        this.summary.alerts += fired.length;
        metrics.add(MetricNames.alerts, fired.length);
      }
    }
    this.summary.pages++;
    this.summary.incidents += incidents;
    this.summary.events += events;
    this.summary.quarantined += quarantined;
    this.summary.duplicatesSkipped += dupes;
    this.summary.apiRequests += page.requests;
    this.summary.apiRetries += page.retries;
    metrics.add(MetricNames.pages, 1);
    metrics.add(MetricNames.incidents, incidents);
    metrics.add(MetricNames.events, events);
    metrics.add(MetricNames.quarantined, quarantined);
    metrics.add(MetricNames.duplicatesSkipped, dupes);
    metrics.add(MetricNames.apiRequests, page.requests);
    metrics.add(MetricNames.apiRetries, page.retries);
  }

  private remember(id: string): void {
    if (this.recent.size >= DEDUP_MEMORY) {
      // Sets iterate in insertion order: forget the oldest id.
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.recent.add(id);
  }

  private async save(state: CheckpointState): Promise<void> {
    const saved = await this.deps.store.save(this.tenantKey, stripUndefined(state), this.version);
    this.checkpoint = saved;
    this.version = saved.version;
  }

  /**
   * Re-read open incidents (state 0-3) over the available history so updates and closures are caught even
   * if the API's date filter is on creation time. Runs only when caught up and when due.
   */
  private async maybeSweepOpenIncidents(): Promise<void> {
    if (this.summary.openSweep === 'disabled') return;
    const { clock, source, logger, store } = this.deps;
    const now = clock.now();
    const last = this.checkpoint?.lastOpenSweep ? Date.parse(this.checkpoint.lastOpenSweep) : undefined;
    if (last !== undefined && now - last < this.s.openSweepMinutes * 60_000) return;
    const horizon = now - this.s.historyDays * 86_400_000 + this.s.historyMarginMinutes * 60_000;
    const end = now - this.s.settleSeconds * 1000;
    // A large tenant has many open incidents: the set is stored gzipped in parts when it is big.
    const openSet = new ChunkedState<string[]>(store, this.tenantKey, OPEN_SET_STATE, {
      empty: () => [],
      normalize: (raw) => (Array.isArray(raw) ? raw.map(String) : []),
      corruptAction: `Delete the state item "${OPEN_SET_STATE}" of this tenant; it is rebuilt at the next re-read`,
    });
    const openBefore = new Set(await openSet.load());
    const openNow = new Set<string>();
    const iterator = source
      .pages(
        {
          startDate: new Date(horizon),
          endDate: new Date(end),
          limit: this.s.pageSize,
          includeEvents: this.s.includeEvents,
          query: OPEN_INCIDENTS_QUERY,
        },
        { signal: this.hardStop.signal },
      )
      [Symbol.asyncIterator]();
    try {
      for (;;) {
        if (this.deadlineNear()) {
          this.summary.openSweep = 'incomplete';
          logger.info('deadline near: the re-read of open incidents resumes next run');
          return;
        }
        const next = await this.nextPage(iterator);
        if (next === 'deadline') {
          this.summary.openSweep = 'incomplete';
          return;
        }
        if (next.done) break;
        for (const r of next.value.incidents) openNow.add(String(r.incident_uid));
        await this.deliver(next.value);
      }
    } finally {
      await iterator.return?.();
    }
    // Incidents open at the previous re-read but not now were resolved or closed in between. Under a
    // creation-time filter nothing else would bring their last version, so fetch each one by id.
    const pending = [...openBefore].filter((uid) => !openNow.has(uid));
    const left: string[] = [];
    for (const uid of pending) {
      if (!source.get || this.deadlineNear()) {
        if (source.get) left.push(uid);
        continue;
      }
      const one = await source.get(uid, { signal: this.hardStop.signal });
      if (!one) continue;
      this.summary.refetched++;
      await this.deliver({
        offset: 0,
        next: undefined,
        total: 1,
        incidents: one.incident ? [one.incident] : [],
        invalid: one.invalid ? [one.invalid] : [],
        requests: one.requests,
        retries: one.retries,
      });
    }
    await openSet.save([...openNow, ...left]);
    await this.save({ ...this.state(), lastOpenSweep: new Date(now).toISOString() });
    this.summary.openSweep = 'done';
  }

  /** Keep a short record of the run in the checkpoint, for `status`. */
  private async recordRun(): Promise<void> {
    const now = new Date(this.deps.clock.now()).toISOString();
    const lastRun = {
      at: now,
      status: this.summary.status,
      pages: this.summary.pages,
      incidents: this.summary.incidents,
      events: this.summary.events,
      quarantined: this.summary.quarantined,
    };
    const state = this.state();
    await this.save({
      ...state,
      lastRun,
      ...(this.summary.status === 'complete' ? { lastSuccess: now } : {}),
    });
  }

  private fail(error: unknown): void {
    const { logger, metrics } = this.deps;
    const connectorError: ConnectorError = isConnectorError(error)
      ? error
      : new ConnectorErrorClass('server', `unexpected error: ${errorText(error)}`, { cause: error });
    this.summary.status = 'failed';
    this.summary.error = {
      kind: connectorError.kind,
      message: connectorError.message,
      retryable: connectorError.retryable,
    };
    this.summary.reason = `${connectorError.kind} error: ${connectorError.message} (checkpoint unchanged since the last delivered page)`;
    // The failed call's attempts (a refused token request, say) were never part of a page's counters.
    const attempts = (connectorError as { attempts?: unknown }).attempts;
    if (typeof attempts === 'number' && attempts > 0) {
      this.summary.apiRequests += attempts;
      this.summary.apiRetries += attempts - 1;
      metrics.add(MetricNames.apiRequests, attempts);
      if (attempts > 1) metrics.add(MetricNames.apiRetries, attempts - 1);
    }
    if (connectorError.kind === 'config') metrics.add(MetricNames.configError, 1);
    // The sink names how many records the destination still refused after its retries.
    const failedCount = connectorError.details?.['failedCount'];
    if (connectorError.kind === 'sink')
      metrics.add(MetricNames.sinkFailedRecords, typeof failedCount === 'number' ? failedCount : 1);
    if (FATAL_KINDS.has(connectorError.kind) && connectorError.kind !== 'config')
      metrics.add(MetricNames.credentialError, 1);
    logger.error(this.summary.reason, { kind: connectorError.kind });
  }

  private finish(): RunSummary {
    const { clock, metrics } = this.deps;
    const now = clock.now();
    const cp = this.checkpoint;
    this.summary.checkpoint = { version: this.version };
    if (cp?.watermark) this.summary.checkpoint.watermark = cp.watermark;
    if (cp?.cursor) this.summary.checkpoint.cursor = cp.cursor;
    const deliveredUpTo = cp?.cursor
      ? Date.parse(cp.cursor.start)
      : cp?.watermark
        ? Date.parse(cp.watermark)
        : undefined;
    this.summary.lagSeconds =
      deliveredUpTo === undefined ? undefined : Math.max(0, Math.round((now - deliveredUpTo) / 1000));
    this.summary.durationMs = now - this.started;
    if (this.summary.lagSeconds !== undefined)
      metrics.add(MetricNames.lagSeconds, this.summary.lagSeconds, 'Seconds');
    metrics.add(MetricNames.runDuration, this.summary.durationMs, 'Milliseconds');
    // A partial run (deadline while draining a backlog) made progress: it feeds the dead-man's switch;
    // falling behind is the lag alarm's job.
    if (this.summary.status === 'complete' || this.summary.status === 'partial')
      metrics.add(MetricNames.runSucceeded, 1);
    if (this.summary.status === 'partial') metrics.add(MetricNames.runPartial, 1);
    if (this.summary.status === 'failed') metrics.add(MetricNames.runFailed, 1);
    return this.summary;
  }
}

function maxIso(a: string | undefined, b: string): string {
  if (!a) return b;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
