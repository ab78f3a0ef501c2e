/**
 * The Lambda test rig, shared by the seeded fault soak (bench/soak-harness.ts, `npm run soak` and the
 * shorter soak in `npm test`), the handler end-to-end tests, the reliability tests and the leak scan.
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
import type { RunSummary } from '../../shared/collector/collect.ts';
import { clearSecretCache } from '../../shared/credentials/secrets-manager.ts';
import {
  type Personality,
  type RunningSimulator,
  startSimulator,
  versionKey,
} from '../../shared/simulator/index.ts';
import { type DynaliteHandle, startDynalite } from './dynalite.ts';
import { FakeClock } from './fakes.ts';

// Imported lazily: the handler module builds its Powertools logger at import, after our env is set.
type CreateRun = typeof import('../../functions/collector.ts').createRun;
type LambdaRun = ReturnType<CreateRun>;

const MINUTE = 60_000;

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
 * Firehose double behind aws-sdk-client-mock: accepts records, or refuses every third one (the only
 * one, when a call carries a single record) with a per-record ErrorCode ('partial'), or throws
 * ServiceUnavailableException ('throttle') for planned calls. A record may hold many documents joined
 * by "\n" (the S3 stream's aggregation): it is split as the stream's de-aggregation does.
 */
export class FirehoseDouble {
  readonly delivered: DeliveredDoc[] = [];
  /** Raw accepted record data (one or many NDJSON documents), for the leak scan and size checks. */
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
    const refusedIndex = records.length > 1 ? 1 : 0;
    const responses = records.map((record, i) => {
      if (behaviour === 'partial' && i % 3 === refusedIndex) {
        this.refusedRecords++;
        return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
      }
      const data = Buffer.from(record.Data ?? new Uint8Array()).toString('utf8');
      if (this.keep) this.lines.push(data);
      for (const line of data.split('\n')) {
        if (line === '') continue; // an unaggregated record ends with its own "\n"
        const doc = JSON.parse(line) as Record<string, unknown>;
        const meta = doc.symantec_edr_cloud as { doc_id?: string } | undefined;
        const dataset = String((doc.data_stream as { dataset?: string } | undefined)?.dataset);
        this.accepted.set(dataset, (this.accepted.get(dataset) ?? 0) + 1);
        if (dataset === 'symantec_edr_cloud.incident') {
          const key = incidentVersion(doc);
          this.versionKeys.add(versionKey(key.uid, key.time));
        }
        if (this.keep) this.delivered.push({ id: String(meta?.doc_id), dataset, doc });
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
export interface LambdaRig extends LambdaInvoker {
  clock: FakeClock;
  sim: RunningSimulator;
  dynalite: DynaliteHandle;
  firehose: FirehoseDouble;
  dynamo: DynamoHook;
  capture: OutputCapture;
  metrics: MetricRecord[];
  /** The handler environment (settings + runtime). */
  env: Record<string, string>;
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

let handlerModule: Promise<typeof import('../../functions/collector.ts')> | undefined;

/** Record every Powertools metric the run emits (it is still emitted); `restore` unhooks. */
export function recordMetrics(): { metrics: MetricRecord[]; restore(): void } {
  const metrics: MetricRecord[] = [];
  const proto = PowertoolsMetrics.prototype as unknown as {
    addMetric: (name: string, unit: string, value: number) => void;
  };
  const originalAddMetric = proto.addMetric;
  proto.addMetric = function (this: unknown, name: string, unit: string, value: number) {
    metrics.push({ name, unit, value });
    return originalAddMetric.call(this, name, unit, value);
  };
  return {
    metrics,
    restore() {
      proto.addMetric = originalAddMetric;
    },
  };
}

/** The handler's containers and invocations, on `clock`. Import it only once the rig's env is set. */
export interface LambdaInvoker {
  /** Every invocation's outcome, in order. */
  invocations: Invocation[];
  /** A fresh Lambda container (cold start) with the rig env plus `overrides`. */
  container(overrides?: Record<string, string>): LambdaRun;
  /** Invoke a container with `remainingMs` of (simulated) time left. Never throws: see `error`. */
  invoke(run: LambdaRun, remainingMs?: number): Promise<Invocation>;
}

export async function lambdaInvoker(clock: FakeClock, env: Record<string, string>): Promise<LambdaInvoker> {
  handlerModule ??= import('../../functions/collector.ts');
  const { createRun } = await handlerModule;
  const invocations: Invocation[] = [];
  let requests = 0;
  return {
    invocations,
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
  };
}

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

  const metricHook = recordMetrics();

  const env: Record<string, string> = {
    SES_API_URL: sim.url,
    CHECKPOINT_TABLE: TABLE,
    SECRET_ARN,
    DELIVERY_STREAMS: STREAM,
    ...options.env,
  };
  const invoker = await lambdaInvoker(clock, env);

  return {
    clock,
    sim,
    dynalite,
    firehose,
    dynamo,
    capture,
    metrics: metricHook.metrics,
    env,
    ...invoker,
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
      metricHook.restore();
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
      const key = incidentVersion(d.doc);
      deliveredVersions.add(versionKey(key.uid, key.time));
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
/**
 * Incident uid and time of an incident document, from its ECS fields (`event.id`, `@timestamp`),
 * which both output shapes carry, else the vendor copies.
 */
export function incidentVersion(doc: Record<string, unknown>): { uid: unknown; time: number } {
  const inc = (doc.symantec_edr_cloud as Record<string, Record<string, unknown>> | undefined)?.incident ?? {};
  const uid = (doc.event as Record<string, unknown> | undefined)?.id ?? inc.incident_uid;
  return { uid, time: Date.parse(String(doc['@timestamp'] ?? inc.time)) };
}

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
