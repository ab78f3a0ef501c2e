/**
 * The stateful rules (embargoedDevice, impactedDevicesSpike, unresolvedIncidentAging) across several
 * runs, each run a fresh engine (a new Lambda invocation) over the DynamoDB checkpoint store on dynalite
 * and over the local file store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { FileCheckpointStore } from '../../../shared/checkpoint/file.ts';
import { createMonitorEngine, parseMonitorsConfig } from '../../../shared/monitors/index.ts';
import type { CheckpointStore } from '../../../shared/ports/checkpoint-store.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { DAY, eventDoc, HOUR, incidentDoc, MIN, onlyRule, T0 } from '../../unit/monitors/docs.ts';

let dyn: DynaliteHandle;
let dir: string;
let tables = 0;

beforeAll(async () => {
  dyn = await startDynalite();
  dir = await mkdtemp(join(tmpdir(), 'monitors-int-'));
});
afterAll(async () => {
  await dyn?.close();
  await rm(dir, { recursive: true, force: true });
});

const stores: [string, () => Promise<CheckpointStore>][] = [
  [
    'DynamoDbCheckpointStore (dynalite)',
    async () => {
      const name = `ckpt-monitors-${++tables}`;
      await dyn.createTable(name);
      return new DynamoDbCheckpointStore({ tableName: name, client: dyn.client });
    },
  ],
  [
    'FileCheckpointStore',
    async () => new FileCheckpointStore({ path: join(dir, `run-${++tables}`, 'checkpoint.json') }),
  ],
];

/** Each call is one run: a new engine that knows only what the store holds. */
function runner(store: CheckpointStore, config: unknown, clock: FakeClock) {
  return (docs: OutputDocument[]) =>
    createMonitorEngine({
      config: parseMonitorsConfig(config),
      store,
      tenant: 'tenant-a',
      clock,
    }).evaluateAndCommit(docs);
}

describe.each(stores)('Module: monitors — stateful rules across runs on %s', (_name, fresh) => {
  it('embargoedDevice: links from separate runs add up, fire once, and a repeated run does not re-alert', async () => {
    const clock = new FakeClock(T0 + HOUR);
    const run = runner(
      await fresh(),
      onlyRule('embargoedDevice', { maxIncidents: 2, windowMinutes: 120 }),
      clock,
    );
    const ev = (inc: string, t: number) =>
      eventDoc({ incident: inc, uuid: `u-${inc}`, time: t, deviceUid: 'dev-9', deviceName: 'Victim-9' });
    expect(await run([incidentDoc({ uid: 'A' }), ev('A', T0)])).toEqual([]);
    expect(await run([ev('B', T0 + 30 * MIN)])).toEqual([]);
    const third = [ev('C', T0 + 60 * MIN)];
    const fired = await run(third);
    expect(fired.map((a) => [a.rule, a.evidence.incidentUids])).toEqual([
      ['embargoedDevice', ['A', 'B', 'C']],
    ]);
    expect(await run(third)).toEqual([]); // crash after evaluate, before the checkpoint: the batch comes again
    expect(await run([ev('D', T0 + 70 * MIN)])).toEqual([]);
  });

  it('impactedDevicesSpike: baseline built over runs, one alert for the spiking window', async () => {
    const clock = new FakeClock(T0 + 5 * HOUR);
    const run = runner(await fresh(), onlyRule('impactedDevicesSpike', { minDevices: 4, factor: 2 }), clock);
    const devices = (hour: number, n: number, tag: string) =>
      Array.from({ length: n }, (_, k) =>
        eventDoc({
          incident: `${tag}-${k}`,
          uuid: `${tag}-${k}`,
          time: T0 + hour * HOUR + k * MIN,
          deviceUid: `${tag}-dev-${k}`,
        }),
      );
    expect(await run(devices(0, 2, 'a'))).toEqual([]);
    expect(await run(devices(1, 1, 'b'))).toEqual([]);
    expect(await run(devices(2, 3, 'c'))).toEqual([]); // 3 < minDevices
    const spike = await run(devices(3, 5, 'd')); // baseline (2+1+3)/3 = 2 → 5 > 4
    expect(spike.map((a) => a.evidence.details)).toEqual([
      expect.objectContaining({ devices: 5, baseline: 2, baseline_windows: 3 }),
    ]);
    expect(await run(devices(3, 8, 'e'))).toEqual([]);
  });

  it('unresolvedIncidentAging: tracked across runs, fires once at 7 days, never for a closed incident', async () => {
    const clock = new FakeClock(T0 + HOUR);
    const run = runner(await fresh(), onlyRule('unresolvedIncidentAging'), clock);
    const rec = (uid: string, time: number, stateId: number) =>
      incidentDoc({ uid, created: T0, time, stateId });
    expect(await run([rec('open-1', T0, 1), rec('closed-1', T0, 1)])).toEqual([]);
    clock.t = T0 + 3 * DAY;
    expect(await run([rec('closed-1', T0 + 3 * DAY, 5)])).toEqual([]);
    clock.t = T0 + 7 * DAY - 1;
    expect(await run([incidentDoc({ uid: 'noise', created: clock.t, time: clock.t, stateId: 1 })])).toEqual(
      [],
    );
    clock.t = T0 + 7 * DAY;
    const fired = await run([rec('closed-1', T0, 1)]); // the overlap serves an old open record again
    expect(fired.map((a) => a.causeKey)).toEqual(['open-1']);
    expect(fired[0]?.url).toBe(
      'https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/open-1/details',
    );
    clock.t = T0 + 9 * DAY;
    expect(await run([rec('open-1', T0 + 8 * DAY, 2)])).toEqual([]);
  });

  it('keeps a state larger than one DynamoDB item (thousands of devices) and still deduplicates', async () => {
    const clock = new FakeClock(T0 + HOUR);
    const run = runner(await fresh(), onlyRule('embargoedDevice', { maxIncidents: 1 }), clock);
    const batch = Array.from({ length: 6000 }, (_, k) =>
      eventDoc({
        incident: `inc-${k % 3000}-${k}`,
        uuid: `u-${k}`,
        time: T0 + (k % 60) * MIN,
        deviceUid: `device-${String(k % 3000).padStart(6, '0')}-xxxxxxxxxxxx`,
      }),
    );
    const first = await run(batch);
    expect(first).toHaveLength(3000);
    expect(await run(batch)).toEqual([]);
  });
});
