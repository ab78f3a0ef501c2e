import { checkSettingRelations } from '../config/load.ts';
import type { CheckpointState, CheckpointStore, WindowCursor } from '../ports/checkpoint-store.ts';
import type { IncidentPage } from '../ports/incident-source.ts';
import { MetricNames } from '../ports/logger.ts';
import { CheckpointWriter } from './checkpoint-writer.ts';
import type { CollectMode, CollectOptions, CollectorDeps } from './collect.ts';
import { RunDeadline } from './deadline.ts';
import { Delivery } from './delivery.ts';
import { RunLease } from './lease.ts';
import { reReadOpenIncidents } from './open-reread.ts';
import { OpenSet } from './open-set.ts';
import { overlappingPages } from './overlap-pager.ts';
import { PageStream } from './page-stream.ts';
import {
  applyCounts,
  countFailedCall,
  errorText,
  finishSummary,
  newSummary,
  type RunSummary,
  recordFailure,
} from './summary.ts';
import { planWindow } from './window.ts';

/** Backfill windows still overlap by a second: the API may treat a boundary millisecond as exclusive. */
export const BACKFILL_OVERLAP_SECONDS = 1;

/**
 * One collection run: lease → windows → checkpoint. Each window is read through a PageStream and
 * handed to Delivery page by page; progress is saved only after delivery succeeded, by a conditional
 * write on the checkpoint's version, so the checkpoint never runs ahead of delivered data and never
 * moves backwards.
 */
export class CollectorRun {
  private readonly s: CollectOptions['settings'];
  private readonly mode: CollectMode;
  private readonly tenantKey: string;
  private readonly started: number;
  private readonly summary: RunSummary;
  private readonly checkpoint: CheckpointWriter;
  private readonly delivery: Delivery;
  private readonly deadline: RunDeadline;
  /** Open incidents seen by windows and the re-read (only when the re-read is enabled). */
  private readonly openSet: OpenSet | undefined;

  constructor(
    private readonly deps: CollectorDeps,
    private readonly options: CollectOptions,
  ) {
    this.s = options.settings;
    this.mode = options.mode ?? { kind: 'incremental' };
    this.tenantKey =
      this.mode.kind === 'backfill'
        ? `${this.s.tenant}.backfill.${this.mode.since.toISOString()}.${this.mode.until.toISOString()}`
        : this.s.tenant;
    this.started = deps.clock.now();
    this.summary = newSummary(
      this.tenantKey,
      deps.sink.description,
      this.s.openSweepMinutes > 0 && this.mode.kind === 'incremental' ? 'not-due' : 'disabled',
    );
    this.checkpoint = new CheckpointWriter(deps.store, this.tenantKey);
    this.delivery = new Delivery(deps);
    this.deadline = new RunDeadline(deps.clock, options.deadline, this.s.deadlineMarginSeconds * 1000);
    this.openSet =
      this.summary.openSweep === 'disabled' ? undefined : new OpenSet(deps.store, this.tenantKey);
  }

  async run(): Promise<RunSummary> {
    const { store, clock, logger, metrics } = this.deps;
    // A short lease renewed by a heartbeat: a killed run frees the tenant within leaseSeconds.
    const lease = new RunLease(
      store,
      this.tenantKey,
      this.options.owner,
      clock,
      this.s.leaseSeconds * 1000,
      this.options.deadline,
      logger,
    );
    // Armed first: the store's and the sink's calls are bounded by the hard stop from the lease on.
    this.deadline.start();
    this.options.bindSignal?.(this.deadline.callSignal);
    let held: Awaited<ReturnType<CheckpointStore['acquireLease']>>;
    try {
      held = await lease.acquire();
    } catch (error) {
      // An unreachable or misconfigured store is a failed run like any other (metrics, summary, exit code).
      this.stopped(error);
      this.deadline.stop();
      return this.finish();
    }
    if (held) {
      this.summary.status = 'skipped';
      this.summary.reason = `another run (${held.owner}) holds the lease for tenant ${this.tenantKey} until ${new Date(held.expiresAt).toISOString()}; this run exits without collecting`;
      logger.warn(this.summary.reason);
      metrics.add(MetricNames.leaseHeld, 1);
      this.deadline.stop();
      return this.finish();
    }
    lease.startHeartbeat();
    try {
      // Settings built in code (tests, embedders) skip parseSettings: check the relations here too.
      checkSettingRelations(this.s);
      await this.checkpoint.load();
      await this.drainWindows();
      if (this.summary.status === 'complete' && this.summary.openSweep !== 'disabled') {
        const result = await reReadOpenIncidents({
          source: this.deps.source,
          store,
          clock,
          logger,
          metrics,
          delivery: this.delivery,
          checkpoint: this.checkpoint,
          deadline: this.deadline,
          settings: this.s,
          openSet: this.openSet ?? new OpenSet(store, this.tenantKey),
        });
        this.summary.openSweep = result.status;
        this.summary.refetched += result.refetched;
        this.summary.reReadSkipped += result.skipped;
        if (result.status === 'incomplete') {
          this.summary.status = 'partial';
          this.summary.reason =
            'deadline near: the re-read of open incidents stopped; its progress is kept and the next run continues it';
        }
      }
      await this.deps.monitors?.flush?.();
      await this.recordRun();
    } catch (error) {
      countFailedCall(this.delivery.totals, error, metrics);
      applyCounts(this.summary, this.delivery.totals);
      this.stopped(error);
    } finally {
      this.deadline.stop();
      try {
        await lease.release();
      } catch (error) {
        logger.warn('could not release the lease; it expires by itself within the lease time', {
          error: errorText(error),
        });
      }
    }
    return this.finish();
  }

