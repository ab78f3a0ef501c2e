import { appendFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { isConnectorError } from '../../../shared/errors.ts';
import { generateIncidents } from '../../../shared/simulator/index.ts';
import { TRUNCATION_MARKER } from '../../../shared/sink/firehose.ts';
import {
  type LambdaRig,
  RIG_CLIENT_ID,
  RIG_CLIENT_SECRET,
  startLambdaRig,
  TABLE,
} from '../../helpers/lambda-rig.ts';

const MINUTE = 60_000;
const SETTLE = 60_000;
const GOOD_SECRET = JSON.stringify({ client_id: RIG_CLIENT_ID, client_secret: RIG_CLIENT_SECRET });

/** During development, set OBSERVE=<file> to record the texts a user sees (copied into docs/reliability.md). */
/** Ports and sizes vary per run. */
function stable(text: string | undefined): string {
  return String(text).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
}

function observe(label: string, text: string | undefined): void {
  if (process.env.OBSERVE) appendFileSync(process.env.OBSERVE, `${JSON.stringify({ label, text })}\n`);
}

/**
 * Every class of bad input the connector was tried with (docs/reliability.md has the table): what the
 * user sees, and proof that nothing was lost — the checkpoint did not move past undelivered data, and
 * once the input is fixed the next run delivers every version the API holds.
 */
describe('Module: bad input', () => {
  let rig: LambdaRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  async function checkpoint(r: LambdaRig) {
    return new DynamoDbCheckpointStore({ tableName: TABLE, client: r.dynalite.client }).load('default');
  }

  /** Visible versions up to now − settle that never arrived as incident documents. */
  function lost(r: LambdaRig): string[] {
    const a = r.audit();
    return r.sim.groundTruth
      .visible()
      .filter((v) => v.time <= r.clock.now() - SETTLE && !a.deliveredVersions.has(v.key))
      .map((v) => v.key);
  }

  /** Fix the input, run again five minutes later, and prove the run completes without loss. */
  async function recovers(r: LambdaRig): Promise<void> {
    r.clock.advance(5 * MINUTE);
    const o = await r.invoke(r.container());
    expect(o.error).toBeUndefined();
    expect(o.summary?.status).toBe('complete');
    expect(lost(r)).toEqual([]);
  }

  it('bad credentials: the run fails with an auth error naming the secret, and delivers everything once fixed', async () => {
    rig = await startLambdaRig({ seed: 31, incidents: 30, spanHours: 6 });
    rig.setSecret(JSON.stringify({ client_id: RIG_CLIENT_ID, client_secret: 'wrong-secret-value' }));
    const o = await rig.invoke(rig.container());
    observe('bad credentials', o.error?.message);
    expect(isConnectorError(o.error) && o.error.kind).toBe('auth');
    expect(stable(o.error?.message)).toBe(
      'auth error: The API at 127.0.0.1:<port> rejected the client credentials from Secrets Manager secret arn:aws:secretsmanager:us-east-1:123456789012:secret:ses-AbCdEf (401: Credential mismatch). Check the client ID and secret: SES_CLIENT_ID / SES_CLIENT_SECRET locally, or the Secrets Manager secret in AWS; also check that SES_API_REGION / SES_API_URL is the region where the client application was created (checkpoint unchanged since the last delivered page)',
    );
    expect(await checkpoint(rig)).toBeUndefined();
    expect(rig.firehose.calls).toBe(0);
    rig.setSecret(GOOD_SECRET);
    await recovers(rig);
  });

  it('a secret that is not JSON: the error says so without quoting it', async () => {
    rig = await startLambdaRig({ seed: 32, incidents: 10, spanHours: 6 });
    rig.setSecret(`client_id=${RIG_CLIENT_ID} client_secret=${RIG_CLIENT_SECRET}`);
    const o = await rig.invoke(rig.container());
    observe('secret not JSON', o.error?.message);
    expect(o.error?.message).toBe(
      'auth error: Secrets Manager secret arn:aws:secretsmanager:us-east-1:123456789012:secret:ses-AbCdEf is not valid JSON. Store the client application\'s credentials there as JSON: {"client_id": "<client id>", "client_secret": "<client secret>"} (checkpoint unchanged since the last delivered page)',
    );
    expect(o.error?.message).not.toContain(RIG_CLIENT_SECRET);
    rig.setSecret(GOOD_SECRET);
    await recovers(rig);
  });

  it('wrong region: the API redirects, the client does not follow with credentials and names the setting', async () => {
    rig = await startLambdaRig({ seed: 33, incidents: 20, spanHours: 6 });
    rig.sim.faults.at(1, { kind: 'redirect', status: 301 }, 'token');
    const o = await rig.invoke(rig.container());
    observe('wrong region (redirect)', o.error?.message);
    expect(stable(o.error?.message)).toBe(
      'region error: The API at 127.0.0.1:<port> answered /v1/oauth2/tokens with redirect 301: wrong region for this tenant; it points to api.sep.eu.securitycloud.symantec.com. Set SES_API_REGION=eu (the region of api.sep.eu.securitycloud.symantec.com), or SES_API_URL=https://api.sep.eu.securitycloud.symantec.com (checkpoint unchanged since the last delivered page)',
    );
    expect(rig.sim.requestLog.filter((e) => e.target === 'incidents')).toEqual([]);
    await recovers(rig);
  });

  it.each([
    [
      'SES_PAGE_SIZE',
      'abc',
      'Invalid configuration: SES_PAGE_SIZE: Invalid input: expected number, received NaN (got "abc") — expected: Incidents per API page (1-2000). Fix the value(s) named above; see docs/configuration.md for each setting',
    ],
    [
      'SES_PAGE_SIZE',
      '0',
      'Invalid configuration: SES_PAGE_SIZE: Too small: expected number to be >=1 (got "0") — expected: Incidents per API page (1-2000). Fix the value(s) named above; see docs/configuration.md for each setting',
    ],
    [
      'SES_API_REGION',
      'mars',
      'Invalid configuration: SES_API_REGION: Invalid option: expected one of "us"|"eu"|"in" (got "mars") — expected: Symantec API region of the tenant: us (api.sep.securitycloud.symantec.com), eu or in. Fix the value(s) named above; see docs/configuration.md for each setting',
    ],
    [
      'SES_OVERLAP_SECONDS',
      '-5',
      'Invalid configuration: SES_OVERLAP_SECONDS: Too small: expected number to be >=0 (got "-5") — expected: Re-read this much of the previous window so late-indexed incidents are not missed. Fix the value(s) named above; see docs/configuration.md for each setting',
    ],
    [
      'SES_INCLUDE_EVENTS',
      'maybe',
      'Invalid configuration: SES_INCLUDE_EVENTS: must be one of true, false, 1, 0, yes, no, on, off (got "maybe") — expected: Ask the API for each incident\'s events (include_events) and emit event documents. Fix the value(s) named above; see docs/configuration.md for each setting',
    ],
    [
      'SECRET_ARN',
      'my-secret',
      'Invalid Lambda environment: SECRET_ARN (the ARN of the Secrets Manager secret holding {"client_id","client_secret"}): Invalid string: must match pattern /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+$/ (got "my-secret"). Redeploy the stack, or fix the variable in the function configuration',
    ],
    [
      'DELIVERY_STREAMS',
      'a stream',
      'Invalid Lambda environment: DELIVERY_STREAMS (comma-separated Firehose delivery stream names (set by the stack)): Invalid string: must match pattern /^[a-zA-Z0-9_.-]{1,64}(,[a-zA-Z0-9_.-]{1,64})*$/ (got "a stream"). Redeploy the stack, or fix the variable in the function configuration',
    ],
  ])('malformed config %s=%s: a ConfigError naming the variable, no AWS call', async (name, value, text) => {
    rig = await startLambdaRig({ seed: 34, incidents: 5, spanHours: 6 });
    const before = rig.awsCalls();
    const o = await rig.invoke(rig.container({ [name]: value }));
    observe(`config ${name}=${value}`, o.error?.message);
    expect(isConnectorError(o.error) && o.error.kind).toBe('config');
    expect(o.error?.message).toBe(text);
    expect(o.error?.message).toContain(name);
    expect(rig.awsCalls()).toEqual(before);
    expect(rig.sim.requestLog).toEqual([]);
  });

  it('malformed API responses on every attempt: the run fails, the checkpoint stays, the next run delivers all', async () => {
    rig = await startLambdaRig({ seed: 35, incidents: 40, spanHours: 6, env: { SES_PAGE_SIZE: '20' } });
    // The first page is fine; then every attempt of the second page gets HTML or half a JSON body.
    rig.sim.faults.at(2, { kind: 'malformed' });
    for (let n = 3; n <= 7; n++) rig.sim.faults.at(n, n % 2 ? { kind: 'truncated' } : { kind: 'malformed' });
    const o = await rig.invoke(rig.container());
    observe('malformed API responses', o.error?.message);
    expect(isConnectorError(o.error) && o.error.kind).toBe('invalid_response');
    expect(stable(o.error?.message).replace(/\(\d+ bytes/, '(<n> bytes')).toBe(
      'invalid_response error: The incidents response from 127.0.0.1:<port> is not valid JSON (<n> bytes, possibly truncated) (gave up after 6 attempts). Run again later; the checkpoint stays where it is. If it persists, report it to Symantec support (checkpoint unchanged since the last delivered page)',
    );
    const cp = await checkpoint(rig);
    expect(cp?.cursor?.offset).toBe(20);
    await recovers(rig);
  });

  it('oversized records: never dropped; a huge message is cut in every copy, any other huge field makes a quarantine document with an excerpt', async () => {
    rig = await startLambdaRig({ seed: 36, incidents: 0, spanHours: 6 });
    const now = rig.clock.now();
    const [a, b] = generateIncidents({
      seed: 7,
      incidents: 2,
      from: now - 3_600_000,
      to: now - 1_800_000,
      updateRate: 0,
    });
    if (!a || !b) throw new Error('generator gave fewer incidents');
    a.message = 'x'.repeat(1_200_000);
    b.remediation = 'y'.repeat(1_200_000);
    rig.sim.addIncidents([a, b]);
    const o = await rig.invoke(rig.container());
    expect(o.summary?.status).toBe('complete');
    // The long message is delivered, cut (top level and vendor copy) with the truncation marker.
    const cut = rig.firehose.delivered.find(
      (d) =>
        d.dataset === 'symantec_edr_cloud.incident' && (d.doc.event as { id: string }).id === a.incident_uid,
    );
    expect(String(cut?.doc.message).endsWith(TRUNCATION_MARKER)).toBe(true);
    // The long remediation (structured vendor field, not free text) becomes a quarantine document.
    const quarantined = rig.firehose.delivered.filter((d) => d.dataset === 'symantec_edr_cloud.quarantine');
    const messages = quarantined.map((d) => (d.doc.error as { message: string }).message);
    observe('oversized quarantined', messages[0]);
    const incidents = messages.filter((m) => m.includes('(dataset incident)'));
    expect(incidents.length).toBe(1);
    expect(incidents[0]).toMatch(
      /^Document [0-9a-f]{64} \(dataset incident\) is \d+ bytes as JSON, over the Firehose limit of 1024000 bytes per record even without event\.original and with message truncated; the excerpt in event\.original is its beginning$/,
    );
    const originals = quarantined.map((d) => String((d.doc.event as { original: string }).original));
    expect(originals.some((x) => x.includes(String(b.incident_uid)))).toBe(true);
    const events = rig.firehose.delivered.filter((d) => d.dataset === 'symantec_edr_cloud.event').length;
    expect(events).toBe([a, b].reduce((n, r) => n + (r.events as unknown[]).length, 0));
    expect(rig.firehose.lines.every((l) => Buffer.byteLength(l) <= 1000 * 1024)).toBe(true);
  });

  it('clock skew, API clock 10 minutes ahead: nothing lost, the API simply has more to give next run', async () => {
    rig = await startLambdaRig({
      seed: 37,
      incidents: 60,
      spanHours: 6,
      futureHours: 1,
      apiClockOffsetMs: 10 * MINUTE,
    });
    const container = rig.container();
    for (let i = 0; i < 14; i++) {
      rig.clock.advance(5 * MINUTE);
      const o = await rig.invoke(container);
      expect(o.summary?.status).toBe('complete');
    }
    const a = rig.audit();
    const upTo = rig.clock.now() - SETTLE; // collector time
    const missing = rig.sim.groundTruth.versions.filter(
      (v) => v.time <= upTo && !a.deliveredVersions.has(v.key),
    );
    expect(missing).toEqual([]);
  });

  it('clock skew, collector clock 5 minutes ahead (under overlap + settle): nothing lost', async () => {
    rig = await startLambdaRig({
      seed: 38,
      incidents: 60,
      spanHours: 6,
      futureHours: 1,
      apiClockOffsetMs: -5 * MINUTE,
    });
    const container = rig.container();
    for (let i = 0; i < 14; i++) {
      rig.clock.advance(5 * MINUTE);
      await rig.invoke(container);
    }
    const a = rig.audit();
    const apiNow = rig.clock.now() - 5 * MINUTE;
    const cp = await checkpoint(rig);
    // Everything the API shows up to where the checkpoint says delivery is complete arrived.
    const upTo = Math.min(apiNow, Date.parse(String(cp?.watermark)));
    const missing = rig.sim.groundTruth.versions.filter(
      (v) => v.time <= upTo && !a.deliveredVersions.has(v.key),
    );
    expect(missing).toEqual([]);
    expect(a.deliveredVersions.size).toBeGreaterThan(100);
  });

  it('empty tenant: the run completes with zero incidents, advances the watermark and writes nothing', async () => {
    rig = await startLambdaRig({ seed: 39, incidents: 0, spanHours: 6 });
    const o = await rig.invoke(rig.container());
    observe(
      'empty tenant',
      JSON.stringify({
        status: o.summary?.status,
        incidents: o.summary?.incidents,
        lag: o.summary?.lagSeconds,
      }),
    );
    expect(o.summary?.status).toBe('complete');
    expect(o.summary?.incidents).toBe(0);
    expect(o.summary?.lagSeconds).toBe(60);
    expect((await checkpoint(rig))?.watermark).toBe(new Date(rig.clock.now() - SETTLE).toISOString());
    expect(rig.firehose.calls).toBe(0);
  });
});
