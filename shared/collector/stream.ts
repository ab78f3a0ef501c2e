import { ConnectorError, FATAL_KINDS, isConnectorError } from '../errors.ts';
import type { Checkpoint, CheckpointStore, StreamProgress } from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import { type Logger, MetricNames, type Metrics } from '../ports/logger.ts';
import type { EventStreamClient, StreamEnd } from '../symantec/event-stream.ts';
import type { RunStatus } from './collect.ts';
import type { TelemetryDelivery, TelemetryOrigin } from './telemetry-delivery.ts';

export interface StreamCollectorDeps {
  client: EventStreamClient;
  store: CheckpointStore;
  delivery: TelemetryDelivery;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export interface StreamCollectOptions {
  /** Tenant name (settings.tenant): checkpoint keys are `<tenant>.stream.<streamId>.<channel>`. */
  tenant: string;
  streamId: string;
  /** Channels this run reads (all of 0..n-1, or the one a fanned-out invocation owns). */
  channels: number[];
  owner: string;
  /** Epoch ms by which the run must have stopped. */
  deadline: number;
  /** `connectionTimeout` sent to the API. */
  connectionTimeout: number;
  /** Stop starting reads this long before the deadline; a read in progress is cut at half of it. */
  deadlineMarginMs: number;
  /** Longest single read (default: up to the deadline). */
  maxReadMs?: number;
  /** Deliver (and save the cursor) every this many events at most (default 5000). */
  batchEvents?: number;
  /**
   * …or once the lines read since the last delivery reach this many bytes (default 512 KiB, or
   * 8 MiB when the sink encodes documents as they are added): the parsed events of a batch are
   * several times their text, so this bounds memory while a 100 MB response streams in, whatever the
   * event sizes. Documents a sink takes as objects live until it has them: at 512 KiB few survive a
   * young-generation collection (with 1 MiB, 3.5 times the bytes were promoted to the old generation
   * and the run cost about 9 % more CPU; docs/telemetry.md, benchmark). Encoded ones are bytes outside
   * the heap, so a larger batch only saves files and checkpoint saves.
   */
  batchBytes?: number;
  /** Stop after this many reads per channel even if more data follows (default unlimited). */
  maxReads?: number;
  onProgress?: (channel: number, events: number) => void;
}

/** An interval of events a 410 made unrecoverable: from the newest delivered to the first read after. */
export interface LostInterval {
  channel: number;
  at: string;
  /** Newest `log_time` delivered before the cursor expired (unknown before the first delivery). */
  from?: string;
  /** First `log_time` read from the fresh cursor (unknown until an event arrives). */
  to?: string;
}

export interface ChannelSummary {
  channel: number;
  status: 'caught_up' | 'partial' | 'skipped' | 'failed';
  reason?: string;
  reads: number;
  lines: number;
  bytes: number;
  events: number;
  quarantined: number;
  duplicatesSkipped: number;
  cutReads: number;
  cursorExpired: number;
  lost: LostInterval[];
  apiRequests: number;
  apiRetries: number;
  lagSeconds: number | undefined;
  checkpointVersion: number;
  error?: { kind: string; message: string; retryable: boolean };
}

export interface StreamRunSummary {
  status: RunStatus;
  tenant: string;
  streamId: string;
  reason?: string;
  channels: ChannelSummary[];
  events: number;
  quarantined: number;
  duplicatesSkipped: number;
  alerts: number;
  cursorExpired: number;
  lost: LostInterval[];
  lagSeconds: number | undefined;
  durationMs: number;
  output: string;
}

/** Line bytes read before a delivery at the latest (see `batchBytes`). */
export const DEFAULT_BATCH_BYTES = 512 * 1024;
/** …when the sink encodes documents as they are added (`Sink.batch`). */
export const ENCODED_BATCH_BYTES = 8 * 1024 * 1024;

/** Consecutive reads that were cut before a single line arrived: stop instead of spinning. */
const MAX_EMPTY_CUTS = 3;

export function streamCheckpointKey(tenant: string, streamId: string, channel: number): string {
  return `${tenant}.stream.${streamId}.${channel}`;
}

/**
 * One Event Stream run: per channel (concurrently, each under its own lease and checkpoint), read →
 * deliver → save the last delivered line's `next`, until 204 (caught up) or the deadline. A 410
 * restarts the channel once from a fresh cursor and records the lost interval; a second 410 in the
 * same run fails the channel (never a crash loop).
 */
export async function collectStream(
  deps: StreamCollectorDeps,
  options: StreamCollectOptions,
  output = '',
): Promise<StreamRunSummary> {
  const started = deps.clock.now();
  const hardStop = new AbortController();
  const hardStopMs = options.deadline - started - options.deadlineMarginMs / 2;
  const timer = setTimeout(() => hardStop.abort(new Error('deadline')), Math.max(0, hardStopMs));
  timer.unref?.();
  let channels: ChannelSummary[];
  try {
    channels = await Promise.all(
      options.channels.map((channel) => new ChannelRun(deps, options, channel, hardStop.signal).run()),
    );
  } finally {
    clearTimeout(timer);
  }
  const sum = (f: (c: ChannelSummary) => number) => channels.reduce((a, c) => a + f(c), 0);
  const failed = channels.filter((c) => c.status === 'failed');
  const status: RunStatus =
    failed.length > 0
      ? 'failed'
      : channels.some((c) => c.status === 'partial')
        ? 'partial'
        : channels.length > 0 && channels.every((c) => c.status === 'skipped')
          ? 'skipped'
          : 'complete';
  const lags = channels.map((c) => c.lagSeconds).filter((l): l is number => l !== undefined);
  const summary: StreamRunSummary = {
    status,
    tenant: options.tenant,
    streamId: options.streamId,
    channels,
    events: sum((c) => c.events),
    quarantined: sum((c) => c.quarantined),
    duplicatesSkipped: sum((c) => c.duplicatesSkipped),
    alerts: deps.delivery.totals.alerts,
    cursorExpired: sum((c) => c.cursorExpired),
    lost: channels.flatMap((c) => c.lost),
    lagSeconds: lags.length ? Math.max(...lags) : undefined,
    durationMs: deps.clock.now() - started,
    output,
  };
  const reasons = channels.filter((c) => c.reason).map((c) => `channel ${c.channel}: ${c.reason}`);
  if (reasons.length) summary.reason = reasons.join('; ');
  const { metrics } = deps;
  if (summary.lagSeconds !== undefined)
    metrics.add(MetricNames.streamLagSeconds, summary.lagSeconds, 'Seconds');
  metrics.add(MetricNames.runDuration, summary.durationMs, 'Milliseconds');
  if (status === 'complete' || status === 'partial') metrics.add(MetricNames.runSucceeded, 1);
  if (status === 'partial') metrics.add(MetricNames.runPartial, 1);
  if (status === 'failed') metrics.add(MetricNames.runFailed, 1);
  return summary;
}

class ChannelRun {
  private readonly key: string;
  private version = 0;
  private progress: StreamProgress = {};
  private readonly summary: ChannelSummary;
  /** Set after a 410 until the first event of the fresh cursor names the end of the lost interval. */
  private openLoss: LostInterval | undefined;