  private async drainWindows(): Promise<void> {
    const { clock, logger, metrics } = this.deps;
    const until = this.mode.kind === 'backfill' ? this.mode.until.getTime() : undefined;
    let state = this.checkpoint.state();
    if (this.mode.kind === 'backfill' && !state.watermark && !state.cursor) {
      state = { ...state, watermark: this.mode.since.toISOString() };
    }
    for (let guard = 0; guard < 100_000; guard++) {
      const now = clock.now();
      const settings =
        this.mode.kind === 'backfill'
          ? { ...this.s, overlapSeconds: BACKFILL_OVERLAP_SECONDS, settleSeconds: 0 }
          : this.s;
      const plan = planWindow(state, now, settings, until);
      if (!plan) return;
      if (plan.gap) {
        this.summary.historyGaps.push(plan.gap);
        metrics.add(MetricNames.historyGapSeconds, plan.gap.seconds, 'Seconds');
        logger.warn(
          `history limit: incidents between ${plan.gap.from} and ${plan.gap.to} are older than the API keeps (${this.s.historyDays} days) and cannot be collected; collection continues from ${plan.cursor.start}`,
          { gap: plan.gap },
        );
      } else if (plan.restarted) {
        logger.warn(
          `history limit: the window from ${plan.restarted.from} stopped at offset ${plan.restarted.offset} and the API no longer serves its start; it restarts at ${plan.cursor.start}. Records between ${plan.restarted.from} and ${plan.restarted.to} not yet delivered cannot be collected`,
          { restarted: plan.restarted },
        );
      } else if (plan.lookbackClamped) {
        logger.warn(
          `initial lookback clamped to the API's ${this.s.historyDays}-day history: starting at ${plan.cursor.start}`,
        );
      }
      let cursor = plan.cursor;
      let outcome: Awaited<ReturnType<CollectorRun['collectWindow']>>;
      let reachesEnd = plan.reachesEnd;
      for (;;) {
        this.summary.windows.push({ start: cursor.start, end: cursor.end });
        outcome = await this.collectWindow(cursor, state);
        if (typeof outcome === 'string') break;
        // Split at the result cap: collect the first half now; the planner continues from its end.
        cursor = outcome.split;
        reachesEnd = false;
        state = { ...this.checkpoint.state(), cursor };
      }
      state = this.checkpoint.state();
      // Stop once a window reaching now − settle is delivered: with a real clock "now" keeps moving, and
      // chasing it would spin on ever tinier windows.
      if (outcome === 'stopped' || reachesEnd) return;
    }
  }

  /** Most pages one window may take, restarts included (a guard against records that never settle). */
  private maxPages(): number {
    return (Math.ceil(this.s.resultCap / this.s.pageSize) + 1) * 5;
  }

