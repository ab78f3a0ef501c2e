/**
 * The personality matrix's harness: the real collector core (`collect` over the composed Symantec client,
 * normalizer and checkpoint logic) against the simulator showing one API personality, with in-memory
 * checkpoint store and sink. Scheduled runs every 5 simulated minutes, records written between runs and
 * during scans as the personality says, then quiet catch-up runs; the delivered incident versions are
 * audited against the simulator's ground truth (lost must be empty; unobservable is reported apart).
 */

import { collect, type RunSummary } from '../../shared/collector/collect.ts';
import { parseSettings } from '../../shared/config/load.ts';
import type { Settings } from '../../shared/config/settings.ts';
import {
  auditDelivery,
  describePersonality,
  type Personality,
  type RunningSimulator,
  startSimulator,
  type VersionTruth,
  versionKey,
} from '../../shared/simulator/index.ts';
import { FakeClock } from './fakes.ts';
import { checkpointRegressions, incidentVersion } from './lambda-rig.ts';
import { memoryCollector } from './memory-collector.ts';
import { MovingClock } from './moving-clock.ts';

const MINUTE = 60_000;
const RUN_EVERY = 5 * MINUTE;

export interface PersonalityRunOptions {
  personality: Personality;
  seed: number;
  /** Incidents created over the 6 hours before the start and during the scheduled runs (default 60). */
  incidents?: number;
  /** Scheduled runs, every 5 simulated minutes (default 12). */
  runs?: number;
  /** Quiet runs at the end, 20 minutes apart, nothing changing (default 4: an hourly re-read is due). */
  catchUpRuns?: number;
  /** Collector settings over the harness defaults (page size 10, 8 h first lookback, 2 h windows). */
  settings?: Partial<Settings>;
}

export interface PersonalityRunResult {
  personality: string;
  seed: number;
  runs: number;
  /** Versions judged (visible, up to the final watermark). */
  considered: number;
  delivered: number;
  lost: number;
  unobservable: number;
  duplicates: number;
  regressions: number;
  detail: {
    lost: VersionTruth[];
    unobservable: VersionTruth[];
    regressionText: string[];
    summaries: RunSummary[];
    sim: RunningSimulator;
  };
}

/** Run the collector against one personality. The simulator is closed before it returns. */
export async function runPersonality(options: PersonalityRunOptions): Promise<PersonalityRunResult> {
  const { personality, seed } = options;
  const runs = options.runs ?? 12;
  const start = Date.now();
  const clock =
    personality.clockRate > 0 ? new MovingClock(start, personality.clockRate) : new FakeClock(start);
  const sim = await startSimulator({
    seed,
    incidents: options.incidents ?? 60,
    spanHours: 6,
    futureHours: (runs * RUN_EVERY) / (60 * MINUTE),
    clock,
    personality,
  });
  try {
    const settings: Settings = {
      ...parseSettings({
        apiUrl: sim.url,
        pageSize: 10,
        initialLookbackMinutes: 8 * 60,
        maxWindowMinutes: 120,
        requestTimeoutMs: 5000,
      }),
      ...options.settings,
    };
    const { deps, store, sink } = memoryCollector(settings, sim, clock);
    const summaries: RunSummary[] = [];
    const run = async () => {
      summaries.push(await collect(deps, { settings, owner: 'matrix', deadline: clock.now() + 4 * MINUTE }));
    };
    for (let i = 0; i < runs; i++) {
      clock.advance(RUN_EVERY);
      sim.updateIncidents(personality.betweenRunUpdates);
      await run();
    }
    // Quiet catch-up: nothing changes any more, the collector gets every chance to read the final state.
    sim.setScanUpdateRate(0);
    for (let i = 0; i < (options.catchUpRuns ?? 4); i++) {
      clock.advance(4 * RUN_EVERY);
      await run();
    }

    const delivered = new Set<string>();
    const ids = new Map<string, number>();
    for (const d of sink.docs) {
      ids.set(d.id, (ids.get(d.id) ?? 0) + 1);
      if (d.dataset !== 'incident') continue;
      const version = incidentVersion(d.doc);
      delivered.add(versionKey(version.uid, version.time));
    }
    let duplicates = 0;
    for (const n of ids.values()) duplicates += n - 1;
    const last = store.history.at(-1);
    const audit = auditDelivery(sim.groundTruth, delivered, {
      ...(last?.watermark ? { upTo: Date.parse(last.watermark) } : {}),
    });
    const regressionText = checkpointRegressions(
      store.history.map((c) => ({ version: c.version, ...(c.watermark ? { watermark: c.watermark } : {}) })),
    );
    return {
      personality: describePersonality(personality),
      seed,
      runs: summaries.length,
      considered: audit.considered,
      delivered: audit.delivered,
      lost: audit.lost.length,
      unobservable: audit.unobservable.length,
      duplicates,
      regressions: regressionText.length,
      detail: { lost: audit.lost, unobservable: audit.unobservable, regressionText, summaries, sim },
    };
  } finally {
    await sim.close();
  }
}

/** The JSON line of a result (without details). */
export function personalityLine(r: PersonalityRunResult): string {
  const { detail: _d, ...rest } = r;
  return JSON.stringify(rest);
}
