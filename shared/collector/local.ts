import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileCheckpointStore } from '../checkpoint/file.ts';
import type { Settings } from '../config/settings.ts';
import { localCredentials } from '../credentials/local.ts';
import { createMonitorEngine, parseMonitorsConfig } from '../monitors/index.ts';
import { FileAlertPublisher } from '../monitors/publishers.ts';
import { attachOcsf, incidentOcsfQuarantine, type OcsfStats } from '../ocsf/compose.ts';
import type { LakeLocation } from '../ocsf/layout.ts';
import { OcsfParquetWriter } from '../ocsf/parquet.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { CredentialsSource } from '../ports/credentials.ts';
import { type Logger, MemoryMetrics, type Metrics } from '../ports/logger.ts';
import { LocalSink } from '../sink/local.ts';
import {
  type CollectMode,
  collect,
  MONITOR_STATE_SAVE_MS,
  type Progress,
  type RunSummary,
} from './collect.ts';
import { composeCollector } from './compose.ts';

export interface LocalRunOptions {
  settings: Settings;
  /** Output folder (same layout as the S3 bucket). */
  outDir: string;
  /** Local checkpoint file. */
  checkpointFile: string;
  /** Credentials; default: `--credentials-file`, SES_CLIENT_ID/SES_CLIENT_SECRET, else the simulator's. */
  credentials?: CredentialsSource;
  credentialsFile?: string;
  /** Monitors configuration (parsed JSON); defaults apply when absent. */
  monitorsConfig?: unknown;
  /** Evaluate the detection rules (default true). */
  monitors?: boolean;
  mode?: CollectMode;
  /** Epoch ms; default: no deadline (one hour from now). */
  deadline?: number;
  owner?: string;
  logger: Logger;
  metrics?: Metrics;
  clock?: Clock;
  onProgress?: (progress: Progress) => void;
  fetch?: typeof fetch;
  /** Also write OCSF 1.1.0 Parquet in the Security Lake layout under `ocsf.dir` (`--ocsf`). */
  ocsf?: LakeLocation & { dir: string };
}

export interface LocalRunResult {
  summary: RunSummary;
  outDir: string;
  alertsDir: string;
  ocsf?: OcsfStats & { dir: string };
}

/**
 * One collection run with local adapters: file checkpoint, gzip NDJSON output in the S3 layout, alerts
 * in `<out>/alerts`. The API is whatever `settings` point to (a real tenant, another server, or the
 * built-in simulator started by the caller).
 */
export async function runLocalCollection(options: LocalRunOptions): Promise<LocalRunResult> {
  const clock = options.clock ?? systemClock;
  const outDir = resolve(options.outDir);
  const alertsDir = join(outDir, 'alerts');
  mkdirSync(outDir, { recursive: true });
  const store = new FileCheckpointStore({ path: resolve(options.checkpointFile) });
  const sink = new LocalSink({ dir: outDir });
  const credentials =
    options.credentials ?? localCredentials(options.credentialsFile ? { file: options.credentialsFile } : {});
  const monitors =
    options.monitors === false
      ? undefined
      : createMonitorEngine({
          config: parseMonitorsConfig(options.monitorsConfig ?? {}),
          store,
          tenant: options.settings.tenant,
          logger: options.logger,
          clock,
          saveIntervalMs: MONITOR_STATE_SAVE_MS,
        });
  const composed = composeCollector({
    settings: options.settings,
    credentials,
    store,
    sink,
    clock,
    logger: options.logger,
    metrics: options.metrics ?? new MemoryMetrics(),
    ...(monitors ? { monitors, alerts: new FileAlertPublisher({ dir: alertsDir }) } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const ocsfDir = options.ocsf ? resolve(options.ocsf.dir) : undefined;
  const ocsf =
    options.ocsf && ocsfDir
      ? attachOcsf(
          composed,
          new OcsfParquetWriter({ ...options.ocsf, dir: ocsfDir }),
          incidentOcsfQuarantine({
            keepOriginal: options.settings.keepOriginal,
            namespace: options.settings.namespace,
          }),
        )
      : undefined;
  const deps = ocsf?.deps ?? composed;
  try {
    const summary = await collect(deps, {
      settings: options.settings,
      owner: options.owner ?? `cli-${process.pid}`,
      deadline: options.deadline ?? clock.now() + 3_600_000,
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return {
      summary,
      outDir,
      alertsDir,
      ...(ocsf && ocsfDir ? { ocsf: { ...ocsf.stats, dir: ocsfDir } } : {}),
    };
  } finally {
    // The wrapped sink closes the local sink and the OCSF writer.
    await deps.sink.close();
  }
}
