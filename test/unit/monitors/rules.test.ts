import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Alert, createMonitorEngine, parseMonitorsConfig } from '../../../shared/monitors/index.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { FakeClock, MemoryCheckpointStore } from '../../helpers/fakes.ts';
import { DAY, eventDoc, HOUR, incidentDoc, MIN, onlyRule, T0 } from './docs.ts';

function setup(
  config: unknown,
  options: { now?: number; lookupCountry?: (ip: string) => string | undefined } = {},
) {
  const store = new MemoryCheckpointStore();
  const clock = new FakeClock(options.now ?? T0 + HOUR);
  const make = () =>
    createMonitorEngine({
      config: parseMonitorsConfig(config),
      store,
      tenant: 'tenant-a',
      clock,
      ...(options.lookupCountry ? { lookupCountry: options.lookupCountry } : {}),
    });
  return { engine: make(), make, store, clock };
}

const rules = (alerts: Alert[]) => alerts.map((a) => a.rule);
const causes = (alerts: Alert[]) => alerts.map((a) => a.causeKey);

describe('Module: monitors — rule embargoedDevice (device with multiple incidents)', () => {
  const ev = (incident: string, uuid: string, time: number, device = 'dev-1') =>
    eventDoc({ incident, uuid, time, deviceUid: device, deviceName: `host-${device}`, ip: '172.16.0.9' });

  it('fires when one device is linked to two incidents within the window, with both as evidence', async () => {
    const { engine } = setup(onlyRule('embargoedDevice'));
    const alerts = await engine.evaluateAndCommit([
      incidentDoc({ uid: 'i1' }),
      ev('i1', 'e1', T0),
      incidentDoc({ uid: 'i2' }),
      ev('i2', 'e2', T0 + 10 * MIN),
    ]);
    expect(alerts).toHaveLength(1);
    const [a] = alerts as [Alert];
    expect(a.rule).toBe('embargoedDevice');
    expect(a.severity).toBe('critical');
    expect(a.evidence.incidentUids).toEqual(['i1', 'i2']);
    expect(a.evidence.device).toEqual({ id: 'dev-1', name: 'host-dev-1', ip: ['172.16.0.9'] });
    expect(a.url).toBe('https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/i2/details');
  });

  it('stays quiet for many events of one incident, and for incidents on different devices', async () => {
    const { engine } = setup(onlyRule('embargoedDevice'));
    const alerts = await engine.evaluateAndCommit([
      ev('i1', 'e1', T0),
      ev('i1', 'e2', T0 + MIN),
      ev('i1', 'e3', T0 + 2 * MIN),
      ev('i2', 'e4', T0, 'dev-2'),
    ]);
    expect(alerts).toEqual([]);
  });

  it('counts incidents exactly one window apart as separate windows (boundary)', async () => {
    const quiet = setup(onlyRule('embargoedDevice', { windowMinutes: 60 }));
    expect(await quiet.engine.evaluateAndCommit([ev('i1', 'e1', T0), ev('i2', 'e2', T0 + 60 * MIN)])).toEqual(
      [],
    );
    const fires = setup(onlyRule('embargoedDevice', { windowMinutes: 60 }));
    expect(
      await fires.engine.evaluateAndCommit([ev('i1', 'e1', T0), ev('i2', 'e2', T0 + 60 * MIN - 1)]),
    ).toHaveLength(1);
  });

  it('needs more than maxIncidents incidents: 2 of maxIncidents 2 are quiet, 3 fire', async () => {
    const { engine } = setup(onlyRule('embargoedDevice', { maxIncidents: 2 }));
    expect(await engine.evaluateAndCommit([ev('i1', 'e1', T0), ev('i2', 'e2', T0 + MIN)])).toEqual([]);
    const alerts = await engine.evaluateAndCommit([ev('i3', 'e3', T0 + 2 * MIN)]);
    expect(alerts.map((a) => a.evidence.incidentUids)).toEqual([['i1', 'i2', 'i3']]);
  });

  it('gives one alert per burst: further incidents fire again only after maxIncidents + 1 new ones', async () => {
    const { engine } = setup(onlyRule('embargoedDevice'));
    const first = await engine.evaluateAndCommit([
      ev('i1', 'e1', T0),
      ev('i2', 'e2', T0 + MIN),
      ev('i3', 'e3', T0 + 2 * MIN),
    ]);
    expect(first.map((a) => a.evidence.incidentUids)).toEqual([['i1', 'i2', 'i3']]);
    expect(await engine.evaluateAndCommit([ev('i4', 'e4', T0 + 3 * MIN)])).toEqual([]);
    const second = await engine.evaluateAndCommit([ev('i5', 'e5', T0 + 4 * MIN)]);
    expect(second.map((a) => a.evidence.incidentUids)).toEqual([['i4', 'i5']]);
  });
});