  constructor(
    private readonly deps: StreamCollectorDeps,
    private readonly options: StreamCollectOptions,
    private readonly channel: number,
    private readonly hardStop: AbortSignal,
  ) {
    this.key = streamCheckpointKey(options.tenant, options.streamId, channel);
    this.summary = {
      channel,
      status: 'caught_up',
      reads: 0,
      lines: 0,
      bytes: 0,
      events: 0,
      quarantined: 0,
      duplicatesSkipped: 0,
      cutReads: 0,
      cursorExpired: 0,
      lost: [],
      apiRequests: 0,
      apiRetries: 0,
      lagSeconds: undefined,
      checkpointVersion: 0,
    };
  }

  async run(): Promise<ChannelSummary> {
    const { store, clock, logger, metrics } = this.deps;
    try {
      const held = await store.acquireLease(this.key, this.options.owner, this.options.deadline, clock.now());
      if (held) {
        this.summary.status = 'skipped';
        this.summary.reason = `another run (${held.owner}) holds the lease of ${this.key} until ${new Date(held.expiresAt).toISOString()}`;
        logger.warn(this.summary.reason);
        metrics.add(MetricNames.leaseHeld, 1);
        return this.summary;
      }
    } catch (error) {
      this.fail(error);
      return this.summary;
    }
    try {
      const checkpoint: Checkpoint | undefined = await store.load(this.key);
      this.version = checkpoint?.version ?? 0;
      this.progress = { ...(checkpoint?.stream ?? {}) };
      const expired = this.progress.lastExpired;
      if (expired && expired.lostTo === undefined) {
        // A run restarted after a 410 but stopped before the first event of the fresh cursor: that
        // event, read now, still closes the lost interval.
        this.openLoss = {
          channel: this.channel,
          at: expired.at,
          ...(expired.lostFrom ? { from: expired.lostFrom } : {}),
        };
        this.summary.lost.push(this.openLoss);
      }
      await this.readUntilDone();
    } catch (error) {
      this.fail(error);
    } finally {
      try {
        await store.releaseLease(this.key, this.options.owner);
      } catch (error) {
        logger.warn('could not release the stream lease; it expires at the deadline', {
          key: this.key,
          error: String(error),
        });
      }
    }
    const newest = this.progress.newestLogTime ? Date.parse(this.progress.newestLogTime) : undefined;
    this.summary.lagSeconds =
      this.summary.status === 'caught_up'
        ? 0
        : newest === undefined
          ? undefined
          : Math.max(0, Math.round((clock.now() - newest) / 1000));
    this.summary.checkpointVersion = this.version;
    return this.summary;
  }

