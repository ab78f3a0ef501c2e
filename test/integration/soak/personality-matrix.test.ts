import { afterAll, describe, expect, it } from 'vitest';
import { describePersonality, personalityMatrix } from '../../../shared/simulator/index.ts';
import { type PersonalityRunResult, personalityLine, runPersonality } from '../../helpers/personality-run.ts';

/**
 * The personality matrix (small sizes; the full soak is `npm run soak -- --personality all`): the real
 * collector core against every API behaviour the public facts allow — filter field × versions × sort
 * field × direction with records moving during scans and between runs, plus a small result cap, late
 * indexing and a moving real clock. Nothing observable may be lost; what the API itself hid (latest-only:
 * versions overwritten before any poll) is reported apart as `unobservable`.
 */
const SEED = 1;
const matrix = personalityMatrix({ resultCap: 25, lateIndexMinutes: 5, clockRate: 1 });
const lines: string[] = [];

afterAll(() => {
  // One line per personality, as the soak prints them: unobservable is reported, not asserted away.
  process.stdout.write(`personality matrix (seed ${SEED}):\n${lines.join('\n')}\n`);
});

function explain(r: PersonalityRunResult): string[] {
  return r.detail.lost.map(
    (v) => `${v.key} (type ${v.type_id}, state ${v.state_id}${v.added ? ', written during the run' : ''})`,
  );
}

describe('Personality matrix: the collector loses nothing the API let it observe', () => {
  const cases = matrix.map((p) => [describePersonality(p), p] as const);
  const body = async (_name: string, personality: (typeof matrix)[number]) => {
    // Act
    // Under a time filter the windows alone must deliver everything: the re-read of open incidents
    // would re-serve open incidents a pager skipped, and hide the skip.
    const settings = {
      ...(personality.filterOn === 'time' ? { openSweepMinutes: 0 } : {}),
      // The collector is told the API's cap (SES_RESULT_CAP), as an operator would be.
      ...(personality.resultCap !== undefined ? { resultCap: personality.resultCap } : {}),
    };
    const result = await runPersonality({ personality, seed: SEED, incidents: 40, runs: 8, settings });
    lines.push(personalityLine(result));
    // Assess: no loss, no checkpoint moving backwards
    expect(explain(result)).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.detail.regressionText).toEqual([]);
    expect(result.delivered).toBeGreaterThan(20);
    // Every lifecycle record stays reachable unless the API keeps only the latest version: then the
    // versions overwritten before any poll exist (the data set has them) and are counted apart.
    if (personality.versions === 'all') expect(result.unobservable).toBe(0);
    else expect(result.unobservable).toBeGreaterThan(0);
    expect(result.delivered + result.unobservable + result.lost).toBe(result.considered);
  };
  it.each(cases)('%s', body, 30_000);
});
