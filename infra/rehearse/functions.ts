/**
 * One rehearsal driver per Lambda function of the stack: how to recognise it in the template, which
 * parameter values to deploy it with, how to invoke it and what to check afterwards. A function without
 * a driver fails the rehearsal, so a new Lambda is rehearsed (and IAM-checked) from the day it is added:
 * add an entry to FUNCTION_DRIVERS with `matches` on its construct path.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDbCheckpointStore } from '../../shared/checkpoint/dynamodb.ts';
import { TELEMETRY_DATASET } from '../../shared/normalize/telemetry/index.ts';
import {
  generateIncidents,
  generateTelemetry,
  type RunningSimulator,
  startSimulator,
  type TelemetryDataSet,
  versionKey,
} from '../../shared/simulator/index.ts';
import { incidentVersion } from '../../test/helpers/lambda-rig.ts';
import { type Secret, scanForSecrets } from '../../test/integration/leaks/scan.ts';
import { MOTO_CREDENTIALS } from './provision.ts';
import type { DriverContext, FunctionUnderTest, Invocation } from './rehearse.ts';
import { readLogGroup } from './rehearse.ts';

export interface Prepared {
  /** Stack parameter values, as `cdk deploy --parameters Name=value` would set them. */
  parameters: Record<string, string>;
  close(): Promise<void>;
}

export interface FunctionDriver {
  name: string;
  matches(fn: FunctionUnderTest): boolean;
  prepare(): Promise<Prepared>;
  run(ctx: DriverContext, prepared: Prepared): Promise<void>;
  /** Why a grant is not called by the function's own code (shown next to the unused grant). */
  unusedReasons: Record<string, string>;
}

const client = (ctx: DriverContext) => ({
  endpoint: ctx.aws.endpoint,
  region: ctx.aws.region,
  credentials: MOTO_CREDENTIALS,
});

/** EMF metrics in a function's stdout: name -> dimension sets seen (namespace-qualified). */
export function emfMetrics(stdout: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of stdout.split('\n')) {
    if (!line.includes('"_aws"')) continue;
    let blob: Record<string, unknown>;
    try {
      blob = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const aws = blob._aws as {
      CloudWatchMetrics?: Array<{
        Namespace: string;
        Dimensions: string[][];
        Metrics: Array<{ Name: string }>;
      }>;
    };
    for (const d of aws?.CloudWatchMetrics ?? []) {
      for (const m of d.Metrics) {
        const key = `${d.Namespace}/${m.Name}`;
        const set = out.get(key) ?? new Set<string>();
        for (const dims of d.Dimensions)
          set.add(
            dims
              .map((k) => `${k}=${String(blob[k])}`)
              .sort()
              .join(','),
          );
        out.set(key, set);
      }
    }
  }
  return out;
}

/** Metric names (namespace/name) and dimension sets the template's alarms watch in `namespace`. */
function alarmMetrics(
  ctx: DriverContext,
  namespace: string,
): Array<{ alarm: string; metric: string; dims: string }> {
  const out: Array<{ alarm: string; metric: string; dims: string }> = [];
  for (const [id, res] of Object.entries(ctx.resolver.template.Resources)) {
    if (res.Type !== 'AWS::CloudWatch::Alarm' || !ctx.resolver.exists(id)) continue;
    const p = res.Properties ?? {};
    const metrics: Array<{ Namespace?: unknown; MetricName?: unknown; Dimensions?: unknown }> = p.MetricName
      ? [p]
      : ((p.Metrics as Array<{ MetricStat?: { Metric?: Record<string, unknown> } }> | undefined) ?? [])
          .map((m) => m.MetricStat?.Metric ?? {})
          .filter((m) => m.MetricName);
    for (const m of metrics) {
      if (ctx.resolver.string(m.Namespace) !== namespace) continue;
      const dims = (
        (ctx.resolver.resolve(m.Dimensions ?? []) as Array<{ Name: string; Value: string }>) ?? []
      )
        .map((d) => `${d.Name}=${d.Value}`)
        .sort()
        .join(',');
      out.push({ alarm: id, metric: `${namespace}/${ctx.resolver.string(m.MetricName)}`, dims });
    }
  }
  return out;
}

/**
 * The top-level JSON objects of a text of objects written back to back, with or without newlines
 * between them (strings and escapes are skipped, so braces inside values do not count).
 */
export function jsonObjects(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 125) {
      depth--;
      if (depth === 0) out.push(text.slice(start, i + 1));
    }
  }
  return out;
}

