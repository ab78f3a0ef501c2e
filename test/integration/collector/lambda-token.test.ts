import { afterEach, describe, expect, it } from 'vitest';
import { type LambdaRig, startLambdaRig } from '../../helpers/lambda-rig.ts';

const MINUTE = 60_000;

/**
 * Issue 12: the Lambda built a new token source on every invocation, so every warm run asked the API
 * for a new token although the token lives an hour. Counted here at the simulator's token endpoint.
 */
describe('Lambda: one API token per warm container', () => {
  let rig: LambdaRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('two invocations of a warm container request one token; a cold start requests its own', async () => {
    rig = await startLambdaRig({ seed: 21, incidents: 20, spanHours: 6 });
    const tokenRequests = () => rig?.sim.requestLog.filter((e) => e.target === 'token').length ?? 0;
    const warm = rig.container();
    rig.clock.advance(5 * MINUTE);
    const first = await rig.invoke(warm);
    rig.clock.advance(5 * MINUTE);
    const second = await rig.invoke(warm);
    expect([first.summary?.status, second.summary?.status]).toEqual(['complete', 'complete']);
    expect(second.summary?.apiRequests).toBeGreaterThan(0);
    expect(tokenRequests()).toBe(1);
    rig.clock.advance(5 * MINUTE);
    await rig.invoke(rig.container());
    expect(tokenRequests()).toBe(2);
  });
});
