import { afterEach, describe, expect, it } from 'vitest';
import { type Audit, type LambdaRig, startLambdaRig } from '../../helpers/lambda-rig.ts';

const SETTLE = 60_000;

/**
 * The Lambda run (`createRun`) with Firehose refusing records: the one handler case moto cannot
 * produce (its Firehose accepts every record, FailedPutCount 0), so it stays on the client-mock rig
 * (API simulator on a fake clock, checkpoint table in dynalite, Secrets Manager and Firehose as SDK
 * doubles). Every other end-to-end case runs against moto in handler.moto.test.ts.
 */
describe('Module: Lambda handler end to end (Firehose refusals, on the client-mock rig)', () => {
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
});
