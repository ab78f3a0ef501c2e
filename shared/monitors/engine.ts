/**
 * The monitor engine: evaluates the rules over each delivered batch of documents and remembers, in the
 * checkpoint store, what the stateful rules need and which alerts already fired. `evaluate` proposes the
 * alerts; its `commit()`, called once they were written and published, records them as fired (and saves
 * the state at most every `saveIntervalMs`). An evaluation not committed (the publish failed) is thrown
 * away with the in-memory state, so the re-delivered batch fires the same alerts again; a failed save
 * throws from `commit`.
 */
import type { CheckpointStore } from '../ports/checkpoint-store.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { OutputDocument } from '../ports/document.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { Evaluation, MonitorEvaluator, MonitorInput } from '../ports/monitors.ts';
import { type Alert, type AlertDraft, alertId, buildAlert } from './alert.ts';
import type { MonitorsConfig } from './config.ts';
import { CidrMatcher, type CountryLookup, loadGeoipCountry } from './geo.ts';
import {
  cynicHighRiskThreat,
  embargoedDevice,
  embargoedLocation,
  highPriorityOrSeverityIncident,
  highSeverityMaliciousFile,
  impactedDevicesSpike,
  type RuleContext,
  sandboxMaliciousFile,
  suspiciousPathExecution,
  unresolvedIncidentAging,
} from './rules.ts';
import { firedKey, type MonitorState, MonitorStateStore } from './state.ts';
import { telemetryEventView } from './telemetry-view.ts';
import { type EventView, eventView, type IncidentView, incidentView } from './views.ts';

const DAY = 86_400_000;

export interface MonitorEngineOptions {
  config: MonitorsConfig;
  store: CheckpointStore;
  tenant: string;
  logger?: Logger;
  clock?: Clock;
  /** Country resolver; default: geoip-country, loaded on first use when a country list is set. */
  lookupCountry?: CountryLookup;
  /**
   * Save the state at most this often (ms of the clock) and on `flush()`; default 0: after every batch.
   * The collector sets 30 s: saving after every page made a large tenant's run quadratic, since the state
   * grows with the alerts it remembers. A crash between saves re-sends at most those alerts (same ids).
   */
  saveIntervalMs?: number;
}

export interface MonitorEngine extends MonitorEvaluator {
  readonly config: MonitorsConfig;
  /** Evaluates the rules over a delivered batch: the new alerts (never one that fired before) and their commit. */
  evaluate(batch: OutputDocument[] | MonitorInput): Promise<Evaluation<Alert>>;
  /** What the rules read of one batch (the views of its documents), taken as the documents are made. */
  input(): MonitorInput;
  /** `evaluate` then `commit` at once (for callers with nothing to publish in between, and tests). */
  evaluateAndCommit(docs: OutputDocument[]): Promise<Alert[]>;
  /** Saves the state if batches were evaluated since the last save. */
  flush(): Promise<void>;
}

/**
 * The views the rules read of one batch, built as its documents are added (a document is not kept):
 * incidents, events and, when enabled, telemetry above the severity floor.
 */
class RuleInput implements MonitorInput {
  readonly incidents: IncidentView[] = [];
  readonly events: EventView[] = [];
  /** Telemetry reaches only the file rules, and only above the severity floor (no flooding). */
  readonly telemetry: EventView[] = [];
  readonly urls = new Map<string, string>();
  namespace: string | undefined;

  constructor(private readonly tcfg: MonitorsConfig['telemetry']) {}

  add(d: OutputDocument): void {
    if (d.dataset === 'telemetry') {
      if (!this.tcfg.enabled) return;
      const t = telemetryEventView(d);
      if (t && t.severityId !== undefined && t.severityId >= this.tcfg.minSeverityId) {
        this.telemetry.push(t);
        this.namespace ??= t.namespace;
      }
      return;
    }
    const i = incidentView(d);
    if (i) {
      this.incidents.push(i);
      if (i.url) this.urls.set(i.incidentUid, i.url);
      this.namespace ??= i.namespace;
      return;
    }
    const e = eventView(d);
    if (e) {
      this.events.push(e);
      this.namespace ??= e.namespace;
    }
  }
}

/** How often (clock ms) a batch sweeps the expired entries out of the state. */
const SWEEP_INTERVAL_MS = 5 * 60_000;

/** Creates the engine for one tenant. State is loaded on the first `evaluate` and cached for the run. */
export function createMonitorEngine(options: MonitorEngineOptions): MonitorEngine {
  return new Engine(options);
}