  private deadlineNear(): boolean {
    return this.options.deadline - this.deps.clock.now() < this.options.deadlineMarginMs;
  }

  private async readUntilDone(): Promise<void> {
    const { client, clock } = this.deps;
    let restarted = false;
    let emptyCuts = 0;
    for (let reads = 0; ; reads++) {
      if (this.options.maxReads !== undefined && reads >= this.options.maxReads) {
        this.partial(
          `stopped after ${reads} reads (--max-reads); the next run continues from the saved cursor`,
        );
        return;
      }
      if (this.deadlineNear() || this.hardStop.aborted) {
        this.partial(
          'deadline near: the cursor of the last delivered line is saved; the next run continues from it',
        );
        return;
      }
      const left = this.options.deadline - clock.now() - this.options.deadlineMarginMs / 2;
      const readMs = Math.max(1, Math.min(this.options.maxReadMs ?? left, left));
      const cursor = this.progress.cursor;
      let response: Awaited<ReturnType<EventStreamClient['open']>>;
      this.summary.reads++;
      try {
        response = await client.open({
          streamId: this.options.streamId,
          channel: this.channel,
          ...(cursor ? { cursor } : {}),
          connectionTimeout: this.options.connectionTimeout,
          readMs,
          signal: this.hardStop,
        });
      } catch (error) {
        if (this.hardStop.aborted) {
          this.partial('deadline reached while opening a read');
          return;
        }
        if (isConnectorError(error) && error.kind === 'cursor_expired' && !restarted && cursor) {
          restarted = true;
          await this.restartAfterExpiry();
          continue;
        }
        throw error;
      }
      this.summary.apiRequests += response.requests;
      this.summary.apiRetries += response.retries;
      if (response.status === 204) {
        // 204, or nothing at all before our bound: caught up either way.
        return;
      }
      const lines = await this.consume(response, cursor);
      const end: StreamEnd | undefined = response.outcome.end;
      // An empty 200 body that ended normally says the same as a 204.
      if (end === 'end' && lines === 0) return;
      if (end === 'cut') {
        this.summary.cutReads++;
        emptyCuts = lines === 0 ? emptyCuts + 1 : 0;
        if (emptyCuts >= MAX_EMPTY_CUTS) {
          throw new ConnectorError(
            'network',
            `${MAX_EMPTY_CUTS} reads in a row were cut before a complete line`,
            {
              action: 'Check the network path to the API; the cursor is saved at the last delivered line',
              details: { reason: response.outcome.cutReason },
            },
          );
        }
      }
      if (end === 'deadline') {
        this.partial('deadline reached mid-read: the cursor of the last delivered line is saved');
        return;
      }
    }
  }

  /** Read the lines of one response, delivering every `batchEvents` and saving the last line's `next`. */
  private async consume(
    response: Awaited<ReturnType<EventStreamClient['open']>>,
    from: string | undefined,
  ): Promise<number> {
    const batchEvents = Math.max(1, this.options.batchEvents ?? 5000);
    const { streamId } = this.options;
    const { delivery } = this.deps;
    // Each line's events are normalized as it arrives: its parsed events are garbage at once.
    let batch = delivery.batch();
    const batchBytes = Math.max(
      1,
      this.options.batchBytes ?? (batch.encoded ? ENCODED_BATCH_BYTES : DEFAULT_BATCH_BYTES),
    );
    let pendingBytes = 0;
    const origin: TelemetryOrigin = {
      source: 'stream',
      where: `stream ${streamId} channel ${this.channel} from cursor ${from ?? '(fresh)'}`,
    };
    let invalid: { raw: unknown; reason: string }[] = [];
    let next: string | undefined;
    let newest = this.progress.newestLogTime
      ? Date.parse(this.progress.newestLogTime)
      : Number.NEGATIVE_INFINITY;
    let lines = 0;
    const flush = async () => {
      if (batch.events === 0 && invalid.length === 0 && next === undefined) return;
      const counts = await delivery.deliverNormalized(batch, origin, invalid);
      this.summary.events += counts.events;
      this.summary.quarantined += counts.quarantined;
      this.summary.duplicatesSkipped += counts.duplicatesSkipped;
      const progress: StreamProgress = { ...this.progress };
      if (next !== undefined) progress.cursor = next;
      if (Number.isFinite(newest)) progress.newestLogTime = new Date(newest).toISOString();
      await this.save(progress);
      this.options.onProgress?.(this.channel, this.summary.events);
      batch = delivery.batch();
      invalid = [];
      next = undefined;
      pendingBytes = 0;
    };
    for await (const item of response.lines()) {
      lines++;
      this.summary.lines++;
      this.summary.bytes += item.bytes;
      pendingBytes += item.bytes;
      if (item.kind === 'invalid') {
        invalid.push({
          raw: item.text,
          reason: `${item.reason} (stream ${streamId} channel ${this.channel}, read from cursor ${from ?? '(fresh)'})`,
        });
        continue;
      }
      for (const bad of item.invalid ?? []) {
        invalid.push({
          raw: bad.raw,
          reason: `${bad.reason} (stream ${streamId} channel ${this.channel}, read from cursor ${from ?? '(fresh)'})`,
        });
      }
      for (const e of item.events) {
        const t = logTimeOf(e);
        if (t !== undefined) {
          if (t > newest) newest = t;
          if (this.openLoss && this.openLoss.to === undefined) this.closeLoss(t);
        }
      }
      delivery.normalizeInto(batch, item.events, origin);
      // The parsed events are done with: let them go before the awaits of a delivery.
      item.events = [];
      if (item.next !== undefined) next = item.next;
      if (batch.events >= batchEvents || pendingBytes >= batchBytes) await flush();
    }
    await flush();
    return lines;
  }