describe('Module: monitors — rule suspiciousPathExecution', () => {
  const withPath = (uuid: string, path: string, device = 'dev-1') =>
    eventDoc({
      incident: 'i1',
      uuid,
      deviceUid: device,
      file: { path, name: 'x.exe', sha2: 'ab'.repeat(32) },
    });

  it.each([
    'C:\\Users\\bob\\AppData\\Local\\Temp\\x.exe',
    'C:\\Windows\\Temp\\x.exe',
    'C:\\Users\\bob\\Downloads\\x.exe',
    'C:\\$Recycle.Bin\\S-1-5-21\\x.exe',
    'C:\\Users\\Public\\x.exe',
    'C:\\Users\\bob\\AppData\\Roaming\\x.exe',
    'C:\\PerfLogs\\x.exe',
    '/tmp/x',
    '/var/tmp/x',
    '/dev/shm/x',
  ])('fires for %s', async (path) => {
    const { engine } = setup(onlyRule('suspiciousPathExecution'));
    const alerts = await engine.evaluateAndCommit([withPath('e1', path)]);
    expect(rules(alerts)).toEqual(['suspiciousPathExecution']);
    expect(alerts[0]?.evidence.file?.path).toBe(path);
    expect(alerts[0]?.evidence.details?.['field']).toBe('file.path');
  });

  it.each([
    'C:\\Program Files\\App\\app.exe',
    'C:\\Users\\edradmin\\Desktop\\Chrome.exe',
    'C:\\Temporary\\x.exe',
    'C:\\MyDownloadsArchive\\x.exe',
    '/usr/bin/tmpwatch',
  ])('stays quiet for %s', async (path) => {
    const { engine } = setup(onlyRule('suspiciousPathExecution'));
    expect(await engine.evaluateAndCommit([withPath('e1', path)])).toEqual([]);
  });

  it('checks the acting process path too, and one device+path gives one alert', async () => {
    const { engine } = setup(onlyRule('suspiciousPathExecution'));
    const actor = (uuid: string) =>
      eventDoc({ incident: 'i1', uuid, deviceUid: 'dev-1', actorPath: 'C:\\Users\\Public\\run.exe' });
    const alerts = await engine.evaluateAndCommit([actor('e1'), actor('e2')]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.evidence.details?.['field']).toBe('actor.file.path');
  });

  it('uses configured patterns instead of the defaults', async () => {
    const { engine } = setup(onlyRule('suspiciousPathExecution', { pathPatterns: ['\\\\staging\\\\'] }));
    const alerts = await engine.evaluateAndCommit([
      withPath('e1', 'D:\\staging\\x.exe'),
      withPath('e2', 'C:\\Users\\bob\\Downloads\\x.exe'),
    ]);
    expect(alerts.map((a) => a.evidence.file?.path)).toEqual(['D:\\staging\\x.exe']);
  });
});

