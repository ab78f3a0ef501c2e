import type { EventApiOptions } from '../../shared/simulator/event-api.ts';
import { type SimulatorOptions, startSimulator } from '../../shared/simulator/index.ts';
import { createEventStreamClient } from '../../shared/symantec/event-stream.ts';
import { FakeClock } from './fakes.ts';
import { staticCredentials } from './simulator.ts';

export const STREAM_ID = '3f1c2a9e-5b7d-4e2f-9a61-0c8d7e6f5a4b';

/** Crafted telemetry: `count` events of type 8001, one second apart, `log_time` = `time` + 20 s. */
export function craftedEvents(
  count: number,
  from = Date.now() - 3_600_000,
  prefix = 'e',
): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const t = from + i * 1000;
    return {
      uuid: `8001:${prefix}-${String(i).padStart(6, '0')}`,
      type_id: 8001,
      severity_id: 1,
      time: new Date(t).toISOString(),
      log_time: new Date(t + 20_000).toISOString(),
      device_name: `host-${i % 7}`,
    };
  });
}

/** A simulator serving telemetry and an Event Stream client wired to it. */
export async function streamSimulator(telemetry: EventApiOptions, simulator: SimulatorOptions = {}) {
  const sim = await startSimulator({
    incidents: 0,
    ...simulator,
    telemetry: { streams: [{ id: STREAM_ID }], ...telemetry },
  });
  const credentials = staticCredentials({ clientId: sim.clientId, clientSecret: sim.clientSecret });
  const clock = new FakeClock(Date.now());
  const client = createEventStreamClient({
    baseUrl: new URL(sim.url),
    credentials,
    clock,
    backoffBaseMs: 5,
    backoffMaxMs: 50,
    maxAttempts: 3,
    requestTimeoutMs: 5000,
  });
  const events = sim.events;
  if (!events) throw new Error('simulator without telemetry');
  return { sim, events, client, credentials, clock };
}
