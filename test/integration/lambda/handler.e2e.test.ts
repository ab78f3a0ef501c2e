import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { ConfigError, isConnectorError } from '../../../shared/errors.ts';
import { generateIncidents } from '../../../shared/simulator/index.ts';
import {
  type Audit,
  checkpointRegressions,
  type LambdaRig,
  startLambdaRig,
  TABLE,
} from '../../helpers/lambda-rig.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SETTLE = 60_000;

/**
 * The Lambda run (`createRun`, no middleware) end to end: API simulator on a fake clock shared with the
 * run, the checkpoint table in dynalite, Secrets Manager and Firehose as SDK doubles. Every claim is
 * checked against the simulator's ground truth: incident documents by incident_uid + time (one per
 * version), event documents by incident_uid + uuid.
 */
describe('Module: Lambda handler end to end', () => {
  let rig: LambdaRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  /** Versions visible up to `upTo` that did not arrive, and events of delivered versions that did not. */
  function missing(r: LambdaRig, upTo: number, a: Audit = r.audit()) {
    const versions = r.sim.groundTruth.versions.filter((v) => v.time <= upTo);
    const lostVersions = versions.filter((v) => !a.deliveredVersions.has(v.key)).map((v) => v.key);
    const lostEvents = versions
      .filter((v) => a.deliveredVersions.has(v.key))
      .flatMap((v) => v.eventUuids.filter((u) => !a.deliveredEvents.has(`${v.incident_uid}\n${u}`)));
    return { versions: versions.length, lostVersions, lostEvents };
  }

  async function storedCheckpoint(r: LambdaRig) {
    return new DynamoDbCheckpointStore({ tableName: TABLE, client: r.dynalite.client }).load('default');
  }

  it('delivers every incident version and event across consecutive scheduled runs', async () => {
    // Prepare: a 6 h backlog, and incidents arriving over the next hour.
    rig = await startLambdaRig({
      seed: 11,
      incidents: 60,
      spanHours: 6,
      futureHours: 1,
      env: { SES_PAGE_SIZE: '25', SES_INITIAL_LOOKBACK_MINUTES: '480' },
    });
    const container = rig.container();
    // Act: a scheduled run every 5 minutes for 70 minutes.
    const statuses: string[] = [];
    for (let i = 0; i < 14; i++) {
      rig.clock.advance(5 * MINUTE);
      const o = await rig.invoke(container);
      statuses.push(o.summary?.status ?? `error: ${o.error?.message}`);
    }
    // Assess
    expect(statuses).toEqual(Array(14).fill('complete'));
    const cp = await storedCheckpoint(rig);
    expect(cp?.watermark).toBe(new Date(rig.clock.now() - SETTLE).toISOString());
    const m = missing(rig, rig.clock.now() - SETTLE);
    expect(m.versions).toBe(
      rig.sim.groundTruth.versions.filter((v) => v.time <= rig!.clock.now() - SETTLE).length,
    );
    expect(m.versions).toBeGreaterThanOrEqual(100);
    expect(m.lostVersions).toEqual([]);
    expect(m.lostEvents).toEqual([]);
    // New incidents did arrive between runs (not only the initial backlog).
    const later = rig.invocations.slice(1).reduce((n, o) => n + (o.summary?.incidents ?? 0), 0);
    expect(later).toBeGreaterThan(0);
    expect(checkpointRegressions(rig.dynamo.checkpoints)).toEqual([]);
  });

  it('re-delivers after a crash between the sink and the checkpoint write, losing nothing', async () => {
    // Prepare
    rig = await startLambdaRig({ seed: 12, incidents: 40, spanHours: 6, env: { SES_PAGE_SIZE: '25' } });
    rig.dynamo.arm({ checkpointWrites: 1, keepLease: true });
    // Act: the first run dies after Firehose accepted its first page.
    const crashed = await rig.invoke(rig.container());
    rig.dynamo.arm(undefined);
    const dataBeforeCrash = rig.firehose.delivered
      .filter((d) => d.dataset !== 'symantec_edr_cloud.alert')
      .map((d) => d.id);
    const checkpointAfterCrash = await storedCheckpoint(rig);
    // One minute later its lease (valid until its deadline) still holds; five minutes later it expired.
    rig.clock.advance(MINUTE);
    const early = await rig.invoke(rig.container());
    rig.clock.advance(4 * MINUTE);
    const next = await rig.invoke(rig.container());
    // Assess
    expect(crashed.error?.message).toMatch(
      /^server error: DynamoDB failed PutItem on table "ses-connector-checkpoints" \(InternalServerError\)\. .*\(checkpoint unchanged since the last delivered page\)$/,
    );
    expect(dataBeforeCrash.length).toBeGreaterThan(0);
    expect(checkpointAfterCrash).toBeUndefined();
    expect(early.summary?.status).toBe('skipped');
    expect(early.summary?.reason).toMatch(/another run \(req-0001\) holds the lease/);
    expect(next.summary?.status).toBe('complete');
    const m = missing(rig, rig.clock.now() - SETTLE);
    expect(m.lostVersions).toEqual([]);
    expect(m.lostEvents).toEqual([]);
    // At least once: the page delivered before the crash arrives again.
    const copies = new Map<string, number>();
    for (const d of rig.firehose.delivered) copies.set(d.id, (copies.get(d.id) ?? 0) + 1);
    expect(dataBeforeCrash.filter((id) => copies.get(id) !== 2)).toEqual([]);
    expect(checkpointRegressions(rig.dynamo.checkpoints)).toEqual([]);
  });

  it('stops mid-window at the deadline when the API is slow, and the next run resumes at the saved offset', async () => {
    // Prepare: the second data request hangs for 10 s; the run has 3 s left and a 1 s margin.
    rig = await startLambdaRig({ seed: 13, incidents: 60, spanHours: 6, env: { SES_PAGE_SIZE: '25' } });
    rig.sim.faults.at(2, { kind: 'slow', delayMs: 10_000 });
    // Act
    const first = await rig.invoke(rig.container({ SES_DEADLINE_MARGIN_SECONDS: '1' }), 3_000);
    const saved = await storedCheckpoint(rig);
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
    const m = missing(rig, rig.clock.now() - SETTLE);
    expect(m.lostVersions).toEqual([]);
    expect(m.lostEvents).toEqual([]);
  });

  it('lets exactly one of two concurrent invocations collect; the other is skipped', async () => {
    // Prepare
    rig = await startLambdaRig({ seed: 14, incidents: 50, spanHours: 6, env: { SES_PAGE_SIZE: '20' } });
    // Act
    const [a, b] = await Promise.all([rig.invoke(rig.container()), rig.invoke(rig.container())]);
    // Assess
    expect([a?.summary?.status, b?.summary?.status].sort()).toEqual(['complete', 'skipped']);
    const skipped = a?.summary?.status === 'skipped' ? a : b;
    const winner = skipped === a ? b : a;
    expect(skipped?.summary?.reason).toContain(`another run (${winner?.requestId}) holds the lease`);
    expect(skipped?.summary?.incidents).toBe(0);
    expect(rig.metrics.filter((m) => m.name === 'LeaseHeld').map((m) => m.value)).toEqual([1]);
    const m = missing(rig, rig.clock.now() - SETTLE);
    expect(m.lostVersions).toEqual([]);
    expect(rig.audit().duplicates).toBe(0);
  });

  it('re-sends only the records Firehose refused (partial failures and throttling) and loses none', async () => {
    // Prepare: call 1 refuses every third record, call 2 is throttled, call 3 refuses again.
    rig = await startLambdaRig({ seed: 15, incidents: 30, spanHours: 6, env: { SES_PAGE_SIZE: '20' } });
    rig.firehose.plan.push('partial', 'throttle', 'partial');
    // Act
    const o = await rig.invoke(rig.container());
    // Assess
    expect(o.summary?.status).toBe('complete');
    const { callSizes, refusedPerCall } = rig.firehose;
    expect(refusedPerCall[0]).toBeGreaterThan(0);
    expect(callSizes[1]).toBe(refusedPerCall[0]); // only the refused ones, after a partial failure
    expect(callSizes[2]).toBe(refusedPerCall[1]); // the whole throttled call again
    expect(callSizes[3]).toBe(refusedPerCall[2]);
    expect(rig.audit().duplicates).toBe(0);
    expect(rig.metrics.find((m) => m.name === 'SinkRetries')?.value).toBe(3);
    const m = missing(rig, rig.clock.now() - SETTLE);
    expect(m.lostVersions).toEqual([]);
    expect(m.lostEvents).toEqual([]);
  });

  it('reports a backlog older than the 30-day history as a gap (summary and HistoryGapSeconds) and delivers the rest', async () => {
    // Prepare: the last delivery was 35 days ago; the API holds 29 days of incidents, and some older
    // ones it will refuse to serve.
    rig = await startLambdaRig({ seed: 16, incidents: 80, spanHours: 29 * 24 });
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
    await new DynamoDbCheckpointStore({ tableName: TABLE, client: rig.dynalite.client }).save(
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
    expect(rig.capture.text).toContain(
      `history limit: incidents between ${watermark} and ${horizon} are older than the API keeps (30 days)`,
    );
    const inHistory = missing(rig, now - SETTLE);
    const oldKeys = new Set(old.map((r) => `${r.incident_uid}@${r.time}`));
    expect(inHistory.lostVersions.sort()).toEqual([...oldKeys].sort());
    expect(inHistory.lostEvents.length).toBe(0);
    expect(inHistory.versions - oldKeys.size).toBeGreaterThan(80);
  });

  it('fails a bad SES_PAGE_SIZE with a ConfigError naming it, before calling any AWS API', async () => {
    // Prepare
    rig = await startLambdaRig({ seed: 17, incidents: 5 });
    const before = rig.awsCalls();
    // Act
    const o = await rig.invoke(rig.container({ SES_PAGE_SIZE: '5000' }));
    // Assess
    expect(o.error).toBeInstanceOf(ConfigError);
    expect(isConnectorError(o.error) && o.error.kind).toBe('config');
    expect(o.error?.message).toBe(
      'Invalid configuration: SES_PAGE_SIZE: Too big: expected number to be <=2000 (got "5000") — expected: Incidents per API page (1-2000). Fix the value(s) named above; see docs/configuration.md for each setting',
    );
    expect(rig.awsCalls()).toEqual(before);
    expect(rig.sim.requestLog).toEqual([]);
    expect(rig.metrics.map((m) => m.name).sort()).toEqual(['ConfigError', 'RunFailed']);
  });
});