describe('Module: monitors — rule highPriorityOrSeverityIncident', () => {
  it.each([
    [{ severityId: 4 }, true],
    [{ severityId: 5 }, true],
    [{ severityId: 3 }, false],
    [{ severityId: 6 }, false],
    [{ priorityId: 3 }, true],
    [{ priorityId: 4 }, true],
    [{ priorityId: 2 }, false],
    [{ severityId: 5, stateId: 4 }, false],
    [{ severityId: 5, stateId: 5 }, false],
    [{ severityId: 5, stateId: 2 }, true],
  ])('%o fires: %s', async (spec, fires) => {
    const { engine } = setup(onlyRule('highPriorityOrSeverityIncident'));
    const alerts = await engine.evaluateAndCommit([incidentDoc({ uid: 'i1', ...spec })]);
    expect(alerts.length).toBe(fires ? 1 : 0);
  });

  it('alerts once per incident, with the incident_url as console link', async () => {
    const { engine } = setup(onlyRule('highPriorityOrSeverityIncident'));
    const alerts = await engine.evaluateAndCommit([
      incidentDoc({
        uid: 'i1',
        severityId: 5,
        url: 'https://sep.securitycloud.eu/v2/incidents/incidentListing/i1/details',
      }),
      incidentDoc({ uid: 'i1', severityId: 5, time: T0 + MIN }),
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.url).toBe('https://sep.securitycloud.eu/v2/incidents/incidentListing/i1/details');
    expect(alerts[0]?.evidence.incidentUids).toEqual(['i1']);
    expect(
      await engine.evaluateAndCommit([incidentDoc({ uid: 'i1', severityId: 5, time: T0 + 2 * MIN })]),
    ).toEqual([]);
  });

  it('honours configured severity and priority ids', async () => {
    const { engine } = setup(
      onlyRule('highPriorityOrSeverityIncident', { severityIds: [5], priorityIds: [] }),
    );
    const alerts = await engine.evaluateAndCommit([
      incidentDoc({ uid: 'i1', severityId: 4, priorityId: 4 }),
      incidentDoc({ uid: 'i2', severityId: 5 }),
    ]);
    expect(causes(alerts)).toEqual(['i2']);
  });
});

describe('Module: monitors — rule cynicHighRiskThreat', () => {
  const threat = (uuid: string, provider: string, risk: number | undefined) =>
    eventDoc({
      incident: 'i1',
      uuid,
      deviceUid: `dev-${uuid}`,
      file: { name: 'Chrome.exe', sha2: `${uuid}`.padEnd(64, '0') },
      threat: {
        provider,
        name: 'Threat Detected By Cynic',
        ...(risk !== undefined ? { risk_id: risk } : {}),
      },
    });

  it.each([
    ['Cynic', 100, true],
    ['Cynic', 200, true],
    ['cynic', 100, true],
    ['Cynic', 300, false],
    ['Cynic', 0, false],
    ['Cynic', undefined, false],
    ['SONAR', 100, false],
  ])('provider %s risk %s fires: %s', async (provider, risk, fires) => {
    const { engine } = setup(onlyRule('cynicHighRiskThreat'));
    expect((await engine.evaluateAndCommit([threat('e1', provider, risk)])).length).toBe(fires ? 1 : 0);
  });

  it('honours maxRiskId and the provider list', async () => {
    const { engine } = setup(
      onlyRule('cynicHighRiskThreat', { maxRiskId: 100, providers: ['Cynic', 'Other'] }),
    );
    const alerts = await engine.evaluateAndCommit([threat('e1', 'Cynic', 200), threat('e2', 'Other', 100)]);
    expect(alerts.map((a) => a.evidence.details?.['provider'])).toEqual(['Other']);
  });
});

describe('Module: monitors — rule highSeverityMaliciousFile', () => {
  const file = (uuid: string, severityId: number, dataType: string | undefined, withFile = true) =>
    eventDoc({
      incident: 'i1',
      uuid,
      deviceUid: 'dev-1',
      deviceName: 'Victim-1',
      user: 'SYSTEM',
      severityId,
      ...(dataType !== undefined ? { edrDataType: dataType } : {}),
      ...(withFile
        ? { file: { path: `C:\\x\\${uuid}.exe`, name: `${uuid}.exe`, sha2: uuid.padEnd(64, 'f') } }
        : {}),
    });

  it('fires for a malicious file of severity 4 or more, with file, hash, device and user as evidence', async () => {
    const { engine } = setup(onlyRule('highSeverityMaliciousFile'));
    const alerts = await engine.evaluateAndCommit([file('e4', 4, 'malicious'), file('e5', 5, 'MALICIOUS')]);
    expect(alerts).toHaveLength(2);
    expect(alerts[0]?.evidence).toMatchObject({
      eventIds: ['e4'],
      incidentUids: ['i1'],
      device: { id: 'dev-1', name: 'Victim-1' },
      file: { path: 'C:\\x\\e4.exe', name: 'e4.exe', sha256: 'e4'.padEnd(64, 'f') },
      user: 'SYSTEM',
    });
  });

  it('stays quiet below the severity, for other data types and without a file', async () => {
    const { engine } = setup(onlyRule('highSeverityMaliciousFile'));
    expect(
      await engine.evaluateAndCommit([
        file('e1', 3, 'malicious'),
        file('e2', 5, 'suspicious'),
        file('e3', 5, undefined),
        file('e4', 5, 'malicious', false),
      ]),
    ).toEqual([]);
  });

  it('honours minSeverityId', async () => {
    const { engine } = setup(onlyRule('highSeverityMaliciousFile', { minSeverityId: 5 }));
    const alerts = await engine.evaluateAndCommit([file('e1', 4, 'malicious'), file('e2', 5, 'malicious')]);
    expect(alerts.map((a) => a.evidence.eventIds)).toEqual([['e2']]);
  });
});

describe('Module: monitors — rule sandboxMaliciousFile', () => {
  const sandbox = (uuid: string, statusDetail: string, type = 'sandbox_file_detection', dataType?: string) =>
    eventDoc({
      incident: 'i1',
      uuid,
      typeId: 8031,
      type,
      deviceUid: `dev-${uuid}`,
      statusDetail,
      ...(dataType ? { edrDataType: dataType } : {}),
      file: { name: 'Chrome.exe', sha2: '39fff7c11c59ce946cfec471d99baaa832266a07ab6f30cd123e385ca9436efa' },
    });

  it('fires on a malicious sandbox verdict', async () => {
    const { engine } = setup(onlyRule('sandboxMaliciousFile'));
    const alerts = await engine.evaluateAndCommit([
      sandbox('e1', 'File is malicious'),
      sandbox('e2', 'Done', undefined, 'malicious'),
    ]);
    expect(alerts).toHaveLength(2);
    expect(alerts[0]?.evidence.file?.sha256).toBe(
      '39fff7c11c59ce946cfec471d99baaa832266a07ab6f30cd123e385ca9436efa',
    );
  });

  it('stays quiet for clean verdicts, "not malicious" and other event types', async () => {
    const { engine } = setup(onlyRule('sandboxMaliciousFile'));
    const alerts = await engine.evaluateAndCommit([
      sandbox('e1', 'File is clean'),
      sandbox('e2', 'File is not malicious'),
      sandbox('e3', 'File is malicious', 'file_detection'),
    ]);
    expect(alerts).toEqual([]);
  });
});

describe('Module: monitors — rule embargoedLocation', () => {
  const at = (uuid: string, ip: string, incident = `inc-${uuid}`) =>
    eventDoc({ incident, uuid, deviceUid: `dev-${uuid}`, publicIp: ip });

  it('fires for a public IP located in a listed country (offline geoip-country data)', async () => {
    const { engine } = setup(onlyRule('embargoedLocation', { countries: ['ru'] }));
    const alerts = await engine.evaluateAndCommit([at('e1', '77.88.8.8'), at('e2', '8.8.8.8')]);
    expect(alerts.map((a) => a.evidence.details)).toEqual([{ ip: '77.88.8.8', country: 'RU' }]);
  });

  it('never locates private addresses, even when a lookup would place them in a listed country', async () => {
    const { engine } = setup(onlyRule('embargoedLocation', { countries: ['RU'] }), {
      lookupCountry: () => 'RU',
    });
    const alerts = await engine.evaluateAndCommit([
      at('e1', '10.1.2.3'),
      at('e2', '192.168.1.1'),
      at('e3', '172.31.255.255'),
      at('e4', 'fe80::1'),
      at('e5', '100.64.0.1'),
      at('e6', '203.0.113.50'),
    ]);
    expect(alerts.map((a) => a.evidence.details?.['ip'])).toEqual(['203.0.113.50']);
  });

  it('matches CIDR lists at their boundaries, private ranges included, without loading geoip', async () => {
    const { engine } = setup(
      onlyRule('embargoedLocation', { cidrs: ['203.0.113.0/24', '10.1.0.0/16', '2001:db8::/32'] }),
      {
        lookupCountry: () => {
          throw new Error('geoip must not be used without a country list');
        },
      },
    );
    const alerts = await engine.evaluateAndCommit([
      at('e1', '203.0.113.0'),
      at('e2', '203.0.113.255'),
      at('e3', '203.0.114.0'),
      at('e4', '10.1.2.3'),
      at('e5', '10.2.0.1'),
      at('e6', '2001:db8::7'),
    ]);
    expect(alerts.map((a) => a.evidence.details)).toEqual([
      { ip: '203.0.113.0', cidr: '203.0.113.0/24' },
      { ip: '203.0.113.255', cidr: '203.0.113.0/24' },
      { ip: '10.1.2.3', cidr: '10.1.0.0/16' },
      { ip: '2001:db8::7', cidr: '2001:db8::/32' },
    ]);
  });

  it('stays quiet with no country and no CIDR configured (the default)', async () => {
    const { engine } = setup(onlyRule('embargoedLocation'));
    expect(await engine.evaluateAndCommit([at('e1', '77.88.8.8')])).toEqual([]);
  });
});

describe('Module: monitors — rule impactedDevicesSpike', () => {
  const W = HOUR;
  const devices = (window: number, n: number, prefix = 'd') =>
    Array.from({ length: n }, (_, k) =>
      eventDoc({
        incident: `i-${window}-${k}`,
        uuid: `${prefix}-${window}-${k}`,
        time: T0 + window * W + k * MIN,
        deviceUid: `${prefix}${k}`,
      }),
    );

  it('fires when a window has at least minDevices and more than factor × the baseline mean', async () => {
    const { engine } = setup(onlyRule('impactedDevicesSpike'));
    expect(await engine.evaluateAndCommit([...devices(0, 2), ...devices(1, 2)])).toEqual([]);
    const alerts = await engine.evaluateAndCommit(devices(2, 5));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.evidence.details).toMatchObject({ devices: 5, baseline: 2, baseline_windows: 2 });
    expect(alerts[0]?.causeKey).toBe(`window:${new Date(T0 + 2 * W).toISOString()}`);
  });

  it('stays quiet below minDevices and at exactly factor × baseline (boundaries)', async () => {
    const below = setup(onlyRule('impactedDevicesSpike'));
    await below.engine.evaluateAndCommit(devices(0, 1));
    expect(await below.engine.evaluateAndCommit(devices(1, 4))).toEqual([]);
    const equal = setup(onlyRule('impactedDevicesSpike'));
    await equal.engine.evaluateAndCommit(devices(0, 3));
    expect(await equal.engine.evaluateAndCommit(devices(1, 6))).toEqual([]);
    expect(await equal.engine.evaluateAndCommit(devices(1, 7, 'x'))).toHaveLength(1);
  });

  it('needs a baseline: the first window never fires, however many devices', async () => {
    const { engine } = setup(onlyRule('impactedDevicesSpike'));
    expect(await engine.evaluateAndCommit(devices(0, 50))).toEqual([]);
  });

  it('fires once per window even as more devices arrive in it', async () => {
    const { engine } = setup(onlyRule('impactedDevicesSpike'));
    await engine.evaluateAndCommit(devices(0, 1));
    expect(await engine.evaluateAndCommit(devices(1, 5))).toHaveLength(1);
    expect(await engine.evaluateAndCommit(devices(1, 9, 'y'))).toEqual([]);
  });

  it('counts windows without devices as zero in the baseline', async () => {
    const { engine } = setup(onlyRule('impactedDevicesSpike', { minDevices: 1, factor: 1 }));
    await engine.evaluateAndCommit(devices(0, 4));
    // Windows 1..3 had no devices: baseline (4+0+0+0)/4 = 1, so 2 devices > 1 × 1 fire.
    expect(
      (await engine.evaluateAndCommit(devices(4, 2))).map((a) => a.evidence.details?.['baseline']),
    ).toEqual([1]);
  });
});