  private closeLoss(firstLogTime: number): void {
    if (!this.openLoss) return;
    this.openLoss.to = new Date(firstLogTime).toISOString();
    this.progress.lastExpired = {
      at: this.openLoss.at,
      ...(this.openLoss.from ? { lostFrom: this.openLoss.from } : {}),
      lostTo: this.openLoss.to,
    };
    this.deps.logger.warn(
      `Event Stream ${this.options.streamId} channel ${this.channel}: events with log_time between ${this.openLoss.from ?? 'the start'} and ${this.openLoss.to} were lost to the cursor expiry`,
      { lost: this.openLoss },
    );
    this.openLoss = undefined;
  }

  private async restartAfterExpiry(): Promise<void> {
    const { clock, logger, metrics } = this.deps;
    const at = new Date(clock.now()).toISOString();
    const loss: LostInterval = {
      channel: this.channel,
      at,
      ...(this.progress.newestLogTime ? { from: this.progress.newestLogTime } : {}),
    };
    this.summary.cursorExpired++;
    this.summary.lost.push(loss);
    this.openLoss = loss;
    metrics.add(MetricNames.streamCursorExpired, 1);
    logger.warn(
      `Event Stream ${this.options.streamId} channel ${this.channel}: the cursor expired (410); events after log_time ${loss.from ?? '(none delivered yet)'} that the API no longer keeps are lost. Restarting from a fresh cursor`,
      { streamId: this.options.streamId, channel: this.channel, lostFrom: loss.from },
    );
    const { cursor: _dropped, ...rest } = this.progress;
    // Saved at once: a crash now must not send the next run into the same 410.
    await this.save({
      ...rest,
      lastExpired: { at, ...(loss.from ? { lostFrom: loss.from } : {}) },
      expiries: (this.progress.expiries ?? 0) + 1,
    });
  }

  private async save(progress: StreamProgress): Promise<void> {
    const saved = await this.deps.store.save(this.key, { stream: progress }, this.version);
    this.version = saved.version;
    this.progress = { ...(saved.stream ?? progress) };
  }

  private partial(reason: string): void {
    this.summary.status = 'partial';
    this.summary.reason = reason;
    this.deps.logger.info(`channel ${this.channel}: ${reason}`);
  }

  private fail(error: unknown): void {
    const { logger, metrics } = this.deps;
    const e = isConnectorError(error)
      ? error
      : new ConnectorError(
          'server',
          `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
    this.summary.status = 'failed';
    this.summary.error = { kind: e.kind, message: e.message, retryable: e.retryable };
    this.summary.reason = `${e.kind} error: ${e.message} (cursor unchanged since the last delivered line)`;
    if (e.kind === 'config') metrics.add(MetricNames.configError, 1);
    else if (FATAL_KINDS.has(e.kind)) metrics.add(MetricNames.credentialError, 1);
    if (e.kind === 'sink') {
      const failedCount = e.details?.['failedCount'];
      metrics.add(MetricNames.sinkFailedRecords, typeof failedCount === 'number' ? failedCount : 1);
    }
    logger.error(`Event Stream channel ${this.channel}: ${this.summary.reason}`, { kind: e.kind });
  }
}

function logTimeOf(event: unknown): number | undefined {
  if (!event || typeof event !== 'object') return undefined;
  const v = (event as { log_time?: unknown }).log_time;
  const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
}
