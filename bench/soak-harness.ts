/**
 * The Lambda test rig and the seeded fault soak, shared by `npm run soak` (bench/soak.ts), the shorter
 * soak in `npm test`, the handler end-to-end tests and the leak scan.
 *
 * The rig runs the real Lambda run (`createRun`) in process against: the API simulator on a FakeClock
 * shared with the run (scheduled runs every 5 simulated minutes cost no real time), dynalite for the
 * checkpoint table (the handler's own DynamoDB client, pointed there by AWS_ENDPOINT_URL_DYNAMODB), and
 * aws-sdk-client-mock doubles for Secrets Manager and Firehose (the Firehose double records what it
 * accepted and can refuse records or whole calls). Every stdout/stderr write and every Powertools metric
 * is captured so the leak scan can search them.
 */

import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
  type PutRecordBatchCommandOutput,
  ServiceUnavailableException,
} from '@aws-sdk/client-firehose';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { RunSummary } from '../shared/collector/collect.ts';
import type { HistoryGap } from '../shared/collector/window.ts';
import { clearSecretCache } from '../shared/credentials/secrets-manager.ts';
import type { Fault } from '../shared/simulator/faults.ts';
import {
  auditDelivery,
  describePersonality,
  type FaultKind,
  generateIncidents,
  type Personality,
  type RunningSimulator,
  resolvePersonality,
  startSimulator,
  type VersionTruth,
  versionKey,
} from '../shared/simulator/index.ts';
import { Prng } from '../shared/simulator/prng.ts';
import { type DynaliteHandle, startDynalite } from '../test/helpers/dynalite.ts';
import { FakeClock } from '../test/helpers/fakes.ts';
import { MovingClock } from '../test/helpers/moving-clock.ts';

// Imported lazily: the handler module builds its Powertools logger at import, after our env is set.
type CreateRun = typeof import('../functions/collector.ts').createRun;
type LambdaRun = ReturnType<CreateRun>;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ses-AbCdEf';
export const TABLE = 'ses-connector-checkpoints';
export const STREAM = 'ses-s3';
/** Distinctive credentials so a leak scan for them is meaningful. */
export const RIG_CLIENT_ID = 'O2ID.rig-client-7f3c91';
export const RIG_CLIENT_SECRET = 'rig-S3cr3t-Zq8vN4pLw2Xk9Rt6Hy1Bm5Cd';

/** One document Firehose accepted (a parsed NDJSON record). */
export interface DeliveredDoc {
  id: string;
  dataset: string;
  doc: Record<string, unknown>;
}

/** What the next PutRecordBatch calls do: refuse some records, or fail the whole call (throttling). */
export type FirehoseBehaviour = 'partial' | 'throttle';

/**
 * Firehose double behind aws-sdk-client-mock: accepts records, or refuses every third one with a
 * per-record ErrorCode ('partial'), or throws ServiceUnavailableException ('throttle') for planned calls.
 */
export class FirehoseDouble {
  readonly delivered: DeliveredDoc[] = [];
  /** Raw accepted record lines, for the leak scan. */
  readonly lines: string[] = [];
  readonly plan: FirehoseBehaviour[] = [];
  calls = 0;
  /** Records sent per call, and how many of them were refused (per-record ErrorCode or whole call). */
  readonly callSizes: number[] = [];
  readonly refusedPerCall: number[] = [];
  refusedRecords = 0;
  throttledCalls = 0;
  partialCalls = 0;
  /** Keep every accepted document (default); off for load runs, which keep counts and version keys only. */
  keep = true;
  /** Accepted records per dataset, and incident version keys (also when `keep` is off). */
  readonly accepted = new Map<string, number>();
  readonly versionKeys = new Set<string>();