describe('Module: monitors — rule unresolvedIncidentAging', () => {
  const open = (uid: string, created: number, time = created, stateId = 1) =>
    incidentDoc({ uid, created, time, stateId });

  it('fires once when an open incident reaches 7 days, not before and not on later runs', async () => {
    const { engine, clock } = setup(onlyRule('unresolvedIncidentAging'), { now: T0 + 7 * DAY - 1 });
    expect(await engine.evaluateAndCommit([open('i1', T0)])).toEqual([]);
    clock.t = T0 + 7 * DAY;
    const alerts = await engine.evaluateAndCommit([
      incidentDoc({ uid: 'other', stateId: 1, created: clock.t }),
    ]);
    expect(causes(alerts)).toEqual(['i1']);
    expect(alerts[0]?.evidence.details).toMatchObject({ age_days: 7, max_age_days: 7 });
    clock.t += DAY;
    expect(await engine.evaluateAndCommit([open('i1', T0, T0 + 7 * DAY)])).toEqual([]);
  });

  it('fires at once for an incident first seen already older than 7 days', async () => {
    const { engine } = setup(onlyRule('unresolvedIncidentAging'), { now: T0 + 10 * DAY });
    expect(causes(await engine.evaluateAndCommit([open('i1', T0, T0 + 9 * DAY, 2)]))).toEqual(['i1']);
  });

  it('never fires for an incident resolved or closed in time, even when older open records come again', async () => {
    const { engine, clock } = setup(onlyRule('unresolvedIncidentAging'), { now: T0 + DAY });
    await engine.evaluateAndCommit([open('i1', T0), open('i2', T0)]);
    await engine.evaluateAndCommit([open('i1', T0, T0 + 2 * DAY, 4), open('i2', T0, T0 + 2 * DAY, 5)]);
    clock.t = T0 + 30 * DAY;
    expect(await engine.evaluateAndCommit([open('i1', T0, T0 + DAY), open('i2', T0)])).toEqual([]);
  });

  it('tracks an incident again when a newer record reopens it', async () => {
    const { engine, clock } = setup(onlyRule('unresolvedIncidentAging'), { now: T0 + DAY });
    await engine.evaluateAndCommit([open('i1', T0), open('i1', T0, T0 + DAY, 4)]);
    await engine.evaluateAndCommit([open('i1', T0, T0 + 2 * DAY, 2)]);
    clock.t = T0 + 8 * DAY;
    expect(
      causes(await engine.evaluateAndCommit([incidentDoc({ uid: 'x', stateId: 1, created: clock.t })])),
    ).toEqual(['i1']);
  });

  it('honours maxAgeDays', async () => {
    const { engine } = setup(onlyRule('unresolvedIncidentAging', { maxAgeDays: 1 }), { now: T0 + DAY });
    expect(causes(await engine.evaluateAndCommit([open('i1', T0)]))).toEqual(['i1']);
  });
});

