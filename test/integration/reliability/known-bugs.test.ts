import { afterEach, describe, expect, it } from 'vitest';
import { type LambdaRig, startLambdaRig } from '../../../bench/soak-harness.ts';
import { generateIncidents } from '../../../shared/simulator/index.ts';
import { TRUNCATION_MARKER } from '../../../shared/sink/firehose.ts';

/**
 * Bugs found while proving the connector, in code owned by others. These tests fail until the bug is
 * fixed (see the report and docs/reliability.md); nothing here is lost data, only a worse outcome.
 */
describe('Module: known bugs found by the reliability tests', () => {
  let rig: LambdaRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('BUG shared/config/load.ts apiBaseUrl: a non-https SES_API_URL error names the variable', async () => {
    rig = await startLambdaRig({ seed: 41, incidents: 1, spanHours: 6 });
    const o = await rig.invoke(rig.container({ SES_API_URL: 'http://api.example.com' }));
    // Today: "API URL http://api.example.com is not allowed: only https, or plain http to a loopback
    // address. Use the https URL of your region (or --region us|eu|in)" — no setting named.
    expect(o.error?.message).toContain('SES_API_URL');
  });

  it('BUG shared/sink/firehose.ts shrink: an incident whose message alone is over the record limit is shrunk, not quarantined', async () => {
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
    // Today the message is also copied to symantec_edr_cloud.incident.message, which shrink() leaves
    // whole, so the document stays at 2.4 MB and is quarantined.
    const incident = rig.firehose.delivered.find((d) => d.dataset === 'symantec_edr_cloud.incident');
    expect(String(incident?.doc.message).endsWith(TRUNCATION_MARKER)).toBe(true);
  });
});
