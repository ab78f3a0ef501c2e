import { hostname } from 'node:os';
import { relative, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { FileCheckpointStore } from '../../checkpoint/file.ts';
import { backfillEvents } from '../../collector/event-backfill.ts';
import { localEventObjects, parseS3Url, s3EventObjects } from '../../collector/event-file-sources.ts';
import { type EventObject, ingestEventObject, PoisonObjectError } from '../../collector/event-files.ts';
import { collectStream, type StreamRunSummary } from '../../collector/stream.ts';
import {
  composeStreamCollector,
  createTelemetryDelivery,
  streamRunOptions,
} from '../../collector/telemetry-compose.ts';
import { apiBaseUrl } from '../../config/load.ts';
import type { Settings } from '../../config/settings.ts';
import { localCredentials } from '../../credentials/local.ts';
import { ConsoleLogger, type LogLevel } from '../../logging/console-logger.ts';
import type { OcsfStats } from '../../ocsf/compose.ts';
import { OcsfParquetWriter } from '../../ocsf/parquet.ts';
import { systemClock } from '../../ports/clock.ts';
import type { CredentialsSource } from '../../ports/credentials.ts';
import { MemoryMetrics } from '../../ports/logger.ts';
import { startSimulator } from '../../simulator/index.ts';
import { generateTelemetry } from '../../simulator/telemetry-generator.ts';
import { LocalSink } from '../../sink/local.ts';
import {
  createEventSearchClient,
  EVENT_SEARCH_REQUESTS_PER_HOUR,
  RequestBudget,
} from '../../symantec/event-search.ts';
import {
  addSettingOptions,
  type CommonFlags,
  ocsfLocation,
  positiveInt,
  settingsFrom,
  wantsSimulator,
} from './collect.ts';
import { SIMULATED_STREAM_ID } from './simulator-telemetry.ts';

/** Stream GUID of the built-in simulator's Event Stream. */
export const SIMULATOR_STREAM_ID = SIMULATED_STREAM_ID;
const HOUR = 3_600_000;

interface TelemetryFlags extends CommonFlags {
  simulatorEvents: string;
}

type Simulator = Awaited<ReturnType<typeof startSimulator>>;

/** The built-in simulator with telemetry over the last 24 h (seeded), when no API is given. */
async function builtInTelemetrySimulator(
  flags: TelemetryFlags,
  settings: Settings,
): Promise<Simulator | undefined> {
  if (!wantsSimulator(flags)) return undefined;
  const now = Date.now();
  const { events } = generateTelemetry({
    seed: positiveInt('--simulator-seed', flags.simulatorSeed),
    count: positiveInt('--simulator-events', flags.simulatorEvents),
    from: now - 24 * HOUR,
    // log_time trails time by up to 6 min: keep every event visible now.
    to: now - 10 * 60_000,
  });
  const sim = await startSimulator({
    incidents: 0,
    telemetry: {
      streams: [{ id: SIMULATOR_STREAM_ID, channels: settings.eventStreamChannels }],
      events,
      retentionHours: 48,
      maxHoldMs: 500,
    },
  });
  if (!flags.json)
    process.stderr.write(
      `using the built-in Symantec API simulator at ${sim.url} (no --region/--api-url given)\n`,
    );
  return sim;
}

function apiSettings(
  flags: TelemetryFlags,
  sim: Simulator | undefined,
): { settings: Settings; credentials: CredentialsSource } {
  const settings = settingsFrom(flags);
  if (!sim) {
    return {
      settings,
      credentials: localCredentials(flags.credentialsFile ? { file: flags.credentialsFile } : {}),
    };
  }
  return {
    settings: { ...settings, apiUrl: sim.url, eventStreamId: settings.eventStreamId || SIMULATOR_STREAM_ID },
    credentials: {
      description: 'built-in simulator test credentials',
      get: async () => ({ clientId: sim.clientId, clientSecret: sim.clientSecret }),
    },
  };
}

/** `--ocsf [dir]`: the OCSF Parquet writer in the Security Lake layout, as for `run --ocsf`. */
function ocsfWriter(flags: CommonFlags): (OcsfParquetWriter & { dir: string }) | undefined {
  if (!flags.ocsf) return undefined;
  const location = ocsfLocation(flags);
  const dir = resolve(location.dir);
  return Object.assign(new OcsfParquetWriter({ ...location, dir }), { dir });
}

function ocsfLine(stats: OcsfStats | undefined, writer: { dir: string } | undefined): string[] {
  if (!stats || !writer) return [];
  const byClass = Object.entries(stats.byClass)
    .map(([uid, n]) => `${uid}: ${n}`)
    .join(', ');
  return [
    `ocsf:   ${stats.written} OCSF records (${byClass || 'none'}; ${stats.quarantined} quarantined) as Parquet under ${relative(process.cwd(), writer.dir) || '.'}/ext/`,
  ];
}

function telemetryOptions(cmd: Command): Command {
  return addSettingOptions(cmd).option(
    '--simulator-events <n>',
    'telemetry events the built-in simulator generates over the last 24 h',
    '5000',
  );
}

function printStream(
  s: StreamRunSummary,
  out: string,
  json: boolean,
  ocsf: string[] = [],
  stats?: OcsfStats,
): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...s, outDir: out, ...(stats ? { ocsf: stats } : {}) })}\n`);
    return;
  }
  const rel = relative(process.cwd(), out) || '.';
  const lines = [
    `stream ${s.status}${s.reason ? `: ${s.reason}` : ''}`,
    `  stream ${s.streamId}  channels ${s.channels.map((c) => `${c.channel}:${c.status}`).join(' ')}`,
    `  events ${s.events}  quarantined ${s.quarantined}  duplicates skipped ${s.duplicatesSkipped}  reads ${s.channels.reduce((a, c) => a + c.reads, 0)}  MB ${(s.channels.reduce((a, c) => a + c.bytes, 0) / 1e6).toFixed(1)}`,
    `  lag ${s.lagSeconds ?? '-'} s  cursor expiries (410) ${s.cursorExpired}  time ${(s.durationMs / 1000).toFixed(1)} s`,
    ...s.lost.map(
      (l) => `  LOST (410) channel ${l.channel}: log_time ${l.from ?? 'start'} → ${l.to ?? 'unknown'}`,
    ),
    `output: ${rel}/  (gzip NDJSON: ${rel}/telemetry/year=YYYY/month=MM/day=DD/*.json.gz)`,
    ...ocsf,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerStream(program: Command): void {
  const cmd = program
    .command('stream')
    .description(
      'Read the Event Stream (telemetry) once: every channel until caught up (204) or --max-runtime.\n' +
        'Without --region/--api-url it starts the built-in simulator. Exit codes as for run.',
    )
    .option('--channel <n>', 'read only this channel (the stack runs one invocation per channel)');
  telemetryOptions(cmd).action(async (flags: TelemetryFlags & { channel?: string }) => {
    const base = settingsFrom(flags);
    const sim = await builtInTelemetrySimulator(flags, base);
    try {
      const { settings, credentials } = apiSettings(flags, sim);
      const logger = new ConsoleLogger({ level: settings.logLevel as LogLevel });
      const out = resolve(flags.out);
      const store = new FileCheckpointStore({ path: resolve(flags.checkpoint) });
      const sink = new LocalSink({ dir: out });
      const metrics = new MemoryMetrics();
      const ocsf = ocsfWriter(flags);
      const delivery = createTelemetryDelivery({
        settings,
        sink,
        metrics,
        logger,
        ...(ocsf ? { ocsf } : {}),
      });
      const deps = composeStreamCollector({
        settings,
        credentials,
        store,
        delivery,
        clock: systemClock,
        logger,
        metrics,
      });
      const maxRuntime = flags.maxRuntime ? positiveInt('--max-runtime', flags.maxRuntime) : 3600;
      const options = streamRunOptions(settings, {
        owner: `cli-${hostname()}-${process.pid}`,
        deadline: systemClock.now() + maxRuntime * 1000,
        channel: flags.channel === undefined ? undefined : positiveInt('--channel', flags.channel),
      });
      const summary = await collectStream(deps, options, out);
      await delivery.close();
      printStream(summary, out, Boolean(flags.json), ocsfLine(delivery.ocsfStats, ocsf), delivery.ocsfStats);
      process.exitCode = summary.status === 'complete' ? 0 : summary.status === 'failed' ? 1 : 3;
    } finally {
      await sim?.close();
    }
  });
}

export function registerIngest(program: Command): void {
  const cmd = program
    .command('ingest <source>')
    .description(
      'Ingest Data Bucket export files (NDJSON, .gz) from a file, a folder or s3://bucket/prefix\n' +
        '(AWS_ENDPOINT_URL reaches an emulator). An object already ingested is skipped.',
    );
  addSettingOptions(cmd).action(async (source: string, flags: CommonFlags) => {
    const settings = settingsFrom(flags);
    const logger = new ConsoleLogger({ level: settings.logLevel as LogLevel });
    const out = resolve(flags.out);
    const store = new FileCheckpointStore({ path: resolve(flags.checkpoint) });
    const sink = new LocalSink({ dir: out });
    const ocsf = ocsfWriter(flags);
    const delivery = createTelemetryDelivery({
      settings,
      sink,
      metrics: new MemoryMetrics(),
      logger,
      ...(ocsf ? { ocsf } : {}),
    });
    const s3url = parseS3Url(source);
    const objects: AsyncIterable<EventObject> = s3url
      ? s3EventObjects(
          new S3Client({
            forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3),
          }),
          s3url.bucket,
          s3url.prefix,
        )
      : localEventObjects(source);
    const totals = { objects: 0, duplicates: 0, poisoned: 0, events: 0, quarantined: 0, lines: 0 };
    for await (const object of objects) {
      totals.objects++;
      try {
        const r = await ingestEventObject(object, {
          delivery,
          store,
          tenant: settings.tenant,
          clock: systemClock,
        });
        if (r.status === 'duplicate') totals.duplicates++;
        totals.events += r.events;
        totals.quarantined += r.quarantined;
        totals.lines += r.lines;
        if (!flags.json)
          process.stderr.write(
            `${r.status === 'duplicate' ? 'already ingested' : 'ingested'} ${r.location}: ${r.events} events, ${r.quarantined} quarantined\n`,
          );
      } catch (error) {
        if (!(error instanceof PoisonObjectError)) throw error;
        totals.poisoned++;
        process.stderr.write(`POISON ${error.message}\n`);
      }
    }
    await delivery.close();
    const rel = relative(process.cwd(), out) || '.';
    const stats = delivery.ocsfStats;
    if (flags.json)
      process.stdout.write(
        `${JSON.stringify({ ...totals, outDir: out, ...(stats ? { ocsf: stats } : {}) })}\n`,
      );
    else
      process.stdout.write(
        [
          `ingest: ${totals.objects} objects (${totals.duplicates} already ingested, ${totals.poisoned} unreadable), ${totals.lines} lines, ${totals.events} events, ${totals.quarantined} quarantined`,
          `output: ${rel}/telemetry/ (gzip NDJSON)`,
          ...ocsfLine(stats, ocsf),
        ].join('\n') + '\n',
      );
    process.exitCode = totals.poisoned > 0 ? 1 : 0;
  });
}

/** `backfill --events --since --until`: telemetry over Event Search, within the hourly budget. */
export async function runEventBackfill(flags: CommonFlags, since: Date, until: Date): Promise<number> {
  const telemetryFlags = { simulatorEvents: '5000', ...flags } as TelemetryFlags;
  const sim = await builtInTelemetrySimulator(telemetryFlags, settingsFrom(flags));
  try {
    const { settings, credentials } = apiSettings(telemetryFlags, sim);
    const logger = new ConsoleLogger({ level: settings.logLevel as LogLevel });
    const out = resolve(flags.out);
    const store = new FileCheckpointStore({ path: resolve(flags.checkpoint) });
    const sink = new LocalSink({ dir: out });
    const delivery = createTelemetryDelivery({ settings, sink, metrics: new MemoryMetrics(), logger });
    const search = createEventSearchClient({
      baseUrl: apiBaseUrl(settings),
      credentials,
      requestTimeoutMs: settings.requestTimeoutMs,
      maxAttempts: settings.maxAttempts,
      logger,
    });
    const maxRuntime = flags.maxRuntime ? positiveInt('--max-runtime', flags.maxRuntime) : 3600;
    const summary = await backfillEvents(
      {
        search,
        store,
        delivery,
        budget: new RequestBudget(EVENT_SEARCH_REQUESTS_PER_HOUR, systemClock),
        clock: systemClock,
        logger,
      },
      {
        tenant: settings.tenant,
        since,
        until,
        owner: `cli-${hostname()}-${process.pid}`,
        deadline: systemClock.now() + maxRuntime * 1000,
        deadlineMarginMs: settings.deadlineMarginSeconds * 1000,
      },
    );
    await sink.close();
    const rel = relative(process.cwd(), out) || '.';
    if (flags.json) process.stdout.write(`${JSON.stringify({ ...summary, outDir: out })}\n`);
    else
      process.stdout.write(
        [
          `event backfill ${summary.status}${summary.reason ? `: ${summary.reason}` : ''}`,
          `  windows ${summary.windows} (split ${summary.splits})  pages ${summary.pages}  events ${summary.events}  quarantined ${summary.quarantined}  duplicates skipped ${summary.duplicatesSkipped}`,
          `  requests ${summary.requests}  budget ${summary.budgetUsed}/${summary.budgetPerHour} per hour used${summary.budgetWaitMs ? `, waited ${Math.round(summary.budgetWaitMs / 1000)} s` : ''}${summary.rateLimited ? `, the API answered 429 ${summary.rateLimited} time(s) (honoured: waited or stopped)` : ''}${summary.unreachable ? `  UNREACHABLE ${summary.unreachable} (over 10 000 in a 1 s window)` : ''}`,
          `output: ${rel}/telemetry/ (gzip NDJSON)`,
        ].join('\n') + '\n',
      );
    return summary.status === 'complete' ? 0 : summary.status === 'failed' ? 1 : 3;
  } finally {
    await sim?.close();
  }
}