  handle(input: PutRecordBatchCommandInput): PutRecordBatchCommandOutput {
    this.calls++;
    const behaviour = this.plan.shift();
    this.callSizes.push(input.Records?.length ?? 0);
    if (behaviour === 'throttle') {
      this.throttledCalls++;
      this.refusedPerCall.push(input.Records?.length ?? 0);
      throw new ServiceUnavailableException({ message: 'Slow down.', $metadata: {} });
    }
    const records = input.Records ?? [];
    const responses = records.map((record, i) => {
      if (behaviour === 'partial' && i % 3 === 1) {
        this.refusedRecords++;
        return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
      }
      const line = Buffer.from(record.Data ?? new Uint8Array()).toString('utf8');
      const doc = JSON.parse(line) as Record<string, unknown>;
      const meta = doc.symantec_edr_cloud as
        | { doc_id?: string; incident?: { incident_uid?: string; time?: string } }
        | undefined;
      const dataset = String((doc.data_stream as { dataset?: string } | undefined)?.dataset);
      this.accepted.set(dataset, (this.accepted.get(dataset) ?? 0) + 1);
      if (dataset === 'symantec_edr_cloud.incident')
        this.versionKeys.add(
          versionKey(meta?.incident?.incident_uid, Date.parse(String(meta?.incident?.time))),
        );
      if (this.keep) {
        this.lines.push(line);
        this.delivered.push({ id: String(meta?.doc_id), dataset, doc });
      }
      return { RecordId: `rec-${this.calls}-${i}` };
    });
    if (behaviour === 'partial') this.partialCalls++;
    const failed = responses.filter((r) => 'ErrorCode' in r).length;
    this.refusedPerCall.push(failed);
    return { FailedPutCount: failed, Encrypted: false, RequestResponses: responses, $metadata: {} };
  }
}

/** A checkpoint write DynamoDB accepted, as recorded by the rig. */
export interface RecordedCheckpoint {
  version: number;
  watermark?: string;
  cursor?: { start: string; end: string; offset: number };
}

type Send = (this: DynamoDBClient, command: unknown, ...rest: unknown[]) => Promise<unknown>;

/**
 * Hooks DynamoDB's send (every client instance, the handler's included) to record checkpoint writes and
 * inject a crash: the next checkpoint PutItem after Firehose accepted data fails, and optionally the
 * lease release too (a process that died keeps its lease until the deadline).
 */
export class DynamoHook {
  readonly checkpoints: RecordedCheckpoint[] = [];
  /** Armed crash: fail this many checkpoint writes once data reached Firehose. */
  crash: { checkpointWrites: number; keepLease: boolean } | undefined;
  crashes = 0;
  /** Every DynamoDB command sent, by name. */
  readonly sent: string[] = [];
  private original: Send | undefined;

  constructor(private readonly deliveredSoFar: () => number) {}

  install(): void {
    const proto = DynamoDBClient.prototype as unknown as { send: Send };
    const original = proto.send;
    this.original = original;
    const hook = this;
    const deliveredAtArm = { value: 0 };
    proto.send = async function (this: DynamoDBClient, command: unknown, ...rest: unknown[]) {
      const name = (command as { constructor: { name: string } }).constructor.name;
      hook.sent.push(name);
      const input = (command as { input: Record<string, unknown> }).input;
      const pk = (input.Item as { pk?: { S?: string } } | undefined)?.pk?.S ?? '';
      const keyPk = (input.Key as { pk?: { S?: string } } | undefined)?.pk?.S ?? '';
      if (hook.crash && name === 'PutItemCommand' && pk.startsWith('checkpoint#')) {
        if (hook.deliveredSoFar() > deliveredAtArm.value && hook.crash.checkpointWrites > 0) {
          hook.crash.checkpointWrites--;
          hook.crashes++;
          throw Object.assign(new Error('injected crash between the sink and the checkpoint write'), {
            name: 'InternalServerError',
          });
        }
      }
      if (hook.crash?.keepLease && name === 'DeleteItemCommand' && keyPk.startsWith('lease#')) {
        throw Object.assign(new Error('injected crash: the process died before releasing its lease'), {
          name: 'InternalServerError',
        });
      }
      const out = await original.call(this, command, ...rest);
      if (name === 'PutItemCommand' && pk.startsWith('checkpoint#')) {
        const item = input.Item as Record<string, { S?: string; N?: string }>;
        const state = JSON.parse(item.state?.S ?? '{}') as RecordedCheckpoint;
        hook.checkpoints.push({
          version: Number(item.version?.N),
          ...(state.watermark ? { watermark: state.watermark } : {}),
          ...(state.cursor ? { cursor: state.cursor } : {}),
        });
      }
      return out;
    };
    this.arm = (crash) => {
      deliveredAtArm.value = this.deliveredSoFar();
      this.crash = crash;
    };
  }

