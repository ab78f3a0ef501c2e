import { afterEach, describe, expect, it } from 'vitest';
import { generateIncidents } from '../../../shared/simulator/index.ts';
import { TRUNCATION_MARKER } from '../../../shared/sink/firehose.ts';
import { type LambdaRig, startLambdaRig } from '../../helpers/lambda-rig.ts';

/**
 * Regression tests for bugs the reliability tests found (docs/reliability.md, "Bugs found and fixed").
 */
describe('Module: bugs found by the reliability tests stay fixed', () => {
  let rig: LambdaRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('a non-https SES_API_URL error names the variable', async () => {
    rig = await startLambdaRig({ seed: 41, incidents: 1, spanHours: 6 });
    const o = await rig.invoke(rig.container({ SES_API_URL: 'http://api.example.com' }));
    expect(o.error?.message).toContain('SES_API_URL');
  });

  it('an incident whose message alone is over the Firehose record limit is shrunk, not quarantined', async () => {
    rig = await startLambdaRig({ seed: 42, incidents: 0, spanHours: 6 });
    const now = rig.clock.now();
    const [a] = generateIncidents({
      seed: 7,
      incidents: 1,
      from: now - 3_600_000,
      to: now - 1_800_000,
      updateRate: 0,
    });
    if (!a) throw new Error('no incident generated');
    a.message = 'x'.repeat(1_200_000);
    rig.sim.addIncidents([a]);
    await rig.invoke(rig.container());
    const incident = rig.firehose.delivered.find((d) => d.dataset === 'symantec_edr_cloud.incident');
    expect(String(incident?.doc.message).endsWith(TRUNCATION_MARKER)).toBe(true);
  });
});
