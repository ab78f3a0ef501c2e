/**
 * The seeded fault soak of the Lambda handler, shared by `npm run soak` (bench/soak.ts), the shorter
 * soak in `npm test` and the leak scan. It drives the Lambda rig (test/helpers/lambda-rig.ts).
 */
import type { HistoryGap } from '../shared/collector/window.ts';
import type { Fault } from '../shared/simulator/faults.ts';
import {
  auditDelivery,
  describePersonality,
  type FaultKind,
  generateIncidents,
  type Personality,
  resolvePersonality,
  type VersionTruth,
} from '../shared/simulator/index.ts';
import { Prng } from '../shared/simulator/prng.ts';
import {
  checkpointRegressions,
  type Invocation,
  type LambdaRig,
  startLambdaRig,
} from '../test/helpers/lambda-rig.ts';
import { MovingClock } from '../test/helpers/moving-clock.ts';

const MINUTE = 60_000;
const DAY = 24 * MINUTE * 60;

export const SOAK_FAULT_KINDS = [
  'rate_limit',
  'server_error',
  'slow',
  'truncated',
  'malformed',
  'invalid_items',
  'token_expired',
  'duplicate',
  'firehose_partial',
  'firehose_throttle',
  'crash',
  'deadline',
  'concurrent',
  'pause',
] as const;
export type SoakFaultKind = (typeof SOAK_FAULT_KINDS)[number];

export interface SoakOptions {
  seed: number;
  /** Scheduled runs (every 5 simulated minutes); the final catch-up runs come on top. */
  runs: number;
  /** Probability that a scheduled run gets each API fault drawn for it (default 0.5). */
  faultRate?: number;
  /** Incidents before the start (over 6 h) and arriving during the soak. */
  incidents?: number;
  /**
   * Run number (1-based) after which the clock pauses for longer than the history limit (0: never;
   * default two thirds in). Runs 2-15 force one fault kind each, so give at least 16 runs.
   */
  pauseAfter?: number;
  passThrough?: boolean;
  /** API personality (default: the documented defaults); see shared/simulator/personality.ts. */
  personality?: Partial<Personality>;
}

export interface SoakResult {
  bench: 'soak';
  /** The personality in `parsePersonality` form. */
  personality: string;
  seed: number;
  runs: number;
  faults: Record<string, number>;
  generated: number;
  delivered: number;
  lost: number;
  /** Versions the API never let any poll observe (latest-only: overwritten in between); not loss. */
  unobservable: number;
  history_gap: number;
  duplicates: number;
  quarantined: number;
  regressions: number;
  events_generated: number;
  events_lost: number;
  skipped_runs: number;
  failed_runs: number;
  partial_runs: number;
  /** Details for assertions and the leak scan (not printed). */
  detail: {
    lostKeys: string[];
    /** The lost versions in full (type, state, whether the soak wrote them), for failure notes. */
    lostVersions: VersionTruth[];
    /** Versions served corrupted that no quarantine document stands for (must be empty). */
    unquarantined: string[];
    regressionText: string[];
    gaps: HistoryGap[];
    rig: LambdaRig;
  };
}

const RUN_EVERY = 5 * MINUTE;
const DEADLINE = 4 * MINUTE;
const REQUEST_TIMEOUT_MS = 1000;