  /** Arm a crash for the coming run. */
  arm: (crash: { checkpointWrites: number; keepLease: boolean } | undefined) => void = () => {
    throw new Error('install() first');
  };

  uninstall(): void {
    if (this.original) (DynamoDBClient.prototype as unknown as { send: Send }).send = this.original;
    this.original = undefined;
  }
}

/** Captures every stdout/stderr write (Powertools logs, EMF metrics, anything else). */
export class OutputCapture {
  readonly chunks: string[] = [];
  private restore: (() => void) | undefined;

  start(passThrough = false): void {
    if (this.restore) return;
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const grab =
      (orig: typeof out) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
        if (passThrough) return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
        const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        cb?.();
        return true;
      };
    process.stdout.write = grab(out) as typeof process.stdout.write;
    process.stderr.write = grab(err) as typeof process.stderr.write;
    this.restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  }

  stop(): void {
    this.restore?.();
    this.restore = undefined;
  }

  get text(): string {
    return this.chunks.join('');
  }
}

export interface MetricRecord {
  name: string;
  unit: string;
  value: number;
}

export interface RigOptions {
  seed?: number;
  /** Incidents the simulator generates over `spanHours` before and `futureHours` after the start. */
  incidents?: number;
  spanHours?: number;
  futureHours?: number;
  historyDays?: number;
  /** Settings and runtime env of the handler (SES_PAGE_SIZE, ...), over the rig's defaults. */
  env?: Record<string, string>;
  clientSecret?: string;
  /** The API's clock minus the collector's (clock skew tests; default 0). */
  apiClockOffsetMs?: number;
  /** Print captured output as well (debugging). */
  passThrough?: boolean;
  /** The clock the run and the simulator share (default: a FakeClock at the real now). */
  clock?: FakeClock;
  /** The API personality the simulator shows (default: the documented default behaviours). */
  personality?: Partial<Personality>;
}

export interface Invocation {
  requestId: string;
  summary?: RunSummary;
  error?: Error;
}

/** A running rig. Close it in afterAll / finally. */
export interface LambdaRig {
  clock: FakeClock;
  sim: RunningSimulator;
  dynalite: DynaliteHandle;
  firehose: FirehoseDouble;
  dynamo: DynamoHook;
  capture: OutputCapture;
  metrics: MetricRecord[];
  /** Every invocation's outcome, in order. */
  invocations: Invocation[];
  /** The handler environment (settings + runtime). */
  env: Record<string, string>;
  /** A fresh Lambda container (cold start) with the rig env plus `overrides`. */
  container(overrides?: Record<string, string>): LambdaRun;
  /** Invoke a container with `remainingMs` of (simulated) time left. Never throws: see `error`. */
  invoke(run: LambdaRun, remainingMs?: number): Promise<Invocation>;
  /** Replace the Secrets Manager secret's value (and forget the cached one, as a cold start would). */
  setSecret(secretString: string): void;
  /** AWS API calls made so far, per service. */
  awsCalls(): { secretsManager: number; firehose: number; dynamodb: number };
  /** Compare what Firehose accepted with the simulator's ground truth. */
  audit(): Audit;
  close(): Promise<void>;
}

export interface Audit {
  /** Version keys (`incident_uid@time`) of the incident documents delivered. */
  deliveredVersions: Set<string>;
  /** `incident_uid\nuuid` of the event documents delivered. */
  deliveredEvents: Set<string>;
  /** Document ids delivered more than once (extra copies). */
  duplicates: number;
  /** Distinct quarantine documents. */
  quarantineDocs: DeliveredDoc[];
  /** Version keys a quarantine document stands for (the corrupted copies the simulator served). */
  quarantinedVersions: Set<string>;
}

let handlerModule: Promise<typeof import('../functions/collector.ts')> | undefined;

