/**
 * What the open-incident re-read sends again on a quiet tenant: 400 incidents over 20 days, a run every
 * 5 simulated minutes (the re-read is due hourly), 3 hours after the first catch-up. A document counts
 * as re-sent when the sink already had its id. Prints one JSON line per personality:
 * `{"bench":"reread","personality":...,"changedPerHour":0,"resentPerHour":[...],...}`.
 * `changed` > 0 updates that many open incidents at the start of each hour (for the test's bound).
 */
import { pathToFileURL } from 'node:url';
import { collect } from '../shared/collector/collect.ts';
import { parseSettings } from '../shared/config/load.ts';
import { type Personality, resolvePersonality, startSimulator } from '../shared/simulator/index.ts';
import { FakeClock } from '../test/helpers/fakes.ts';
import { memoryCollector } from '../test/helpers/memory-collector.ts';

const MINUTE = 60_000;

export interface ReReadCostOptions {
  personality?: Partial<Personality>;
  incidents?: number;
  hours?: number;
  /** Open incidents updated at the start of each hour (0: a quiet tenant). */
  changed?: number;
  seed?: number;
}

export interface ReReadCost {
  bench: 'reread';
  personality: string;
  incidents: number;
  hours: number;
  changedPerHour: number;
  /** Per hour: documents whose id the sink already had (incident and event documents). */
  resentPerHour: number[];
  resentIncidentsPerHour: number[];
  resentEventsPerHour: number[];
  /** Per hour: re-sent documents of incidents not updated that hour (what the re-read wastes). */
  resentOfUnchangedPerHour: number[];
  /** Per hour: documents the sink had not seen. */
  newPerHour: number[];
  reReadsPerHour: number[];
  cpuMs: number;
}

export async function measureReReadCost(options: ReReadCostOptions = {}): Promise<ReReadCost> {
  const cpu = process.cpuUsage();
  const incidents = options.incidents ?? 400;
  const hours = options.hours ?? 3;
  const changed = options.changed ?? 0;
  const personality = resolvePersonality(options.personality ?? {});
  const clock = new FakeClock(Date.parse('2026-11-20T12:00:00.000Z'));
  const sim = await startSimulator({
    seed: options.seed ?? 7,
    incidents,
    spanHours: 20 * 24,
    clock,
    personality,
  });
  try {
    const settings = parseSettings({
      apiUrl: sim.url,
      initialLookbackMinutes: 21 * 24 * 60,
      requestTimeoutMs: 5000,
    });
    const { deps, sink } = memoryCollector(settings, sim, clock);
    const run = () => collect(deps, { settings, owner: 'bench', deadline: clock.now() + 4 * MINUTE });
    // Catch up: the first run reads the 21-day backlog and does the first re-read.
    clock.advance(5 * MINUTE);
    for (let i = 0; i < 20; i++) {
      const s = await run();
      if (s.status === 'complete') break;
      clock.advance(5 * MINUTE);
    }
    const seen = new Set(sink.docs.map((d) => d.id));
    const result: ReReadCost = {
      bench: 'reread',
      personality: describe(personality),
      incidents,
      hours,
      changedPerHour: changed,
      resentPerHour: [],
      resentIncidentsPerHour: [],
      resentEventsPerHour: [],
      resentOfUnchangedPerHour: [],
      newPerHour: [],
      reReadsPerHour: [],
      cpuMs: 0,
    };
    for (let h = 0; h < hours; h++) {
      const updated = new Set(
        (changed > 0 ? sim.updateIncidents(changed) : []).map((key) => key.slice(0, key.lastIndexOf('@'))),
      );
      const from = sink.docs.length;
      let reReads = 0;
      for (let i = 0; i < 12; i++) {
        clock.advance(5 * MINUTE);
        const s = await run();
        if (s.openSweep === 'done' || s.openSweep === 'incomplete') reReads++;
      }
      let resentIncidents = 0;
      let resentEvents = 0;
      let resentOfUnchanged = 0;
      let fresh = 0;
      for (const d of sink.docs.slice(from)) {
        if (!seen.has(d.id)) {
          fresh++;
          seen.add(d.id);
          continue;
        }
        if (d.dataset === 'incident') resentIncidents++;
        else if (d.dataset === 'event') resentEvents++;
        if (!updated.has(String(incidentOf(d.doc)))) resentOfUnchanged++;
      }
      result.resentOfUnchangedPerHour.push(resentOfUnchanged);
      result.resentIncidentsPerHour.push(resentIncidents);
      result.resentEventsPerHour.push(resentEvents);
      result.resentPerHour.push(resentIncidents + resentEvents);
      result.newPerHour.push(fresh);
      result.reReadsPerHour.push(reReads);
    }
    const used = process.cpuUsage(cpu);
    result.cpuMs = Math.round((used.user + used.system) / 1000);
    return result;
  } finally {
    await sim.close();
  }
}

/** The incident uid of an incident or event document (ECS layout). */
function incidentOf(doc: Record<string, unknown>): unknown {
  const ns = doc.symantec_edr_cloud as Record<string, Record<string, unknown>> | undefined;
  return (
    ns?.event?.incident_uid ??
    (doc.event as Record<string, unknown> | undefined)?.id ??
    ns?.incident?.incident_uid
  );
}

function describe(p: Personality): string {
  return `filter=${p.filterOn},versions=${p.versions}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const personality of [
    {},
    { filterOn: 'created', versions: 'all' },
    { filterOn: 'created', versions: 'latest' },
  ] as Partial<Personality>[]) {
    process.stdout.write(`${JSON.stringify(await measureReReadCost({ personality }))}\n`);
  }
}
