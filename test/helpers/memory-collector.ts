/**
 * The collector composed in memory against a simulator: a memory checkpoint store and sink, silent
 * logs, memory metrics. Shared by the personality runs and the re-read cost bench, which differ only
 * in their settings and what they read back from the store and sink.
 */
import { composeCollector } from '../../shared/collector/compose.ts';
import type { Settings } from '../../shared/config/settings.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import { MemoryMetrics, silentLogger } from '../../shared/ports/logger.ts';
import { MemoryCheckpointStore, MemorySink } from './fakes.ts';
import { staticCredentials } from './simulator.ts';

export function memoryCollector(
  settings: Settings,
  sim: { clientId: string; clientSecret: string },
  clock: Clock,
): { deps: ReturnType<typeof composeCollector>; store: MemoryCheckpointStore; sink: MemorySink } {
  const store = new MemoryCheckpointStore();
  const sink = new MemorySink();
  const deps = composeCollector({
    settings,
    credentials: staticCredentials({ clientId: sim.clientId, clientSecret: sim.clientSecret }),
    store,
    sink,
    clock,
    logger: silentLogger,
    metrics: new MemoryMetrics(),
  });
  return { deps, store, sink };
}