/** Every object of a bucket as text (gunzipped when gzip: moto's Firehose does not compress). */
async function bucketTexts(ctx: DriverContext, bucket: string): Promise<Array<[string, string]>> {
  const s3 = new S3Client({ ...client(ctx), forcePathStyle: true });
  const out: Array<[string, string]> = [];
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of r.Contents ?? []) {
      const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      const bytes = Buffer.from(
        await (obj.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
      const text =
        bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
      out.push([`s3://${bucket}/${o.Key}`, text]);
    }
    if (!r.IsTruncated) break;
    token = r.NextContinuationToken;
  }
  return out;
}

/**
 * One simulator for the incident and the stream collector: both read ApiBaseUrl, a single stack
 * parameter, so they share the API as they do in production. It serves 60 incidents and an Event
 * Stream of generated telemetry whose `log_time` is already past (all of it is readable now).
 */
const sharedSimulator = (() => {
  let sim: Promise<RunningSimulator> | undefined;
  let users = 0;
  return {
    telemetry: undefined as TelemetryDataSet | undefined,
    acquire(): Promise<RunningSimulator> {
      users++;
      if (!sim) {
        const now = Date.now();
        this.telemetry = generateTelemetry({
          seed: 7,
          count: 400,
          from: now - 3 * 3600_000,
          to: now - 10 * MINUTE,
        });
        sim = startSimulator({
          seed: 42,
          incidents: 60,
          spanHours: 6,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          telemetry: {
            streams: [{ id: STREAM_ID, channels: STREAM_CHANNELS }],
            events: this.telemetry.events,
            eventsPerLine: 25,
            connectionTimeoutUnitMs: 200,
            maxHoldMs: 500,
          },
        });
      }
      return sim;
    },
    async release(): Promise<void> {
      users--;
      if (users === 0 && sim) await (await sim).close();
    },
  };
})();

interface CollectorPrepared extends Prepared {
  sim: RunningSimulator;
}

const CLIENT_ID = 'O2ID.rehearsal-client-3f9a';
/** The Event Stream the stream collector is deployed with (EventStreamId), two channels. */
const STREAM_ID = '5d2c3a1e-rehearsal-stream';
const STREAM_CHANNELS = 2;
const CLIENT_SECRET = 'rehearsal-Client-S3cret-7Qw9Zx2Lk5Vb8Nm4';
const WRONG_SECRET = 'rehearsal-Wrong-S3cret-Hj6Tg3Ds1Pq0Ru7Y';
const MINUTE = 60_000;

/**
 * The scheduled collector: two runs against the built-in simulator (a backlog, then late arrivals inside
 * the overlap), then a run with a wrong client secret (credential error, the on-failure record).
 */
