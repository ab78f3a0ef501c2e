/**
 * End to end: the simulator serves one crafted scenario per rule; a local collection run (simulator →
 * Symantec client → normalizer → sink → monitors → ./out/alerts) produces exactly the expected alerts,
 * and a second run over the same checkpoint produces none.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLocalCollection } from '../../../shared/collector/local.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/ports/logger.ts';
import { type RunningSimulator, startSimulator } from '../../../shared/simulator/index.ts';
import { staticCredentials } from '../../helpers/simulator.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const NOW = Date.now();
/** Start of an hour window 20 h ago (+5 min): every scenario but the spike lives in this window. */
const BASE = Math.floor((NOW - 20 * HOUR) / HOUR) * HOUR + 5 * MIN;
/** The spike's window, 10 windows later; the windows between hold no device. */
const SPIKE = BASE + 10 * HOUR;

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
let seq = 0;

interface RawEvent {
  [key: string]: unknown;
}

function event(device: string, fields: RawEvent = {}, time = BASE): RawEvent {
  seq++;
  return {
    type_id: 8003,
    type: 'file_activity',
    id: 4,
    uuid: `8003:e2e-${seq}`,
    message: 'File activity',
    user_name: 'alice',
    device_uid: `uid-${device}`,
    device_name: device,
    device_ip: '10.20.30.40',
    severity_id: 3,
    category_id: 1,
    status_id: 1,
    time: new Date(time).toISOString(),
    file: { path: 'C:\\Program Files\\App\\app.exe', name: 'app.exe', sha2: `${seq}`.padStart(64, '0') },
    ...fields,
  };
}

function incident(
  uid: string,
  events: RawEvent[],
  fields: Record<string, unknown> = {},
  time = BASE,
): Record<string, unknown> {
  return {
    incident_uid: uid,
    type: 'INCIDENT_CREATION',
    type_id: 8075,
    id: 4,
    event_id: 80750004,
    conclusion: 'Suspicious Activity',
    rule_name: 'Advanced Attack Technique',
    detection_type: 'Advanced Analytics',
    category_id: 1,
    priority_id: 2,
    severity_id: 3,
    state_id: 1,
    created: iso(time),
    modified: iso(time),
    time,
    device_time: time,
    incident_url: `https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/${uid}/details`,
    message: `Scenario ${uid}`,
    product_name: 'Symantec Integrated Cyber Defense Manager',
    version: '1.0',
    suspected_breach: 'No',
    events,
    ...fields,
  };
}

const scenarios = [
  // 1. embargoedDevice: two incidents on one device.
  incident('emb-device-1', [event('shared-host')]),
  incident('emb-device-2', [event('shared-host', {}, BASE + 10 * MIN)], {}, BASE + 10 * MIN),
  // 2. suspiciousPathExecution.
  incident('path-1', [
    event('host-path', { file: { path: 'C:\\Users\\bob\\Downloads\\setup.exe', name: 'setup.exe' } }),
  ]),
  // 3. highPriorityOrSeverityIncident.
  incident('high-sev-1', [event('host-sev')], { severity_id: 5 }),
  // 4. cynicHighRiskThreat.
  incident('cynic-1', [
    event('host-cynic', {
      type_id: 8031,
      type: 'file_detection',
      threat: { provider: 'Cynic', type_id: 5, name: 'Threat Detected By Cynic', risk_id: 100, id: 0 },
    }),
  ]),
  // 5. highSeverityMaliciousFile.
  incident('malfile-1', [
    event('host-mal', {
      type_id: 8031,
      type: 'file_detection',
      severity_id: 5,
      edr_event_data_type: 'malicious',
    }),
  ]),
  // 6. embargoedLocation: a public IP in a listed country.
  incident('geo-1', [event('host-geo', { device_public_ip: '77.88.8.8' })]),
  // 7. sandboxMaliciousFile.
  incident('sandbox-1', [
    event('host-sandbox', {
      type_id: 8031,
      type: 'sandbox_file_detection',
      status_detail: 'File is malicious',
      message: "Sandbox result for the 'Chrome.exe' file is malicious.",
    }),
  ]),
  // 8. impactedDevicesSpike: six devices in one later window.
  ...Array.from({ length: 6 }, (_, k) =>
    incident(`spike-${k}`, [event(`spike-host-${k}`, {}, SPIKE + k * MIN)], {}, SPIKE + k * MIN),
  ),
  // 9. unresolvedIncidentAging: created 8 days ago, still in progress (an update record of today).
  incident('aging-1', [event('host-aging')], {
    type: 'INCIDENT_UPDATE',
    type_id: 8076,
    state_id: 2,
    created: iso(NOW - 8 * DAY),
  }),
  // Noise that must not alert: a benign incident and a resolved old one.
  incident('benign-1', [event('host-benign')]),
  incident('resolved-old', [event('host-resolved')], {
    type_id: 8077,
    state_id: 4,
    created: iso(NOW - 9 * DAY),
    severity_id: 5,
  }),
];