/**
 * Drive `runs` scheduled Lambda runs under a seeded mix of faults, then catch up without faults, and
 * audit the delivered documents against the simulator's ground truth. The rig stays open (for the leak
 * scan): close it with `result.detail.rig.close()`.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const prng = new Prng(options.seed * 7919 + 17);
  const runs = options.runs;
  const rate = options.faultRate ?? 0.5;
  const soakHours = (runs * RUN_EVERY) / (60 * MINUTE);
  const personality = resolvePersonality(options.personality);
  const rig = await startLambdaRig({
    personality,
    ...(personality.clockRate > 0 ? { clock: new MovingClock(Date.now(), personality.clockRate) } : {}),
    seed: options.seed,
    incidents: options.incidents ?? 400,
    spanHours: 6,
    futureHours: soakHours,
    ...(options.passThrough !== undefined ? { passThrough: options.passThrough } : {}),
    env: {
      SES_PAGE_SIZE: '40',
      SES_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      SES_INITIAL_LOOKBACK_MINUTES: String(8 * 60),
      SES_MAX_WINDOW_MINUTES: '120',
      // Under a creation-time filter only the re-read sees updates of older incidents, so an update is
      // caught at the next re-read; the soak's 31-day pause comes 50 minutes in, and with the hourly
      // default the updates of the last hour before it would age out of the API's history uncollected
      // (docs/reliability.md, "Known limits"). Re-reading every run shows nothing else is lost.
      ...(personality.filterOn === 'created' ? { SES_OPEN_SWEEP_MINUTES: '5' } : {}),
      // The collector is told the API's cap, as an operator would be.
      ...(personality.resultCap !== undefined ? { SES_RESULT_CAP: String(personality.resultCap) } : {}),
    },
  });
  const { sim, clock, firehose, dynamo } = rig;
  const faults: Record<string, number> = Object.fromEntries(SOAK_FAULT_KINDS.map((k) => [k, 0]));
  const pauseAfter = options.pauseAfter ?? Math.floor((runs * 2) / 3);
  const gaps: HistoryGap[] = [];
  let container = rig.container();
  const dataRequests = () => sim.requestLog.filter((e) => e.target === 'incidents').length;
  const apiFaults: SoakFaultKind[] = [
    'rate_limit',
    'server_error',
    'slow',
    'truncated',
    'malformed',
    'invalid_items',
    'token_expired',
    'duplicate',
  ];

  const pinFault = (kind: SoakFaultKind): void => {
    const at = dataRequests() + prng.int(1, 3);
    const fault = apiFault(kind, prng);
    if (fault) sim.faults.at(at, fault);
  };

  for (let i = 1; i <= runs; i++) {
    clock.advance(RUN_EVERY);
    // Analysts move incidents forward between runs (personality).
    sim.updateIncidents(personality.betweenRunUpdates);
    // A new container now and then (cold start: fresh wiring, empty dedup memory and token cache).
    if (prng.chance(0.2)) container = rig.container();
    // Runs 2..15 each force one kind in turn, so every kind occurs; random faults come on top.
    const forced: SoakFaultKind | undefined = i >= 2 ? SOAK_FAULT_KINDS[i - 2] : undefined;
    for (const kind of apiFaults) if (forced === kind || prng.chance(rate / 3)) pinFault(kind);
    if (forced === 'firehose_partial') firehose.plan.push('partial');
    else if (forced === 'firehose_throttle') firehose.plan.push('throttle');
    else if (prng.chance(rate / 4)) firehose.plan.push(prng.chance(0.5) ? 'partial' : 'throttle');
    const crash = forced === 'crash' || prng.chance(rate / 8);
    dynamo.arm(crash ? { checkpointWrites: 1, keepLease: prng.chance(0.5) } : undefined);
    // The first run drains a backlog: give it a tight deadline so it stops mid-window.
    const deadline = i === 1 || forced === 'deadline' || prng.chance(rate / 8);
    let remaining = DEADLINE;
    if (deadline) {
      remaining = 31_000;
      // The retry after a 429 costs simulated time, so the run reaches its deadline margin mid-window.
      sim.faults.at(dataRequests() + 1, { kind: 'rate_limit', retryAfter: 5 });
      faults.deadline = (faults.deadline ?? 0) + 1;
    }
    const concurrent = forced === 'concurrent' || (i > 1 && prng.chance(rate / 8));
    let outcomes: Invocation[];
    if (concurrent) {
      faults.concurrent = (faults.concurrent ?? 0) + 1;
      outcomes = await Promise.all([
        rig.invoke(container, remaining),
        rig.invoke(rig.container(), remaining),
      ]);
    } else {
      outcomes = [await rig.invoke(container, remaining)];
    }
    for (const o of outcomes) gaps.push(...(o.summary?.historyGaps ?? []));
    dynamo.arm(undefined);
    if (i === pauseAfter) {
      // Collection stops for longer than the API keeps incidents; new incidents keep arriving afterwards.
      faults.pause = (faults.pause ?? 0) + 1;
      clock.advance(31 * DAY);
      const left = (runs - i) * RUN_EVERY;
      sim.addIncidents(
        generateIncidents({
          seed: options.seed + 1_000_003,
          incidents: Math.max(
            20,
            Math.round(((options.incidents ?? 400) * left) / ((soakHours + 6) * 3_600_000)),
          ),
          from: clock.now() - 2 * 3_600_000,
          to: clock.now() + left,
          latestRecordTime: clock.now() + left,
          firstRef: 900_000,
        }),
      );
    }
  }
  // Catch up without faults and with nothing changing any more, as the next quiet runs would: until a
  // run is complete and a re-read of open incidents has run since the API went quiet.
  sim.faults.clear();
  sim.setScanUpdateRate(0);
  firehose.plan.length = 0;
  let caughtUp = false;
  // Two finished re-reads: the first may have begun (and listed the incidents to check) before the API
  // went quiet; the second began after it.
  let rereads = 0;
  for (let i = 0; i < 60 && !(caughtUp && rereads >= 2); i++) {
    clock.advance(RUN_EVERY);
    const o = await rig.invoke(container);
    gaps.push(...(o.summary?.historyGaps ?? []));
    caughtUp = o.summary?.status === 'complete';
    if (o.summary?.openSweep === 'done') rereads++;
  }
  for (const a of sim.faults.applied) {
    const kind = a.fault.kind;
    faults[kind] = (faults[kind] ?? 0) + 1;
  }
  // The deadline runs' 429s are counted as deadline, not rate_limit.
  faults.rate_limit = Math.max(0, (faults.rate_limit ?? 0) - (faults.deadline ?? 0));
  faults.firehose_partial = firehose.partialCalls;
  faults.firehose_throttle = firehose.throttledCalls;
  faults.crash = dynamo.crashes;

  const result = evaluate(rig, gaps);
  return {
    bench: 'soak',
    personality: describePersonality(personality),
    seed: options.seed,
    runs: rig.invocations.length,
    faults,
    ...result.figures,
    skipped_runs: rig.invocations.filter((o) => o.summary?.status === 'skipped').length,
    failed_runs: rig.invocations.filter((o) => o.error).length,
    partial_runs: rig.invocations.filter((o) => o.summary?.status === 'partial').length,
    detail: {
      lostKeys: result.lostKeys,
      lostVersions: result.lostVersions,
      unquarantined: result.unquarantined,
      regressionText: result.regressions,
      gaps,
      rig,
    },
  };
}

function apiFault(kind: SoakFaultKind, prng: Prng): Fault | undefined {
  switch (kind) {
    case 'rate_limit':
      return { kind: 'rate_limit', retryAfter: prng.int(1, 20) };
    case 'server_error':
      return { kind: 'server_error', status: prng.pick([500, 502, 503, 504] as const) };
    case 'slow':
      return { kind: 'slow', delayMs: REQUEST_TIMEOUT_MS + 500 };
    case 'invalid_items':
      return { kind: 'invalid_items', count: prng.int(1, 2) };
    case 'truncated':
    case 'malformed':
    case 'token_expired':
    case 'duplicate':
      return { kind } as Fault;
    default:
      return undefined;
  }
}

/** Ground truth vs delivered: what the API held up to the final watermark must all be there. */
export function evaluate(
  rig: LambdaRig,
  gaps: readonly HistoryGap[],
): {
  figures: Pick<
    SoakResult,
    | 'generated'
    | 'delivered'
    | 'lost'
    | 'unobservable'
    | 'history_gap'
    | 'duplicates'
    | 'quarantined'
    | 'regressions'
    | 'events_generated'
    | 'events_lost'
  >;
  lostKeys: string[];
  lostVersions: VersionTruth[];
  unquarantined: string[];
  regressions: string[];
} {
  const a = rig.audit();
  const recorded = rig.dynamo.checkpoints;
  const last = recorded.at(-1);
  const upTo = last?.watermark ? Date.parse(last.watermark) : Number.NEGATIVE_INFINITY;
  const inGap = (t: number) => gaps.some((g) => t >= Date.parse(g.from) && t <= Date.parse(g.to));
  // Delivered / quarantined (served corrupted on purpose) / in a reported gap / unobservable under the
  // personality / lost: one bucket per version, from the simulator's ground truth.
  const audit = auditDelivery(rig.sim.groundTruth, a.deliveredVersions, {
    upTo,
    inGap,
    quarantined: a.quarantinedVersions,
  });
  // Under a creation-time filter a search returns an incident's records only while its creation is in
  // the API's history: an incident created inside a reported gap (during the pause, aged out before the
  // collector came back) is unknown to the collector, so none of its versions, even later ones, can be
  // searched or fetched by id. Those count with the gap, not as loss.
  const createdInGap = (v: VersionTruth) =>
    rig.sim.personality.filterOn === 'created' &&
    v.created !== undefined &&
    inGap(Date.parse(String(v.created)));
  const lost = audit.lost.filter((v) => !createdInGap(v));
  const gapByCreation = audit.lost.length - lost.length;
  let eventsGenerated = 0;
  let eventsLost = 0;
  for (const v of rig.sim.groundTruth.versions) {
    if (v.time > upTo || !a.deliveredVersions.has(v.key)) continue;
    for (const uuid of v.eventUuids) {
      eventsGenerated++;
      if (!a.deliveredEvents.has(`${v.incident_uid}\n${uuid}`)) eventsLost++;
    }
  }
  const regressions = checkpointRegressions(recorded);
  const corrupted = new Set(rig.sim.groundTruth.served.filter((x) => !x.valid).map((x) => x.key));
  const unquarantined = [...corrupted].filter((k) => !a.quarantinedVersions.has(k));
  return {
    figures: {
      generated: audit.considered - audit.inGap - gapByCreation,
      delivered: audit.delivered,
      lost: lost.length,
      unobservable: audit.unobservable.length,
      history_gap: audit.inGap + gapByCreation,
      duplicates: a.duplicates,
      quarantined: a.quarantineDocs.length,
      regressions: regressions.length,
      events_generated: eventsGenerated,
      events_lost: eventsLost,
    },
    lostKeys: lost.map((v) => v.key),
    lostVersions: lost,
    unquarantined,
    regressions,
  };
}

/** The printed JSON line (without the details). */
export function soakLine(r: SoakResult): string {
  const { detail: _d, ...rest } = r;
  return JSON.stringify(rest);
}

export type { FaultKind };