const collector: FunctionDriver = {
  name: 'collector (built-in simulator, 2 runs + 1 credential failure)',
  matches: (fn) => fn.cdkPath.endsWith('/Collector/Function/Resource'),
  unusedReasons: {
    'logs:CreateLogStream': 'used by the Lambda service to write the function log (its own log group only)',
    'logs:PutLogEvents': 'used by the Lambda service to write the function log (its own log group only)',
    'sqs:SendMessage': 'used by the Lambda service for the on-failure destination (the DLQ)',
    'sqs:GetQueueAttributes': 'added by CDK with the on-failure destination grant',
    'sqs:GetQueueUrl': 'added by CDK with the on-failure destination grant',
    'kms:Decrypt': 'used by SNS on the publisher behalf for the KMS-encrypted alert topic',
    'kms:GenerateDataKey*': 'used by SNS on the publisher behalf for the KMS-encrypted alert topic',
  },
  async prepare() {
    const sim = await sharedSimulator.acquire();
    return {
      sim,
      parameters: { ApiBaseUrl: sim.url, PageSize: '25' },
      close: () => sharedSimulator.release(),
    } satisfies CollectorPrepared;
  },
  async run(ctx, prepared) {
    const { sim } = prepared as CollectorPrepared;
    const env = ctx.fn.env;
    const secretArn = env.SECRET_ARN as string;
    const sm = new SecretsManagerClient(client(ctx));
    // docs/deploy.md: after deploy, put the OAuth client into the secret the stack created.
    await sm.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
      }),
    );
    ctx.log(`put {"client_id","client_secret"} into ${secretArn}`);

    const first = await ctx.invoke({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    const s1 = first.value as { status?: string; incidents?: number; events?: number } | undefined;
    ctx.log(
      `run 1: ${s1?.status ?? first.error?.errorMessage} (${s1?.incidents ?? 0} incident versions, ${s1?.events ?? 0} events, ${first.ms} ms)`,
    );
    if (s1?.status !== 'complete')
      ctx.fail(`run 1 was ${s1?.status ?? `an error: ${first.error?.errorMessage}`}`);

    // Late arrivals: created 4 minutes ago (inside the 300 s overlap), visible only now.
    const t = Date.now();
    sim.addIncidents(
      generateIncidents({
        seed: 43,
        incidents: 5,
        from: t - 4 * MINUTE,
        to: t - 3 * MINUTE,
        latestRecordTime: t - 2 * MINUTE,
        firstRef: 900_000,
      }),
    );
    const second = await ctx.invoke({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    const s2 = second.value as { status?: string; incidents?: number; events?: number } | undefined;
    ctx.log(
      `run 2: ${s2?.status ?? second.error?.errorMessage} (${s2?.incidents ?? 0} incident versions, ${s2?.events ?? 0} events, ${second.ms} ms)`,
    );
    if (s2?.status !== 'complete')
      ctx.fail(`run 2 was ${s2?.status ?? `an error: ${second.error?.errorMessage}`}`);

    // Checkpoint item.
    const ddb = new DynamoDBClient(client(ctx));
    const store = new DynamoDbCheckpointStore({ tableName: env.CHECKPOINT_TABLE as string, client: ddb });
    const cp = await store.load(env.SES_TENANT ?? 'default');
    const watermark = cp?.watermark ? Date.parse(cp.watermark) : Number.NaN;
    ctx.log(`checkpoint in ${env.CHECKPOINT_TABLE}: version ${cp?.version}, watermark ${cp?.watermark}`);
    if (!cp || Number.isNaN(watermark)) ctx.fail('no checkpoint watermark after two complete runs');
    else if (watermark < t - 2 * MINUTE)
      ctx.fail(`watermark ${cp.watermark} did not advance past the second run's window`);

    // S3 output (Firehose -> bucket) against the ground truth.
    const streamName = (env.DELIVERY_STREAMS as string).split(',')[0] as string;
    const streamId = [...ctx.resolver.resources.entries()].find(
      ([id, r]) =>
        r.ref === streamName &&
        ctx.resolver.template.Resources[id]?.Type === 'AWS::KinesisFirehose::DeliveryStream',
    )?.[0];
    const streamProps = ctx.resolver.resolve(
      ctx.resolver.template.Resources[streamId ?? '']?.Properties ?? {},
    ) as {
      ExtendedS3DestinationConfiguration?: { BucketARN?: string };
    };
    const bucket = String(streamProps.ExtendedS3DestinationConfiguration?.BucketARN).split(
      ':::',
    )[1] as string;
    const objects = await bucketTexts(ctx, bucket);
    const versions = new Set<string>();
    const events = new Set<string>();
    let quarantined = 0;
    let docs = 0;
    for (const [, text] of objects) {
      // moto's Firehose neither de-aggregates nor re-delimits: it writes the records' data back to back,
      // so an aggregated record's last document touches the next record's first. Split on the JSON.
      for (const line of jsonObjects(text)) {
        docs++;
        const doc = JSON.parse(line) as Record<string, Record<string, Record<string, unknown>>>;
        const dataset = String(doc.data_stream?.dataset);
        const ns = doc.symantec_edr_cloud ?? {};
        if (dataset.endsWith('.incident')) {
          const v = incidentVersion(doc);
          versions.add(versionKey(v.uid, v.time));
        } else if (dataset.endsWith('.event') && dataset !== TELEMETRY_DATASET)
          events.add(
            `${String(ns.incident?.incident_uid ?? ns.event?.incident_uid)}\n${String(doc.event?.id)}`,
          );
        else if (dataset.endsWith('.quarantine')) quarantined++;
      }
    }
    const expected = sim.groundTruth.versions.filter((v) => v.time <= watermark);
    const truth = new Set(sim.groundTruth.versions.map((v) => v.key));
    const lost = expected.filter((v) => !versions.has(v.key));
    const lostEvents = expected
      .filter((v) => versions.has(v.key))
      .flatMap((v) => v.eventUuids.filter((u) => !events.has(`${v.incident_uid}\n${u}`)));
    const invented = [...versions].filter((k) => !truth.has(k));
    const added = sim.groundTruth.versions.filter((v) => v.added && versions.has(v.key)).length;
    ctx.log(
      `S3 ${bucket}: ${objects.length} objects, ${docs} documents; ${versions.size} incident versions and ${events.size} events vs ${expected.length} versions up to the watermark (${added} late arrivals); lost ${lost.length} versions, ${lostEvents.length} events; ${invented.length} unknown; ${quarantined} quarantined`,
    );
    if (expected.length < 50)
      ctx.fail(
        `only ${expected.length} versions up to the watermark: the data set did not reach the collector`,
      );
    if (lost.length)
      ctx.fail(
        `versions missing from S3: ${lost
          .slice(0, 5)
          .map((v) => v.key)
          .join(', ')}`,
      );
    if (lostEvents.length) ctx.fail(`events missing from S3: ${lostEvents.slice(0, 5).join(', ')}`);
    if (invented.length)
      ctx.fail(`incident versions in S3 the simulator never had: ${invented.slice(0, 5).join(', ')}`);
    if (quarantined) ctx.fail(`${quarantined} quarantine documents from clean simulator data`);
    if (added === 0) ctx.fail('the late arrivals of run 2 are not in S3');

    // A run with a wrong client secret: the invocation fails and names the credentials.
    await sm.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ client_id: CLIENT_ID, client_secret: WRONG_SECRET }),
      }),
    );
    const third = await ctx.invoke({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    ctx.log(
      `run 3 (wrong client secret): ${third.error ? `${third.error.errorType}: ${third.error.errorMessage.slice(0, 160)}` : 'no error'}`,
    );
    if (!third.error) ctx.fail('a wrong client secret did not fail the invocation');
    // The Lambda service's on-failure record (EventInvokeConfig -> DLQ), as it would send it.
    const dlqArn = onFailureQueue(ctx);
    const sqs = new SQSClient(client(ctx));
    const queueUrl = [...ctx.resolver.resources.values()].find((r) => r.attrs.Arn === dlqArn)?.attrs.QueueUrl;
    let dlqText = '';
    if (queueUrl && third.error) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({
            version: '1.0',
            requestContext: {
              requestId: third.requestId,
              functionArn: `arn:aws:lambda:${ctx.aws.region}:${ctx.aws.accountId}:function:${ctx.fn.name}:$LATEST`,
              condition: 'RetriesExhausted',
              approximateInvokeCount: 1,
            },
            responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
            responsePayload: third.error,
          }),
        }),
      );
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      dlqText = (got.Messages ?? []).map((m) => m.Body).join('\n');
      ctx.log(
        `on-failure record in the DLQ ${queueUrl.split('/').pop()}: ${got.Messages?.length ?? 0} message(s)`,
      );
    } else if (!queueUrl) ctx.fail(`no on-failure queue resolved (${dlqArn})`);

    // EMF metrics the alarms watch.
    const all: Invocation[] = [first, second, third];
    const emitted = emfMetrics(all.map((i) => i.stdout).join('\n'));
    const namespace = env.POWERTOOLS_METRICS_NAMESPACE as string;
    // The telemetry alarms watch the stream collector's metrics: its driver checks them.
    const watched = alarmMetrics(ctx, namespace).filter((w) => !w.alarm.startsWith('Telemetry'));
    const notEmitted: Record<string, string> = {
      [`${namespace}/HistoryGapSeconds`]:
        'emitted only when the checkpoint is older than the API history (30 days)',
      [`${namespace}/ConfigError`]:
        'emitted only for an invalid function environment (the parameter constraints prevent one): test/integration/lambda/handler.e2e.test.ts',
      [`${namespace}/SinkFailedRecords`]:
        'emitted only when Firehose refuses records (moto never does: test/unit/sink/firehose.test.ts)',
    };
    for (const w of watched) {
      const dims = emitted.get(w.metric);
      if (dims?.has(w.dims)) ctx.log(`alarm ${w.alarm}: ${w.metric} [${w.dims}] emitted`);
      else if (notEmitted[w.metric] && !dims)
        ctx.log(`alarm ${w.alarm}: ${w.metric} not exercised here: ${notEmitted[w.metric]}`);
      else
        ctx.fail(
          `alarm ${w.alarm} watches ${w.metric} [${w.dims}], which no run emitted${dims ? ` with those dimensions (saw ${[...dims].join(' | ')})` : ''}`,
        );
    }

    // No secret anywhere: stdout/stderr, results, S3, DynamoDB, CloudWatch Logs, the DLQ record.
    const scan = await ddb.send(new ScanCommand({ TableName: env.CHECKPOINT_TABLE as string }));
    const logLines = await readLogGroup(ctx.aws, ctx.fn.logGroup);
    const texts: Array<[string, string]> = [
      ...all.flatMap(
        (inv, i): Array<[string, string]> => [
          [`run ${i + 1} stdout`, inv.stdout],
          [`run ${i + 1} stderr`, inv.stderr],
          [`run ${i + 1} result`, JSON.stringify(inv.value ?? inv.error ?? null)],
        ],
      ),
      ...objects,
      [`dynamodb ${env.CHECKPOINT_TABLE}`, JSON.stringify(scan.Items ?? [])],
      [`logs ${ctx.fn.logGroup}`, logLines.join('\n')],
      ['dlq', dlqText],
    ];
    const secrets: Secret[] = [
      { label: 'client_secret', value: CLIENT_SECRET },
      { label: 'wrong client_secret', value: WRONG_SECRET },
      { label: 'AWS secret key', value: MOTO_CREDENTIALS.secretAccessKey },
      { label: 'AWS session token', value: MOTO_CREDENTIALS.sessionToken },
      // Any 12-character piece of the client secret (a truncated or partial echo).
      ...[0, 10, 20, 28].map((i) => ({
        label: `client_secret[${i}..${i + 12}]`,
        value: CLIENT_SECRET.slice(i, i + 12),
      })),
    ];
    const hits = scanForSecrets(texts, secrets);
    const tokenHits = texts
      .filter(([, text]) => /sim\.[A-Za-z0-9_-]{16,}/.test(text))
      .map(([source]) => source);
    ctx.log(
      `secret scan: ${texts.length} sources (${logLines.length} log events, ${scan.Items?.length ?? 0} items), ${secrets.length} secrets + access tokens: ${hits.length + tokenHits.length} hits`,
    );
    for (const h of hits) ctx.fail(`secret ${h.secret} in ${h.source}: ${h.context}`);
    for (const s of tokenHits) ctx.fail(`an access token in ${s}`);
  },
};

