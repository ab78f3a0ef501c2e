import type { ClientCredentials, CredentialsSource } from '../../shared/ports/credentials.ts';
import {
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '../../shared/simulator/index.ts';
import { createSymantecClient, type SymantecClientOptions } from '../../shared/symantec/index.ts';
import { FakeClock } from './fakes.ts';

/** Credentials in memory, described like the CLI's env source. */
export function staticCredentials(
  credentials: ClientCredentials,
  description = 'env SES_CLIENT_ID / SES_CLIENT_SECRET',
): CredentialsSource & { calls: number } {
  const source = {
    description,
    calls: 0,
    async get() {
      source.calls++;
      return credentials;
    },
  };
  return source;
}

/**
 * Start a simulator and a client wired to it. The client sleeps on a FakeClock (backoff costs no real
 * time); the simulator keeps real time unless `simulator.clock` is given. Close with `sim.close()`.
 */
export async function simulatorWithClient(
  simulator: SimulatorOptions = {},
  client: Partial<SymantecClientOptions> = {},
) {
  const sim: RunningSimulator = await startSimulator(simulator);
  const clock = new FakeClock(Date.now());
  const credentials = staticCredentials({ clientId: sim.clientId, clientSecret: sim.clientSecret });
  const api = createSymantecClient({
    baseUrl: new URL(sim.url),
    credentials,
    clock,
    backoffBaseMs: 10,
    backoffMaxMs: 1000,
    requestTimeoutMs: 5000,
    maxAttempts: 6,
    ...client,
  });
  return { sim, api, clock, credentials };
}

/** The window that covers every default record of a simulator started now. */
export function lastDay(now = Date.now()): { startDate: Date; endDate: Date } {
  return { startDate: new Date(now - 24 * 3_600_000), endDate: new Date(now) };
}
