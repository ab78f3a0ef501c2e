import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../shared/simulator/index.ts';
import { simulatorWithClient } from '../../helpers/simulator.ts';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('Contract: GET /v1/incidents/{incident_uid}', () => {
  it('returns the current version of one incident with its events, and undefined for an unknown id', async () => {
    const setup = await simulatorWithClient({ seed: 4, incidents: 20, updateRate: 1 });
    sim = setup.sim;
    const uid = String(sim.groundTruth.versions[0]?.incident_uid);
    const versions = sim.groundTruth.visible().filter((v) => v.incident_uid === uid);
    const newest = versions.reduce((a, b) => (b.time > a.time ? b : a));

    const one = await setup.api.incidents.get?.(uid);
    const unknown = await setup.api.incidents.get?.('no-such-incident');

    expect(one?.incident?.incident_uid).toBe(uid);
    expect(one?.incident?.time).toBe(newest.time);
    expect(Array.isArray(one?.incident?.events)).toBe(true);
    expect(one?.requests).toBe(2); // token + the GET
    expect(unknown).toBeUndefined();
    const gets = sim.requestLog.filter((r) => r.method === 'GET').map((r) => [r.path, r.status]);
    expect(gets).toEqual([
      [`/v1/incidents/${uid}`, 200],
      ['/v1/incidents/no-such-incident', 404],
    ]);
  });
});