/** The on-failure destination ARN of the function (its EventInvokeConfig). */
function onFailureQueue(ctx: DriverContext): string | undefined {
  for (const [id, res] of Object.entries(ctx.resolver.template.Resources)) {
    if (res.Type !== 'AWS::Lambda::EventInvokeConfig' || !ctx.resolver.exists(id)) continue;
    const fnRef = (res.Properties?.FunctionName as { Ref?: string } | undefined)?.Ref;
    if (fnRef !== ctx.fn.logicalId) continue;
    const dest = (res.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
      ?.OnFailure?.Destination;
    return dest === undefined ? undefined : ctx.resolver.string(dest);
  }
  return undefined;
}

/** Telemetry documents in the data bucket: event uuid -> how many documents carry it. */
async function telemetryInBucket(
  ctx: DriverContext,
): Promise<{ bucket: string; uuids: Map<string, number>; objects: Array<[string, string]> }> {
  const bucket = dataBucketOf(ctx);
  const objects = await bucketTexts(ctx, bucket);
  const uuids = new Map<string, number>();
  for (const [key, text] of objects) {
    for (const line of jsonObjects(text)) {
      const doc = JSON.parse(line) as { data_stream?: { dataset?: string }; event?: { id?: string } };
      if (doc.data_stream?.dataset !== TELEMETRY_DATASET) continue;
      // Firehose's dynamic partitioning puts telemetry under telemetry/ (moto ignores the prefix, so
      // the rehearsal can only check the documents; the JQ is run by test/infra/delivery-query.test.ts).
      void key;
      const id = String(doc.event?.id);
      uuids.set(id, (uuids.get(id) ?? 0) + 1);
    }
  }
  return { bucket, uuids, objects };
}

/** The S3 bucket of the function's first delivery stream (the S3 one). */
function dataBucketOf(ctx: DriverContext): string {
  const streamName = (ctx.fn.env.DELIVERY_STREAMS as string).split(',')[0] as string;
  const streamId = [...ctx.resolver.resources.entries()].find(
    ([id, r]) =>
      r.ref === streamName &&
      ctx.resolver.template.Resources[id]?.Type === 'AWS::KinesisFirehose::DeliveryStream',
  )?.[0];
  const props = ctx.resolver.resolve(ctx.resolver.template.Resources[streamId ?? '']?.Properties ?? {}) as {
    ExtendedS3DestinationConfiguration?: { BucketARN?: string };
  };
  return String(props.ExtendedS3DestinationConfiguration?.BucketARN).split(':::')[1] as string;
}

/** Compare delivered uuids with the expected set: each exactly once, nothing else of this source. */
function compareUuids(
  ctx: DriverContext,
  what: string,
  expected: string[],
  delivered: Map<string, number>,
): void {
  const lost = expected.filter((u) => !delivered.has(u));
  const twice = expected.filter((u) => (delivered.get(u) ?? 0) > 1);
  ctx.log(
    `${what}: ${expected.length} events expected, ${expected.length - lost.length} in S3; lost ${lost.length}, duplicated ${twice.length}`,
  );
  if (lost.length) ctx.fail(`${what}: events missing from S3: ${lost.slice(0, 5).join(', ')}`);
  if (twice.length) ctx.fail(`${what}: events delivered more than once: ${twice.slice(0, 5).join(', ')}`);
}

/** Alarms on metrics of `namespace` this function's runs must have emitted (those named in `metrics`). */
function checkAlarmMetrics(
  ctx: DriverContext,
  stdout: string,
  metrics: string[],
  notEmitted: Record<string, string>,
): void {
  const namespace = ctx.fn.env.POWERTOOLS_METRICS_NAMESPACE as string;
  const emitted = emfMetrics(stdout);
  for (const w of alarmMetrics(ctx, namespace).filter((a) =>
    metrics.includes(a.metric.split('/')[1] as string),
  )) {
    const dims = emitted.get(w.metric);
    if (dims?.has(w.dims)) ctx.log(`alarm ${w.alarm}: ${w.metric} [${w.dims}] emitted`);
    else if (notEmitted[w.metric] && !dims)
      ctx.log(`alarm ${w.alarm}: ${w.metric} not exercised here: ${notEmitted[w.metric]}`);
    else ctx.fail(`alarm ${w.alarm} watches ${w.metric} [${w.dims}], which no run emitted`);
  }
}

const LAMBDA_LOG_REASONS = {
  'logs:CreateLogStream': 'used by the Lambda service to write the function log (its own log group only)',
  'logs:PutLogEvents': 'used by the Lambda service to write the function log (its own log group only)',
};

/**
 * The Event Stream collector (EventStreamId set, 2 channels): a run that reads both channels of the
 * simulator's stream until caught up, then a run that finds nothing new (204s); every event in S3
 * exactly once, the per-channel cursors saved, the stream metrics the alarms watch emitted.
 */
const streamCollector: FunctionDriver = {
  name: 'stream collector (built-in simulator Event Stream, 2 channels, 2 runs)',
  matches: (fn) => fn.cdkPath.endsWith('/Telemetry/StreamCollector/Function/Resource'),
  unusedReasons: {
    ...LAMBDA_LOG_REASONS,
    'sqs:SendMessage': 'used by the Lambda service for the on-failure destination (the DLQ)',
    'sqs:GetQueueAttributes': 'added by CDK with the on-failure destination grant',
    'sqs:GetQueueUrl': 'added by CDK with the on-failure destination grant',
  },
  async prepare() {
    const sim = await sharedSimulator.acquire();
    return {
      sim,
      parameters: { EventStreamId: STREAM_ID, EventStreamChannels: String(STREAM_CHANNELS) },
      close: () => sharedSimulator.release(),
    } satisfies CollectorPrepared;
  },
  async run(ctx) {
    const env = ctx.fn.env;
    const truth = sharedSimulator.telemetry;
    if (!truth) return ctx.fail('the simulator has no telemetry');
    if (env.SES_EVENT_STREAM_ID !== STREAM_ID)
      ctx.fail(`SES_EVENT_STREAM_ID is ${env.SES_EVENT_STREAM_ID}, not the EventStreamId parameter`);
    // docs/deploy.md: the secret is shared with the incident collector; put the right client again
    // (the incident driver's last run left a wrong one).
    await new SecretsManagerClient(client(ctx)).send(
      new PutSecretValueCommand({
        SecretId: env.SECRET_ARN as string,
        SecretString: JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
      }),
    );
    type Summary = {
      status?: string;
      events?: number;
      channels?: Array<{ channel: number; status: string; events: number }>;
    };
    const runs: Invocation[] = [];
    for (const n of [1, 2]) {
      const inv = await ctx.invoke({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
      runs.push(inv);
      const s = inv.value as Summary | undefined;
      ctx.log(
        `run ${n}: ${s?.status ?? inv.error?.errorMessage} (${s?.events ?? 0} events; channels ${(s?.channels ?? []).map((c) => `${c.channel}:${c.status}/${c.events}`).join(' ')}; ${inv.ms} ms)`,
      );
      if (!s || s.status === 'failed' || inv.error)
        ctx.fail(`stream run ${n} failed: ${inv.error?.errorMessage ?? s?.status}`);
      if (n === 2 && s?.events) ctx.fail(`run 2 read ${s.events} events again (the cursor was not kept)`);
    }
    const { bucket, uuids } = await telemetryInBucket(ctx);
    compareUuids(
      ctx,
      `Event Stream -> S3 ${bucket}`,
      truth.events.map((e) => e.uuid),
      uuids,
    );

    const ddb = new DynamoDBClient(client(ctx));
    const scan = await ddb.send(new ScanCommand({ TableName: env.CHECKPOINT_TABLE as string }));
    const cursors = (scan.Items ?? []).filter((i) => String(i.pk?.S).includes(`.stream.${STREAM_ID}.`));
    ctx.log(`stream cursors in ${env.CHECKPOINT_TABLE}: ${cursors.map((i) => i.pk?.S).join(', ')}`);
    if (cursors.length < STREAM_CHANNELS)
      ctx.fail(`${cursors.length} cursor items for ${STREAM_CHANNELS} channels`);

    checkAlarmMetrics(
      ctx,
      runs.map((r) => r.stdout).join('\n'),
      ['StreamLagSeconds', 'StreamCursorExpired'],
      {
        [`${env.POWERTOOLS_METRICS_NAMESPACE}/StreamCursorExpired`]:
          'emitted only on a 410 (cursor expired): test/integration/telemetry/stream-collector.test.ts',
      },
    );
    const hits = scanForSecrets(
      runs.flatMap(
        (r, i): Array<[string, string]> => [
          [`stream run ${i + 1} stdout`, r.stdout],
          [`stream run ${i + 1} stderr`, r.stderr],
        ],
      ),
      [{ label: 'client_secret', value: CLIENT_SECRET }],
    );
    for (const h of hits) ctx.fail(`secret ${h.secret} in ${h.source}: ${h.context}`);
  },
};

/**
 * The Data Bucket consumer: the template's own notification configuration is put on the export
 * bucket, a vendor-shaped NDJSON .gz object is uploaded, and the message S3 sent to the queue is given
 * to the function as the event source mapping would; then the same notification again (a duplicate:
 * nothing delivered twice) and a corrupt object (poison: reported to the dead-letter queue, not
 * retried). Every event of the object in S3 exactly once.
 */
const eventFiles: FunctionDriver = {
  name: 'Data Bucket consumer (NDJSON .gz in moto S3 -> notification -> SQS batch, duplicate, poison)',
  matches: (fn) => fn.cdkPath.endsWith('/Telemetry/EventFilesFunction/Resource'),
  unusedReasons: {
    ...LAMBDA_LOG_REASONS,
    'sqs:ReceiveMessage': "used by the Lambda service's event source mapping (the poller), not the function",
    'sqs:DeleteMessage': "used by the Lambda service's event source mapping (the poller), not the function",
    'sqs:ChangeMessageVisibility': "used by the Lambda service's event source mapping (the poller)",
    'sqs:GetQueueAttributes': "used by the Lambda service's event source mapping (the poller)",
    'sqs:GetQueueUrl': 'added by CDK with the event source grant',
    's3:GetObjectVersion': 'used when the notification names a versionId (moto sends none for these objects)',
  },
  async prepare() {
    return { parameters: {}, close: async () => {} };
  },
  async run(ctx) {
    const s3 = new S3Client({ ...client(ctx), forcePathStyle: true });
    const sqs = new SQSClient(client(ctx));
    const [bucketId, bucketRes] =
      Object.entries(ctx.resolver.template.Resources).find(
        ([id, r]) =>
          r.Type === 'AWS::S3::Bucket' && ctx.resolver.exists(id) && r.Properties?.NotificationConfiguration,
      ) ?? [];
    if (!bucketId || !bucketRes)
      return ctx.fail('no export bucket with a notification configuration in the template');
    const bucket = ctx.resolver.resources.get(bucketId)?.ref as string;
    const notification = ctx.resolver.resolve(bucketRes.Properties?.NotificationConfiguration) as {
      QueueConfigurations: Array<{ Event: string; Queue: string }>;
    };
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          QueueConfigurations: notification.QueueConfigurations.map((q) => ({
            QueueArn: q.Queue,
            Events: [q.Event as 's3:ObjectCreated:*'],
          })),
        },
      }),
    );
    const queueArn = notification.QueueConfigurations[0]?.Queue;
    const queueUrl = [...ctx.resolver.resources.values()].find((r) => r.attrs.Arn === queueArn)?.attrs
      .QueueUrl;
    const dlqUrl = ctx.fn.env.POISON_QUEUE_URL as string;
    if (!queueUrl) return ctx.fail(`the notification queue ${queueArn} was not provisioned`);
    ctx.log(`notification of s3://${bucket} -> ${queueArn} (from the template)`);
    await drain(sqs, queueUrl); // moto's s3:TestEvent

    const now = Date.now();
    const data = generateTelemetry({ seed: 11, count: 300, from: now - 2 * 3600_000, to: now - 3600_000 });
    const ndjson = data.events.map((e) => JSON.stringify(e)).join('\n');
    const key = `export/2026/01/01/events-${now}.ndjson.gz`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(ndjson) }));
    const messages = await drain(sqs, queueUrl);
    ctx.log(
      `put s3://${bucket}/${key} (${data.events.length} events, gzip); ${messages.length} notification(s) queued`,
    );
    if (messages.length !== 1)
      return ctx.fail(`expected 1 notification for the object, got ${messages.length}`);
    const event = sqsEvent(ctx, queueArn as string, messages);

    const first = await ctx.invoke(event);
    const failures1 = (first.value as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures;
    ctx.log(
      `batch 1: ${first.error ? first.error.errorMessage : `${failures1?.length ?? '?'} item failures`} (${first.ms} ms)`,
    );
    if (first.error || failures1?.length !== 0)
      ctx.fail(`batch 1 did not succeed: ${first.error?.errorMessage ?? JSON.stringify(first.value)}`);

    // The same notification again (S3 delivers at least once): nothing new reaches Firehose.
    const again = await ctx.invoke(event);
    if (again.error) ctx.fail(`the duplicate notification failed: ${again.error.errorMessage}`);
    if (!again.stdout.includes('already ingested'))
      ctx.fail('the duplicate notification was not recognised as already ingested');

    // A poison object: not gzip NDJSON although it says so. Reported to the DLQ with the reason, not retried.
    const badKey = `export/2026/01/01/corrupt-${now}.ndjson.gz`;
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: badKey,
        Body: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from('not gzip at all')]),
      }),
    );
    const badMessages = await drain(sqs, queueUrl);
    const poison = await ctx.invoke(sqsEvent(ctx, queueArn as string, badMessages));
    const failures3 = (poison.value as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures;
    const dead = await drain(sqs, dlqUrl);
    const reason = dead
      .map((m) => String((JSON.parse(m.Body ?? '{}') as { reason?: string }).reason))
      .join(' | ');
    ctx.log(
      `poison object: ${failures3?.length ?? '?'} item failures, ${dead.length} dead-letter message(s): ${reason.slice(0, 160)}`,
    );
    if (poison.error || failures3?.length !== 0)
      ctx.fail(
        `the poison object was retried or failed the batch: ${poison.error?.errorMessage ?? JSON.stringify(poison.value)}`,
      );
    if (dead.length !== 1 || !reason.includes(badKey))
      ctx.fail('the poison object did not reach the dead-letter queue with its location');

    const { bucket: dataBucket, uuids } = await telemetryInBucket(ctx);
    compareUuids(
      ctx,
      `s3://${bucket}/${key} -> S3 ${dataBucket}`,
      data.events.map((e) => e.uuid),
      uuids,
    );
    // The DLQ-depth alarm watches the queue (AWS/SQS); the function also counts poison objects:
    const namespace = ctx.fn.env.POWERTOOLS_METRICS_NAMESPACE as string;
    const poisoned = emfMetrics(poison.stdout).get(`${namespace}/EventFilesPoisoned`);
    ctx.log(`EMF EventFilesPoisoned: ${poisoned ? [...poisoned].join(' | ') : 'not emitted'}`);
    if (!poisoned) ctx.fail('the poison object was not counted (EventFilesPoisoned)');
  },
};

/** Receive everything a queue holds now (bounded), deleting it, as the event source mapping does. */
async function drain(sqs: SQSClient, url: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const got = r.Messages ?? [];
    for (const m of got)
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    out.push(...got.filter((m) => !String(m.Body).includes('s3:TestEvent')));
    if (got.length === 0) break;
  }
  return out;
}

/** The SQS event the event source mapping hands the function for these messages. */
function sqsEvent(ctx: DriverContext, queueArn: string, messages: Message[]) {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: ctx.aws.region,
    })),
  };
}

export const FUNCTION_DRIVERS: FunctionDriver[] = [collector, streamCollector, eventFiles];