/** Start simulator + dynalite + AWS doubles on one FakeClock. */
export async function startLambdaRig(options: RigOptions = {}): Promise<LambdaRig> {
  const clock = options.clock ?? new FakeClock(Date.now());
  const capture = new OutputCapture();
  capture.start(options.passThrough ?? false);
  const dynalite = await startDynalite();
  await dynalite.createTable(TABLE);
  // The handler builds its DynamoDB client with defaults: point the SDK at dynalite through the env.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDRIGTEST',
    AWS_SECRET_ACCESS_KEY: 'rig-test-secret-key',
  });
  const clientSecret = options.clientSecret ?? RIG_CLIENT_SECRET;
  const sim = await startSimulator({
    seed: options.seed ?? 1,
    incidents: options.incidents ?? 100,
    spanHours: options.spanHours ?? 24,
    futureHours: options.futureHours ?? 0,
    historyDays: options.historyDays ?? 30,
    clock: options.apiClockOffsetMs ? { now: () => clock.now() + (options.apiClockOffsetMs ?? 0) } : clock,
    clientId: RIG_CLIENT_ID,
    clientSecret,
    ...(options.personality ? { personality: options.personality } : {}),
  });
  clearSecretCache();
  const secrets = mockClient(SecretsManagerClient);
  secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ client_id: RIG_CLIENT_ID, client_secret: clientSecret }) });
  const firehose = new FirehoseDouble();
  const firehoseMock = mockClient(FirehoseClient);
  firehoseMock
    .on(PutRecordBatchCommand)
    .callsFake((input: PutRecordBatchCommandInput) => firehose.handle(input));
  const dynamo = new DynamoHook(() => firehose.delivered.length);
  dynamo.install();

  const metrics: MetricRecord[] = [];
  const proto = PowertoolsMetrics.prototype as unknown as {
    addMetric: (name: string, unit: string, value: number) => void;
  };
  const originalAddMetric = proto.addMetric;
  proto.addMetric = function (this: unknown, name: string, unit: string, value: number) {
    metrics.push({ name, unit, value });
    return originalAddMetric.call(this, name, unit, value);
  };

  const env: Record<string, string> = {
    SES_API_URL: sim.url,
    CHECKPOINT_TABLE: TABLE,
    SECRET_ARN,
    DELIVERY_STREAMS: STREAM,
    ...options.env,
  };
  handlerModule ??= import('../functions/collector.ts');
  const { createRun } = await handlerModule;
  const invocations: Invocation[] = [];
  let requests = 0;

  return {
    clock,
    sim,
    dynalite,
    firehose,
    dynamo,
    capture,
    metrics,
    invocations,
    env,
    container(overrides = {}) {
      return createRun({ clock, env: { ...env, ...overrides } });
    },
    async invoke(run, remainingMs = 4 * MINUTE) {
      const requestId = `req-${String(++requests).padStart(4, '0')}`;
      const start = clock.now();
      const invocation: Invocation = { requestId };
      try {
        invocation.summary = await run(
          {},
          { awsRequestId: requestId, getRemainingTimeInMillis: () => start + remainingMs - clock.now() },
        );
      } catch (error) {
        invocation.error = error as Error;
      }
      invocations.push(invocation);
      return invocation;
    },
    setSecret(secretString) {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: secretString });
      clearSecretCache();
    },
    awsCalls() {
      return {
        secretsManager: secrets.commandCalls(GetSecretValueCommand).length,
        firehose: firehoseMock.commandCalls(PutRecordBatchCommand).length,
        dynamodb: dynamo.sent.length,
      };
    },
    audit() {
      return audit(sim, firehose);
    },
    async close() {
      proto.addMetric = originalAddMetric;
      dynamo.uninstall();
      secrets.restore();
      firehoseMock.restore();
      await sim.close();
      await dynalite.close();
      capture.stop();
    },
  };
}

