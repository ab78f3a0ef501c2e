import { beforeAll, describe, expect, it } from 'vitest';
import { runSoak, SOAK_FAULT_KINDS, type SoakResult } from '../../../bench/soak-harness.ts';

/**
 * A short seeded soak of the Lambda handler (the full one is `npm run soak`): 20 scheduled runs with
 * every fault kind at least once (runs 2-15 force one each) and random faults on top, then catch-up runs,
 * audited against the simulator's ground truth.
 */
describe('Module: soak of the Lambda handler under seeded faults', () => {
  let result: SoakResult;

  beforeAll(async () => {
    result = await runSoak({ seed: 5, runs: 20, faultRate: 1, incidents: 200, pauseAfter: 17 });
    await result.detail.rig.close();
  }, 60_000);

  it('injected every fault kind at least once', () => {
    const missing = SOAK_FAULT_KINDS.filter((k) => !(result.faults[k] && result.faults[k] > 0));
    expect(missing).toEqual([]);
  });

  it('lost no incident version or event outside the reported history gap', () => {
    expect(result.detail.lostKeys).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.events_lost).toBe(0);
    // Generated but not delivered as incidents: only versions the API served corrupted (quarantined).
    const corrupted = new Set(
      result.detail.rig.sim.groundTruth.served.filter((s) => !s.valid).map((s) => s.key),
    );
    expect(result.generated - result.delivered).toBeLessThanOrEqual(corrupted.size);
    expect(result.delivered).toBeGreaterThan(200);
    expect(result.events_generated).toBeGreaterThan(0);
  });

  it('reports the pause longer than the history limit as a gap, separately from loss', () => {
    expect(result.detail.gaps.length).toBeGreaterThanOrEqual(1);
    expect(result.history_gap).toBeGreaterThan(0);
  });

  it('turned every corrupted item the API served into a quarantine document', () => {
    expect(result.faults.invalid_items).toBeGreaterThan(0);
    expect(result.detail.unquarantined).toEqual([]);
    expect(result.quarantined).toBeGreaterThanOrEqual(1);
  });

  it('never moved a checkpoint backwards', () => {
    expect(result.detail.regressionText).toEqual([]);
    expect(result.regressions).toBe(0);
  });

  it('skipped the second of two concurrent invocations and recovered from the crash', () => {
    expect(result.skipped_runs).toBeGreaterThanOrEqual(1);
    expect(result.failed_runs).toBeGreaterThanOrEqual(1);
    expect(result.partial_runs).toBeGreaterThanOrEqual(1);
  });
});