describe('Module: monitors — engine', () => {
  const batch = (): OutputDocument[] => [
    incidentDoc({ uid: 'i1', severityId: 5 }),
    eventDoc({
      incident: 'i1',
      uuid: '8031:a',
      typeId: 8031,
      type: 'sandbox_file_detection',
      severityId: 5,
      deviceUid: 'dev-1',
      deviceName: 'Victim-1',
      user: 'SYSTEM',
      edrDataType: 'malicious',
      statusDetail: 'File is malicious',
      threat: { provider: 'Cynic', risk_id: 100 },
      file: { path: 'C:\\Users\\bob\\Downloads\\evil.exe', name: 'evil.exe', sha2: 'a'.repeat(64) },
    }),
  ];

  it('runs every enabled rule with Sumo defaults and gives each alert a stable id of rule and cause', async () => {
    const { engine } = setup({});
    const alerts = await engine.evaluateAndCommit(batch());
    expect(rules(alerts).sort()).toEqual(
      [
        'cynicHighRiskThreat',
        'highPriorityOrSeverityIncident',
        'highSeverityMaliciousFile',
        'sandboxMaliciousFile',
        'suspiciousPathExecution',
      ].sort(),
    );
    for (const a of alerts) {
      expect(a.id).toBe(createHash('sha256').update(`${a.rule}\n${a.causeKey}`).digest('hex'));
    }
  });

  it('gives the same alerts for a batch taken document by document (`input()`) as for its documents', async () => {
    const docs = [...batch(), incidentDoc({ uid: 'i2', severityId: 2, url: null })];
    const fromDocs = await setup({}).engine.evaluateAndCommit(docs);
    const { engine } = setup({});
    const input = engine.input();
    for (const d of docs) input.add(d);
    const evaluation = await engine.evaluate(input);
    await evaluation.commit();
    expect(evaluation.alerts).toEqual(fromDocs);
    expect(fromDocs.length).toBe(5);
    // An input made elsewhere is refused rather than read as an empty batch.
    await expect(engine.evaluate({ add: () => {} })).rejects.toThrow(/an input made by this engine/);
  });

  it('does not alert again when the same batch is evaluated again by a new engine (crash before checkpoint)', async () => {
    const { engine, make } = setup({});
    const first = await engine.evaluateAndCommit(batch());
    expect(first.length).toBeGreaterThan(0);
    expect(await make().evaluateAndCommit(batch())).toEqual([]);
  });

  it('reports nothing and keeps nothing when the state cannot be saved, so the retry alerts', async () => {
    const { engine, store, make } = setup({});
    const save = store.saveState.bind(store);
    store.saveState = async () => {
      throw new Error('table unavailable');
    };
    await expect(engine.evaluateAndCommit(batch())).rejects.toThrow('table unavailable');
    store.saveState = save;
    expect((await make().evaluateAndCommit(batch())).length).toBe(5);
  });

  it('builds an ECS alert document in dataset alert', async () => {
    const { engine, clock } = setup(onlyRule('sandboxMaliciousFile', { severity: 'high' }));
    const [a] = (await engine.evaluateAndCommit(batch())) as [Alert];
    expect(a.doc).toMatchObject({ id: a.id, dataset: 'alert', timestamp: new Date(clock.t).toISOString() });
    expect(a.doc.doc).toMatchObject({
      '@timestamp': new Date(clock.t).toISOString(),
      data_stream: { type: 'logs', dataset: 'symantec_edr_cloud.alert', namespace: 'default' },
      event: { kind: 'alert', id: a.id, severity: 73, url: a.url },
      rule: { id: 'sandboxMaliciousFile', name: 'Sandbox Malicious File Detected' },
      host: { id: 'dev-1', name: 'Victim-1' },
      user: { name: 'SYSTEM' },
      file: { name: 'evil.exe', hash: { sha256: 'a'.repeat(64) } },
      related: { hash: ['a'.repeat(64)], hosts: ['Victim-1'], user: ['SYSTEM'] },
      symantec_edr_cloud: {
        doc_id: a.id,
        alert: { rule: 'sandboxMaliciousFile', incident_uids: ['i1'], event_ids: ['8031:a'] },
      },
    });
    expect(a.url).toBe('https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/i1/details');
  });

  it('builds the console link from consoleBaseUrl when the batch has no incident document', async () => {
    const { engine } = setup({
      ...onlyRule('sandboxMaliciousFile'),
      consoleBaseUrl: 'https://sep.securitycloud.symantec.eu',
    });
    const alerts = await engine.evaluateAndCommit(batch().slice(1));
    expect(alerts[0]?.url).toBe(
      'https://sep.securitycloud.symantec.eu/v2/incidents/incidentListing/i1/details',
    );
  });

  it('fires again once retention has passed even when no sweep of the state ran since (sweeps are every 5 minutes)', async () => {
    const { engine, clock } = setup({ ...onlyRule('highPriorityOrSeverityIncident'), dedupRetentionDays: 2 });
    expect(await engine.evaluateAndCommit(batch())).toHaveLength(1);
    clock.t += 2 * DAY - 30_000;
    await engine.evaluateAndCommit([incidentDoc({ uid: 'unrelated' })]); // sweeps; the id is still within retention
    clock.t += 60_000; // one minute later: no sweep, but the id is now past retention
    expect(await engine.evaluateAndCommit(batch())).toHaveLength(1);
  });

  it('forgets fired ids after dedupRetentionDays without a sighting', async () => {
    const { engine, clock } = setup({ ...onlyRule('highPriorityOrSeverityIncident'), dedupRetentionDays: 2 });
    expect(await engine.evaluateAndCommit(batch())).toHaveLength(1);
    clock.t += DAY;
    expect(await engine.evaluateAndCommit(batch())).toEqual([]); // seen again: retention restarts
    clock.t += 2 * DAY + 1;
    await engine.evaluateAndCommit([incidentDoc({ uid: 'unrelated' })]);
    expect(await engine.evaluateAndCommit(batch())).toHaveLength(1);
  });
});
