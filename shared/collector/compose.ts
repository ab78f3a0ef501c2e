import { apiBaseUrl } from '../config/load.ts';
import type { Settings } from '../config/settings.ts';
import { normalizeIncident, quarantineDocument } from '../normalize/index.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { CredentialsSource } from '../ports/credentials.ts';
import type { Logger, Metrics } from '../ports/logger.ts';
import type { AlertSink, MonitorEvaluator } from '../ports/monitors.ts';
import type { Sink } from '../ports/sink.ts';
import { applyHeapGrowth } from '../runtime/heap-growth.ts';
import { createSymantecClient } from '../symantec/index.ts';
import type { OAuthTokenSource } from '../symantec/token-source.ts';
import type { CollectorDeps } from './collect.ts';

export interface ComposeOptions {
  settings: Settings;
  credentials: CredentialsSource;
  store: CheckpointStore;
  sink: Sink;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  monitors?: MonitorEvaluator;
  alerts?: AlertSink;
  /** A token source kept across runs (a warm Lambda container): one token per container, not per run. */
  tokenSource?: OAuthTokenSource;
  /** For tests: a fetch that reaches a local server or injects faults. */
  fetch?: typeof fetch;
}

/**
 * The one composition of the collector's ports, shared by the CLI and the Lambda handler so the laptop
 * run and the Lambda run execute the same code; only the adapters passed in differ.
 */
export function composeCollector(options: ComposeOptions): CollectorDeps {
  const { settings } = options;
  applyHeapGrowth(settings.heapGrowingPercent);
  const client = createSymantecClient({
    baseUrl: apiBaseUrl(settings),
    credentials: options.credentials,
    requestTimeoutMs: settings.requestTimeoutMs,
    maxAttempts: settings.maxAttempts,
    clock: options.clock,
    logger: options.logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.tokenSource ? { tokenSource: options.tokenSource } : {}),
  });
  const normalizeOptions = {
    keepOriginal: settings.keepOriginal,
    namespace: settings.namespace,
    preserveDuplicateCustomFields: settings.preserveDuplicateCustomFields,
  };
  const deps: CollectorDeps = {
    source: client.incidents,
    store: options.store,
    sink: options.sink,
    clock: options.clock,
    logger: options.logger,
    metrics: options.metrics,
    normalize: (raw, seen) => normalizeIncident(raw, normalizeOptions, seen),
    quarantine: (raw, reason) => quarantineDocument(raw, reason, normalizeOptions),
  };
  if (options.monitors) deps.monitors = options.monitors;
  if (options.alerts) deps.alerts = options.alerts;
  return deps;
}