function audit(sim: RunningSimulator, firehose: FirehoseDouble): Audit {
  const deliveredVersions = new Set<string>();
  const deliveredEvents = new Set<string>();
  const seen = new Map<string, number>();
  const quarantine = new Map<string, DeliveredDoc>();
  for (const d of firehose.delivered) {
    seen.set(d.id, (seen.get(d.id) ?? 0) + 1);
    const ns = d.doc.symantec_edr_cloud as Record<string, Record<string, unknown>> | undefined;
    if (d.dataset === 'symantec_edr_cloud.incident') {
      const inc = ns?.incident ?? {};
      deliveredVersions.add(versionKey(inc.incident_uid, Date.parse(String(inc.time))));
    } else if (d.dataset === 'symantec_edr_cloud.event') {
      const uid =
        (ns?.incident as Record<string, unknown> | undefined)?.incident_uid ?? incidentOfEvent(d.doc);
      const uuid = (d.doc.event as Record<string, unknown> | undefined)?.id;
      deliveredEvents.add(`${String(uid)}\n${String(uuid)}`);
    } else if (d.dataset === 'symantec_edr_cloud.quarantine') {
      quarantine.set(d.id, d);
    }
  }
  let duplicates = 0;
  for (const n of seen.values()) duplicates += n - 1;
  // A corrupted copy (incident_uid removed, or time replaced) still carries the other fields: map it back.
  const byTime = new Map<number, string[]>();
  const byUidModified = new Map<string, string[]>();
  for (const v of sim.groundTruth.versions) {
    byTime.set(v.time, [...(byTime.get(v.time) ?? []), v.key]);
    const k = `${v.incident_uid}\n${v.modified}`;
    byUidModified.set(k, [...(byUidModified.get(k) ?? []), v.key]);
  }
  const quarantinedVersions = new Set<string>();
  for (const q of quarantine.values()) {
    const original = (q.doc.event as Record<string, unknown> | undefined)?.original;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(String(original)) as Record<string, unknown>;
    } catch {
      continue;
    }
    const keys =
      typeof raw.incident_uid === 'string'
        ? byUidModified.get(`${raw.incident_uid}\n${String(raw.modified)}`)
        : typeof raw.time === 'number'
          ? byTime.get(raw.time)
          : undefined;
    for (const k of keys ?? []) quarantinedVersions.add(k);
  }
  return {
    deliveredVersions,
    deliveredEvents,
    duplicates,
    quarantineDocs: [...quarantine.values()],
    quarantinedVersions,
  };
}

/** Event documents carry their incident in `symantec_edr_cloud.event.incident_uid` (or a list). */
function incidentOfEvent(doc: Record<string, unknown>): unknown {
  const ns = doc.symantec_edr_cloud as Record<string, Record<string, unknown>> | undefined;
  return ns?.event?.incident_uid;
}

/** Checkpoint writes that move backwards: version not increasing, watermark or resume point earlier. */
export function checkpointRegressions(writes: readonly RecordedCheckpoint[]): string[] {
  const out: string[] = [];
  let prev: RecordedCheckpoint | undefined;
  let watermark = Number.NEGATIVE_INFINITY;
  for (const w of writes) {
    if (prev && w.version <= prev.version) out.push(`version ${prev.version} → ${w.version}`);
    if (w.watermark) {
      const t = Date.parse(w.watermark);
      if (t < watermark) out.push(`watermark ${new Date(watermark).toISOString()} → ${w.watermark}`);
      watermark = Math.max(watermark, t);
    }
    prev = w;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The soak

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
  let reread = false;
  for (let i = 0; i < 40 && !(caughtUp && reread); i++) {
    clock.advance(RUN_EVERY);
    const o = await rig.invoke(container);
    gaps.push(...(o.summary?.historyGaps ?? []));
    caughtUp = o.summary?.status === 'complete';
    reread ||= o.summary?.openSweep === 'done';
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
      generated: audit.considered - audit.inGap,
      delivered: audit.delivered,
      lost: audit.lost.length,
      unobservable: audit.unobservable.length,
      history_gap: audit.inGap,
      duplicates: a.duplicates,
      quarantined: a.quarantineDocs.length,
      regressions: regressions.length,
      events_generated: eventsGenerated,
      events_lost: eventsLost,
    },
    lostKeys: audit.lost.map((v) => v.key),
    lostVersions: audit.lost,
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
