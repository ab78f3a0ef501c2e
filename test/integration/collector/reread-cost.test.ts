import { describe, expect, it } from 'vitest';
import { measureReReadCost } from '../../../bench/reread.bench.ts';
import type { Personality } from '../../../shared/simulator/index.ts';

/**
 * Defect 4 (issue 12), the cost side: on a quiet 400-incident tenant the hourly re-read of open incidents
 * re-sent every open lifecycle record of 30 days with its events (1,684 documents an hour on af02098,
 * `npm run bench -- reread`). Now it sends only what changed: nothing on a quiet tenant, and on a busy
 * one only documents of the incidents that were updated.
 */
const personalities: [string, Partial<Personality>][] = [
  ['filter on time, every version', {}],
  ['filter on created, every version', { filterOn: 'created', versions: 'all' }],
  ['filter on created, latest version', { filterOn: 'created', versions: 'latest' }],
];

describe('Re-read cost: documents re-sent per hour ≈ incidents that changed', () => {
  it.each(personalities)(
    'a quiet tenant re-sends nothing over 3 hours of hourly re-reads (%s)',
    async (_n, personality) => {
      const cost = await measureReReadCost({ personality, incidents: 400, hours: 3 });
      expect(cost.reReadsPerHour).toEqual([1, 1, 1]);
      expect(cost.resentPerHour).toEqual([0, 0, 0]);
    },
    60_000,
  );

  it.each(personalities)(
    '10 updates an hour: each is delivered, and only their documents are sent again (%s)',
    async (_n, personality) => {
      const cost = await measureReReadCost({ personality, incidents: 400, hours: 3, changed: 10 });
      // Every update is a new incident version, delivered once.
      expect(cost.newPerHour).toEqual([10, 10, 10]);
      // Re-sent: at most the changed incidents' own records (their events travel with each version).
      for (const n of cost.resentIncidentsPerHour) expect(n).toBeLessThanOrEqual(10 + 2);
      expect(cost.resentOfUnchangedPerHour).toEqual([0, 0, 0]);
    },
    60_000,
  );
});