class Engine implements MonitorEngine {
  readonly config: MonitorsConfig;
  private readonly states: MonitorStateStore;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly cidrs: CidrMatcher;
  private readonly countries: ReadonlySet<string>;
  private lookupCountry: CountryLookup | undefined;
  private state: MonitorState | undefined;
  private dirty = false;
  /** The evaluation whose alerts are not yet committed; its changes live only in `this.state`. */
  private uncommitted: object | undefined;
  private lastSave: number | undefined;
  private readonly saveIntervalMs: number;
  /** Clock time from which the next batch sweeps expired state (`RuleContext.sweep`). */
  private nextSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: MonitorEngineOptions) {
    this.config = options.config;
    this.states = new MonitorStateStore(options.store, options.tenant);
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    const loc = options.config.rules.embargoedLocation;
    this.cidrs = new CidrMatcher(loc.enabled ? loc.cidrs : []);
    this.countries = new Set(loc.enabled ? loc.countries.map((c) => c.toUpperCase()) : []);
    this.lookupCountry = options.lookupCountry;
    this.saveIntervalMs = options.saveIntervalMs ?? 0;
  }

  /** An evaluation never committed: drop its in-memory changes so they are never saved. */
  private discardUncommitted(): void {
    if (!this.uncommitted) return;
    this.uncommitted = undefined;
    this.state = undefined;
    this.dirty = false;
  }

  async evaluateAndCommit(docs: OutputDocument[]): Promise<Alert[]> {
    const evaluation = await this.evaluate(docs);
    await evaluation.commit();
    return evaluation.alerts;
  }

  async flush(): Promise<void> {
    this.discardUncommitted();
    if (!this.dirty || !this.state) return;
    await this.persist(this.state, { incidents: 0, events: 0, alerts: 0 });
  }

  private async persist(state: MonitorState, counts: Record<string, number>): Promise<void> {
    try {
      const size = await this.states.save(state);
      this.state = state;
      this.dirty = false;
      this.lastSave = this.clock.now();
      this.logger.debug('monitors state saved', { ...counts, stateChars: size });
    } catch (error) {
      // The in-memory state ran ahead of the stored one: drop it so a retry starts from the store.
      this.state = undefined;
      this.dirty = false;
      throw error;
    }
  }

  input(): RuleInput {
    return new RuleInput(this.config.telemetry);
  }

  async evaluate(batch: OutputDocument[] | MonitorInput): Promise<Evaluation<Alert>> {
    let input: RuleInput;
    if (Array.isArray(batch)) {
      input = this.input();
      for (const d of batch) input.add(d);
    } else if (batch instanceof RuleInput) input = batch;
    else throw new TypeError('monitors: evaluate() takes documents or an input made by this engine');
    this.discardUncommitted();
    const { incidents, events, telemetry, urls } = input;
    const namespace = input.namespace;
    if (this.countries.size > 0 && !this.lookupCountry && events.some((e) => e.ips.length > 0)) {
      this.lookupCountry = await loadGeoipCountry();
    }

    let state: MonitorState;
    try {
      state = this.state ?? (await this.states.load());
    } catch (error) {
      this.state = undefined;
      throw error;
    }
    const now = this.clock.now();
    const retentionMs = this.config.dedupRetentionDays * DAY;
    const alerts: Alert[] = [];
    const base = this.config.consoleBaseUrl;
    const ctx: RuleContext = {
      rules: this.config.rules,
      state,
      now,
      retentionMs,
      sweep: now >= this.nextSweep,
      urlFor: (uid) =>
        uid === undefined
          ? undefined
          : (urls.get(uid) ?? `${base}/v2/incidents/incidentListing/${encodeURIComponent(uid)}/details`),
      emit: (draft: AlertDraft) => {
        const id = alertId(draft.rule, draft.causeKey);
        const key = firedKey(id);
        // An id past retention is as good as swept (`sweep`): it fires again.
        const seen = state.fired[key];
        const known = seen !== undefined && seen >= now - retentionMs;
        state.fired[key] = now;
        if (known) return false;
        alerts.push(buildAlert(draft, { tenant: this.options.tenant, now, namespace }));
        return true;
      },
      listUrl: `${base}/v2/incidents/incidentListing`,
      cidrs: this.cidrs,
      countries: this.countries,
      lookupCountry: this.lookupCountry,
    };

    highPriorityOrSeverityIncident(ctx, incidents);
    embargoedDevice(ctx, events);
    const fileEvents = telemetry.length > 0 ? [...events, ...telemetry] : events;
    suspiciousPathExecution(ctx, fileEvents);
    cynicHighRiskThreat(ctx, fileEvents);
    highSeverityMaliciousFile(ctx, fileEvents);
    embargoedLocation(ctx, events);
    sandboxMaliciousFile(ctx, fileEvents);
    impactedDevicesSpike(ctx, events);
    unresolvedIncidentAging(ctx, incidents);

    if (ctx.sweep) {
      for (const id in state.fired)
        if ((state.fired[id] as number) < now - retentionMs) delete state.fired[id];
      this.nextSweep = now + SWEEP_INTERVAL_MS;
    }

    this.state = state;
    const token = {};
    this.uncommitted = token;
    // One line per batch at INFO; the alerts themselves go to their destinations (and DEBUG here).
    if (alerts.length > 0) {
      const byRule: Record<string, number> = {};
      for (const a of alerts) byRule[a.rule] = (byRule[a.rule] ?? 0) + 1;
      this.logger.info(`${alerts.length} new alert(s)`, { byRule });
    }
    for (const a of alerts) {
      this.logger.debug('alert', { rule: a.rule, id: a.id, severity: a.severity, title: a.title });
    }
    const counts = { incidents: incidents.length, events: events.length, alerts: alerts.length };
    return {
      alerts,
      commit: async () => {
        if (this.uncommitted !== token) {
          throw new Error('monitors: commit of an evaluation that was discarded or already committed');
        }
        this.uncommitted = undefined;
        this.dirty = true;
        this.lastSave ??= now;
        if (this.saveIntervalMs === 0 || now - this.lastSave >= this.saveIntervalMs) {
          await this.persist(state, counts);
        }
      },
    };
  }
}