const EXPECTED = [
  ['cynicHighRiskThreat', ['cynic-1']],
  ['embargoedDevice', ['emb-device-1', 'emb-device-2']],
  ['embargoedLocation', ['geo-1']],
  ['highPriorityOrSeverityIncident', ['high-sev-1']],
  ['highSeverityMaliciousFile', ['malfile-1']],
  ['impactedDevicesSpike', ['spike-0', 'spike-1', 'spike-2', 'spike-3', 'spike-4', 'spike-5']],
  ['sandboxMaliciousFile', ['sandbox-1']],
  ['suspiciousPathExecution', ['path-1']],
  ['unresolvedIncidentAging', ['aging-1']],
];

function readAlertLines(file: string): Record<string, unknown>[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

function readDataset(dir: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.json.gz')) {
        for (const line of gunzipSync(readFileSync(p)).toString('utf8').split('\n').filter(Boolean)) {
          out.push(JSON.parse(line));
        }
      }
    }
  };
  walk(dir);
  return out;
}

describe('Module: monitors — end to end with the simulator and a local collection run', () => {
  let sim: RunningSimulator;
  let dir: string;

  beforeAll(async () => {
    sim = await startSimulator({ incidents: 0, seed: 3 });
    sim.addIncidents(scenarios);
    dir = await mkdtemp(join(tmpdir(), 'monitors-e2e-'));
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('produces exactly one alert per scenario, in ./out/alerts and the alert dataset, and none on a re-run', async () => {
    const settings = parseSettings({ apiUrl: sim.url, tenant: 'e2e' });
    const credentials = staticCredentials({ clientId: sim.clientId, clientSecret: sim.clientSecret });
    const run = () =>
      runLocalCollection({
        settings,
        outDir: join(dir, 'out'),
        checkpointFile: join(dir, 'checkpoint.json'),
        credentials,
        monitorsConfig: {
          rules: { embargoedLocation: { countries: ['RU'] }, impactedDevicesSpike: { minDevices: 6 } },
        },
        logger: silentLogger,
        owner: 'monitors-e2e',
      });

    const first = await run();
    expect(first.summary.status).toBe('complete');
    const file = join(first.alertsDir, 'alerts.ndjson');
    const alerts = readAlertLines(file);
    const got = alerts
      .map((a) => [a['rule'], [...((a['evidence'] as { incidentUids: string[] }).incidentUids ?? [])].sort()])
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(got).toEqual(EXPECTED);
    expect(first.summary.alerts).toBe(EXPECTED.length);
    for (const a of alerts) {
      expect(a['url']).toMatch(
        /^https:\/\/sep\.securitycloud\.symantec\.com\/v2\/incidents\/incidentListing(\/.+\/details)?$/,
      );
      expect(a['severity']).toBe('critical');
    }

    const docs = readDataset(join(dir, 'out', 'alert'));
    expect(docs.map((d) => (d['rule'] as { id: string }).id).sort()).toEqual(EXPECTED.map(([r]) => r));
    expect(new Set(docs.map((d) => (d['symantec_edr_cloud'] as { doc_id: string }).doc_id))).toEqual(
      new Set(alerts.map((a) => a['id'])),
    );

    const second = await run();
    expect(second.summary.alerts).toBe(0);
    expect(readAlertLines(file)).toHaveLength(EXPECTED.length);
  }, 60_000);
});
