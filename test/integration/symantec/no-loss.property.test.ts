import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentQuery } from '../../../shared/ports/incident-source.ts';
import {
  type Fault,
  type RunningSimulator,
  startSimulator,
  versionKey,
} from '../../../shared/simulator/index.ts';
import { createSymantecClient } from '../../../shared/symantec/index.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { lastDay, staticCredentials } from '../../helpers/simulator.ts';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 11, incidents: 25 });
});
afterAll(async () => {
  await sim.close();
});

/** Faults the API eventually recovers from (the client must retry through them). */
const recoverableFault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({
    kind: fc.constant('rate_limit' as const),
    retryAfter: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('server_error' as const),
    status: fc.constantFrom(500 as const, 502 as const, 503 as const, 504 as const),
  }),
  fc.constant<Fault>({ kind: 'truncated' }),
  fc.constant<Fault>({ kind: 'malformed' }),
  fc.constant<Fault>({ kind: 'reset' }),
  fc.constant<Fault>({ kind: 'token_expired' }),
);

describe('Property: the client never loses or duplicates an item', () => {
  it('across random page sizes, start offsets of faults and fault sequences', async () => {
    const window = lastDay();
    const expected = sim.groundTruth
      .inWindow(window.startDate.getTime(), window.endDate.getTime())
      .map((v) => v.key)
      .sort();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc
          .array(fc.tuple(fc.integer({ min: 1, max: 12 }), recoverableFault), { maxLength: 8 })
          // Two 401s in a row mean a fresh token was rejected: an auth error, not a recoverable fault.
          .filter((pins) => {
            const at = new Map(pins);
            return ![...at].some(
              ([n, f]) => f.kind === 'token_expired' && at.get(n + 1)?.kind === 'token_expired',
            );
          }),
        async (limit, pinned) => {
          // Prepare: faults pinned to data request numbers counted from now
          sim.faults.clear();
          const firstRequest = sim.requestLog.filter((e) => e.target === 'incidents').length + 1;
          for (const [n, fault] of pinned) sim.faults.at(firstRequest + n - 1, fault);
          const api = createSymantecClient({
            baseUrl: new URL(sim.url),
            credentials: staticCredentials({ clientId: sim.clientId, clientSecret: sim.clientSecret }),
            clock: new FakeClock(Date.now()),
            backoffBaseMs: 1,
            maxAttempts: 10,
          });
          const query: IncidentQuery = { ...window, limit, includeEvents: false };
          // Act
          const keys: string[] = [];
          for await (const page of api.incidents.pages(query)) {
            expect(page.invalid).toEqual([]);
            for (const i of page.incidents) keys.push(versionKey(i.incident_uid, i.time as number));
          }
          // Assess: the exact multiset of the ground truth, nothing more, nothing less
          expect(keys.sort()).toEqual(expected);
        },
      ),
      { numRuns: 40, seed: 20260301 },
    );
  });
});
