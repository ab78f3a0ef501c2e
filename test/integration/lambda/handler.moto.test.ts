import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { ConfigError, isConnectorError } from '../../../shared/errors.ts';
import { generateIncidents } from '../../../shared/simulator/index.ts';
import { checkpointRegressions } from '../../helpers/lambda-rig.ts';
import { motoReady } from '../../helpers/moto-aws.ts';
import { auditStored, MOTO_TABLE, type MotoLambda, startMotoLambda } from '../../helpers/moto-lambda.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SETTLE = 60_000;

/**
 * The Lambda run (`createRun`) end to end on moto: the secret, the checkpoint table and the delivery
 * stream are real resources in moto, reached by the handler's default clients through
 * AWS_ENDPOINT_URL; what it delivered is read back from the S3 bucket Firehose wrote, and checked
 * against the API simulator's ground truth (incident documents by incident_uid + time, one per version;
 * event documents by incident_uid + uuid). Two cases stay on the client-mock rig in handler.e2e.test.ts:
 * Firehose refusing records (moto accepts every record) and two concurrent invocations racing for the
 * lease (moto's DynamoDB condition checks are not atomic across its request threads: both lease writes
 * succeeded in about one run of seven).
 */
describe.skipIf(!motoReady)('Module: Lambda handler end to end on moto', () => {
  let rig: MotoLambda | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  /** Versions visible up to `upTo` whose document is not in the bucket, and their missing events. */
  async function missing(r: MotoLambda, upTo: number) {
    const a = auditStored(await r.stored());
    const versions = r.sim.groundTruth.versions.filter((v) => v.time <= upTo);
    const lostVersions = versions.filter((v) => !a.versions.has(v.key)).map((v) => v.key);
    const lostEvents = versions
      .filter((v) => a.versions.has(v.key))
      .flatMap((v) => v.eventUuids.filter((u) => !a.events.has(`${v.incident_uid}\n${u}`)));
    return { versions: versions.length, lostVersions, lostEvents, audit: a };
  }

  it('delivers every incident version and event across consecutive scheduled runs', async () => {
    // Prepare: a 6 h backlog, and incidents arriving over the next half hour.
    rig = await startMotoLambda({
      seed: 11,
      incidents: 40,
      spanHours: 6,
      futureHours: 0.5,
      env: { SES_PAGE_SIZE: '25', SES_INITIAL_LOOKBACK_MINUTES: '480' },
    });
    const container = rig.container();
    // Act: a scheduled run every 5 minutes for 40 minutes, in one warm container.
    const statuses: string[] = [];
    for (let i = 0; i < 8; i++) {
      rig.clock.advance(5 * MINUTE);
      const o = await rig.invoke(container);
      statuses.push(o.summary?.status ?? `error: ${o.error?.message}`);
    }
    // Assess
    expect(statuses).toEqual(Array(8).fill('complete'));
    const cp = await rig.checkpoint();
    expect(cp?.watermark).toBe(new Date(rig.clock.now() - SETTLE).toISOString());
    const m = await missing(rig, rig.clock.now() - SETTLE);
    expect(m.versions).toBeGreaterThanOrEqual(60);
    expect(m.lostVersions).toEqual([]);
    expect(m.lostEvents).toEqual([]);
    const later = rig.invocations.slice(1).reduce((n, o) => n + (o.summary?.incidents ?? 0), 0);
    expect(later).toBeGreaterThan(0);
    expect(checkpointRegressions(rig.dynamo.checkpoints)).toEqual([]);
  });

  it('re-delivers after a crash between the sink and the checkpoint write, losing nothing', async () => {
    // Prepare: exact offsets (plain paging); the first checkpoint write after data reached Firehose fails,
    // and the dying run keeps its lease.
    rig = await startMotoLambda({
      seed: 12,
      incidents: 40,
      spanHours: 6,
      env: { SES_PAGE_SIZE: '25', SES_PAGE_OVERLAP: '0' },
    });
    rig.dynamo.arm({ checkpointWrites: 1, keepLease: true });
    // Act
    const crashed = await rig.invoke(rig.container());
    rig.dynamo.arm(undefined);
    const beforeCrash = (await rig.stored())
      .filter((d) => d.dataset !== 'symantec_edr_cloud.alert')
      .map((d) => d.id);
    const checkpointAfterCrash = await rig.checkpoint();
    rig.clock.advance(MINUTE);
    const early = await rig.invoke(rig.container());
    rig.clock.advance(4 * MINUTE);
    const next = await rig.invoke(rig.container());
    // Assess
    expect(crashed.error?.message).toMatch(
      /^server error: DynamoDB failed PutItem on table "ses-connector-checkpoints" \(InternalServerError\)\. .*\(checkpoint unchanged since the last delivered page\)$/,
    );
    expect(beforeCrash.length).toBeGreaterThan(0);
    expect(checkpointAfterCrash).toBeUndefined();
    expect(early.summary?.status).toBe('skipped');
    expect(early.summary?.reason).toMatch(/another run \(req-0001\) holds the lease/);
    expect(next.summary?.status).toBe('complete');
    const m = await missing(rig, rig.clock.now() - SETTLE);
    expect(m.lostVersions).toEqual([]);
    expect(m.lostEvents).toEqual([]);
    // At least once: what was delivered before the crash is in the bucket twice.
    expect(beforeCrash.filter((id) => m.audit.copies.get(id) !== 2)).toEqual([]);
    expect(checkpointRegressions(rig.dynamo.checkpoints)).toEqual([]);
  });

  it('stops mid-window at the deadline when the API is slow; the next run resumes at the saved offset', async () => {
    // Prepare: the second data request hangs for 30 s; the run has 6 s left and a 2 s margin (the first
    // page, with a cold moto behind it, has 4 s on a loaded machine).
    rig = await startMotoLambda({
      seed: 13,
      incidents: 60,
      spanHours: 6,
      env: { SES_PAGE_SIZE: '25', SES_PAGE_OVERLAP: '0' },
    });
    rig.sim.faults.at(2, { kind: 'slow', delayMs: 30_000 });
    // Act
    const first = await rig.invoke(rig.container({ SES_DEADLINE_MARGIN_SECONDS: '2' }), 6_000);
    const saved = await rig.checkpoint();
    rig.clock.advance(5 * MINUTE);
    const second = await rig.invoke(rig.container());
    // Assess
    expect(first.summary?.status).toBe('partial');
    expect(first.summary?.reason).toMatch(
      /^deadline near: stopped at offset 25 of window .+; progress saved/,
    );
    expect(saved?.cursor?.offset).toBe(25);
    expect(saved?.watermark).toBeUndefined();
    expect(second.summary?.status).toBe('complete');
    const resumed = rig.sim.requestLog.filter((e) => e.target === 'incidents' && e.status === 200)[1];
    expect((resumed?.body as { next?: number } | undefined)?.next).toBe(25);
    const m = await missing(rig, rig.clock.now() - SETTLE);
    expect(m.lostVersions).toEqual([]);
    expect(m.lostEvents).toEqual([]);
  });

  it('reports a backlog older than the 30-day history as a gap and delivers the rest', async () => {
    // Prepare: the last delivery was 35 days ago; some incidents are older than the API keeps.
    rig = await startMotoLambda({ seed: 16, incidents: 60, spanHours: 29 * 24 });
    const now = rig.clock.now();
    const old = generateIncidents({
      seed: 99,
      incidents: 5,
      from: now - 33 * DAY,
      to: now - 31 * DAY,
      firstRef: 500_000,
    });
    rig.sim.addIncidents(old);
    const watermark = new Date(now - 35 * DAY).toISOString();
    await new DynamoDbCheckpointStore({ tableName: MOTO_TABLE, client: rig.aws.dynamodb }).save(
      'default',
      { watermark },
      0,
    );
    // Act
    const o = await rig.invoke(rig.container());
    // Assess
    const horizon = new Date(now - 30 * DAY + 10 * MINUTE).toISOString();
    const seconds = Math.round((Date.parse(horizon) - Date.parse(watermark)) / 1000);
    expect(o.summary?.status).toBe('complete');
    expect(o.summary?.historyGaps).toEqual([{ from: watermark, to: horizon, seconds }]);
    expect(rig.metrics.filter((m) => m.name === 'HistoryGapSeconds')).toEqual([
      { name: 'HistoryGapSeconds', unit: 'Seconds', value: seconds },
    ]);
    const m = await missing(rig, now - SETTLE);
    const oldKeys = new Set(old.map((r) => `${r.incident_uid}@${r.time}`));
    expect(m.lostVersions.sort()).toEqual([...oldKeys].sort());
    expect(m.lostEvents).toEqual([]);
  });

  it('fails a bad SES_PAGE_SIZE with a ConfigError naming it, before any request reaches AWS', async () => {
    rig = await startMotoLambda({ seed: 17, incidents: 5 });
    const run = rig.container({ SES_PAGE_SIZE: '5000' });
    const { result: o, requests } = await rig.recordAws(() => rig!.invoke(run));
    expect(o.error).toBeInstanceOf(ConfigError);
    expect(isConnectorError(o.error) && o.error.kind).toBe('config');
    expect(o.error?.message).toContain('SES_PAGE_SIZE: Too big: expected number to be <=2000 (got "5000")');
    expect(requests).toEqual([]);
    expect(rig.sim.requestLog).toEqual([]);
    expect(rig.metrics.map((m) => m.name).sort()).toEqual(['ConfigError', 'RunFailed']);
  });

  it('reads the secret from Secrets Manager once per warm container and keeps it out of every output', async () => {
    rig = await startMotoLambda({ seed: 18, incidents: 10, spanHours: 2 });
    const container = rig.container();
    const { requests } = await rig.recordAws(async () => {
      await rig!.invoke(container);
      rig!.clock.advance(5 * MINUTE);
      await rig!.invoke(container);
    });
    const targets = requests.map((r) => r.headers['X-Amz-Target'] ?? r.headers['x-amz-target'] ?? '');
    expect(targets.filter((t) => t === 'secretsmanager.GetSecretValue')).toHaveLength(1);
    expect(targets.filter((t) => t === 'Firehose_20150804.PutRecordBatch').length).toBeGreaterThan(0);
    const stored = JSON.stringify(await rig.stored());
    for (const text of [rig.capture.text, stored, JSON.stringify(rig.invocations)])
      expect(text).not.toContain(rig.sim.clientSecret);
  });
});