  /**
   * Returns `done` when the window was fully delivered, `stopped` when the deadline stopped it, or the
   * first half of the window when its `total` reached the API's result cap (the rest is planned next).
   */
  private async collectWindow(
    cursor: WindowCursor,
    prior: CheckpointState,
  ): Promise<'done' | 'stopped' | { split: WindowCursor }> {
    const { metrics, logger } = this.deps;
    const query = {
      startDate: new Date(cursor.start),
      endDate: new Date(cursor.end),
      limit: this.s.pageSize,
      includeEvents: this.s.includeEvents,
      offset: cursor.offset,
    };
    const stream = new PageStream(
      (signal, ready) =>
        overlappingPages(
          this.deps.source,
          query,
          {
            overlap: this.s.pageOverlap,
            anchorUid: cursor.lastUid,
            reread: cursor.reread,
            maxPages: this.maxPages(),
            metrics,
            logger,
          },
          signal,
          ready,
        ),
      this.deadline,
    );
    let offset = cursor.offset;
    try {
      for (;;) {
        const step = await stream.next();
        if (step.kind === 'deadline') {
          this.stopForDeadline(cursor, offset);
          return 'stopped';
        }
        if (step.kind === 'end') break;
        const page = step.page;
        const start = Date.parse(cursor.start);
        const end = Date.parse(cursor.end);
        // The API serves at most resultCap results per query: a window that reaches it is not trusted
        // but halved. The page that showed it is still delivered (the ids absorb the copies the halves
        // re-read): an API that keeps only the latest version may replace its records before a half
        // reaches them. The checkpoint does not move: the halves start at offset 0.
        if (page.total >= this.s.resultCap && end - start >= 2000) {
          const mid = start + Math.floor((end - start) / 2);
          metrics.add(MetricNames.windowSplits, 1);
          logger.info(
            `window ${cursor.start} → ${cursor.end} holds ${page.total} results, the API's cap (${this.s.resultCap}): split in halves`,
          );
          await this.deliverPage(page);
          return { split: { start: cursor.start, end: new Date(mid).toISOString(), offset: 0 } };
        }
        if (page.beyondTotal) {
          metrics.add(MetricNames.pagerTotalMismatch, 1);
          logger.warn(
            `the API's total said window ${cursor.start} → ${cursor.end} was done at offset ${page.offset}, but more records came; paging follows next, not total`,
          );
        }
        const done = page.next === undefined;
        // Fetch the next page while this one is delivered; the checkpoint still moves only after it.
        if (!done) stream.prefetch();
        await this.deliverPage(page);
        offset = page.next ?? page.offset + page.incidents.length + page.invalid.length;
        const next: WindowCursor = { start: cursor.start, end: cursor.end, offset };
        if (page.lastUid !== undefined) next.lastUid = page.lastUid;
        if (page.reread) next.reread = true;
        const state: CheckpointState = done
          ? { ...prior, watermark: maxIso(prior.watermark, cursor.end), cursor: undefined }
          : { ...prior, cursor: next };
        await this.checkpoint.save(state);
        this.options.onProgress?.({
          window: { start: cursor.start, end: cursor.end },
          offset,
          total: page.total,
          incidents: this.delivery.totals.incidents,
          events: this.delivery.totals.events,
        });
        if (done) return 'done';
      }
    } finally {
      await stream.close();
    }
    // The source ended without a page (empty window): the window is complete.
    await this.checkpoint.save({
      ...prior,
      watermark: maxIso(prior.watermark, cursor.end),
      cursor: undefined,
    });
    return 'done';
  }

  /** Deliver one page, then note its open incidents (saved before any checkpoint passes the page). */
  private async deliverPage(page: IncidentPage): Promise<void> {
    await this.delivery.deliver({
      records: page.incidents,
      invalid: page.invalid,
      requests: page.requests,
      retries: page.retries,
    });
    // The open set is saved before the checkpoint passes this page, so no closure can be missed.
    await this.openSet?.note(page.incidents);
    await this.openSet?.flush();
  }

  /**
   * A call that failed: a failed run, unless the hard stop aborted it (a sink or store that did not
   * answer in time): then the run is partial, its progress up to the last saved page kept.
   */
  private stopped(error: unknown): void {
    if (!this.deadline.aborted) {
      recordFailure(this.summary, error, this.deps.logger, this.deps.metrics);
      return;
    }
    this.summary.status = 'partial';
    this.summary.reason = `deadline: a call still running at the hard stop was aborted (${errorText(error)}); progress up to the last saved page is kept and the next run continues from there`;
    this.deps.logger.warn(this.summary.reason);
  }

  private stopForDeadline(cursor: WindowCursor, offset: number): void {
    this.summary.status = 'partial';
    this.summary.reason = `deadline near: stopped at offset ${offset} of window ${cursor.start} → ${cursor.end}; progress saved, the next run continues from there`;
    this.deps.logger.info(this.summary.reason);
  }

  /** Keep a short record of the run in the checkpoint, for `status`. */
  private async recordRun(): Promise<void> {
    applyCounts(this.summary, this.delivery.totals);
    const now = new Date(this.deps.clock.now()).toISOString();
    const lastRun = {
      at: now,
      status: this.summary.status,
      pages: this.summary.pages,
      incidents: this.summary.incidents,
      events: this.summary.events,
      quarantined: this.summary.quarantined,
    };
    const state = this.checkpoint.state();
    await this.checkpoint.save({
      ...state,
      // Until a first watermark exists, the lag is measured from the first run (so the lag alarm sees it).
      firstRunAt: state.firstRunAt ?? new Date(this.started).toISOString(),
      lastRun,
      ...(this.summary.status === 'complete' ? { lastSuccess: now } : {}),
    });
  }

  private finish(): RunSummary {
    applyCounts(this.summary, this.delivery.totals);
    return finishSummary(
      this.summary,
      this.checkpoint.checkpoint,
      this.checkpoint.version,
      this.deps.clock.now(),
      this.started,
      this.deps.metrics,
    );
  }
}

function maxIso(a: string | undefined, b: string): string {
  if (!a) return b;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
