import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { relative, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import { DynamoDbCheckpointStore } from '../../checkpoint/dynamodb.ts';
import { FileCheckpointStore } from '../../checkpoint/file.ts';
import type { CollectMode, Progress, RunSummary } from '../../collector/collect.ts';
import { runLocalCollection } from '../../collector/local.ts';
import { parseSettings } from '../../config/load.ts';
import { SETTINGS, type SettingKey, type Settings } from '../../config/settings.ts';
import { ConfigError } from '../../errors.ts';
import { ConsoleLogger, type LogLevel } from '../../logging/console-logger.ts';
import type { OcsfStats } from '../../ocsf/compose.ts';
import { type LakeLocation, lakeLocationProblem } from '../../ocsf/layout.ts';
import type { CheckpointStore } from '../../ports/checkpoint-store.ts';
import { systemClock } from '../../ports/clock.ts';
import type { CredentialsSource } from '../../ports/credentials.ts';
import { startSimulator } from '../../simulator/index.ts';
import { runEventBackfill } from './telemetry.ts';

/** Exit codes (see main.ts): 0 caught up, 1 failed, 3 partial progress / skipped. */
const EXIT = { ok: 0, failure: 1, usage: 2, partial: 3 } as const;

const DEFAULT_OUT = './out';
const DEFAULT_CHECKPOINT = './.ses-connector/checkpoint.json';
const DEFAULT_OCSF_OUT = './out-ocsf';

export interface CommonFlags {
  out: string;
  checkpoint: string;
  credentialsFile?: string;
  monitorsConfig?: string;
  simulatorSeed: string;
  simulatorIncidents: string;
  maxRuntime?: string;
  json?: boolean;
  progress: boolean;
  monitors: boolean;
  [flag: string]: unknown;
}

/** Every setting that has a CLI flag becomes an option, so the CLI cannot drift from the schema. */
export function addSettingOptions(cmd: Command): Command {
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]) {
    if (!spec.flag) continue;
    const boolish =
      key === 'includeEvents' || key === 'keepOriginal' || key === 'preserveDuplicateCustomFields';
    const option = new Option(
      boolish ? `--${spec.flag} [bool]` : `--${spec.flag} <value>`,
      `${spec.doc} [env ${spec.env}]`,
    );
    cmd.addOption(option);
  }
  return cmd
    .option('--out <dir>', 'output folder (same layout as the S3 bucket)', DEFAULT_OUT)
    .option('--checkpoint <file>', 'local checkpoint file', DEFAULT_CHECKPOINT)
    .option(
      '--credentials-file <file>',
      'JSON file {"client_id","client_secret"}; else SES_CLIENT_ID/SES_CLIENT_SECRET from the environment',
    )
    .option('--monitors-config <file>', 'JSON configuration of the detection rules (docs/monitors.md)')
    .option('--no-monitors', 'do not evaluate the detection rules')
    .option('--simulator-seed <n>', 'seed of the built-in simulator (used when no --region/--api-url)', '7')
    .option(
      '--simulator-incidents <n>',
      'incidents the built-in simulator generates over the last 24 h',
      '500',
    )
    .option('--max-runtime <seconds>', 'stop fetching (and save progress) after this long')
    .option('--json', 'print the run summary as JSON on stdout')
    .option('--no-progress', 'no progress bar')
    .option('--ocsf [dir]', 'also write OCSF 1.1.0 Parquet in the Security Lake layout (docs/ocsf.md)')
    .option('--ocsf-source-prefix <name>', 'Security Lake custom source name prefix', 'ses')
    .option('--ocsf-region <region>', 'region= partition of the OCSF layout', 'us-east-1')
    .option('--ocsf-account-id <id>', 'accountId= partition: the account id or the external id', 'external');
}

/** Settings from the environment, overridden by flags. */
export function settingsFrom(flags: CommonFlags): Settings {
  const input: Partial<Record<SettingKey, unknown>> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]) {
    const envValue = process.env[spec.env];
    if (envValue !== undefined && envValue !== '') input[key] = envValue;
    if (!spec.flag) continue;
    const camel = spec.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const flagValue = flags[camel];
    if (flagValue !== undefined) input[key] = flagValue === true ? 'true' : flagValue;
  }
  return parseSettings(input);
}

/** The built-in simulator is used unless the user points at an API (flag or environment). */
export function wantsSimulator(flags: CommonFlags): boolean {
  return (
    flags['apiUrl'] === undefined &&
    flags['region'] === undefined &&
    !process.env[SETTINGS.apiUrl.env] &&
    !process.env[SETTINGS.apiRegion.env]
  );
}

export function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new ConfigError(`${name} must be a whole number of seconds, got ${JSON.stringify(value)}`);
  if (n < 0)
    throw new ConfigError(`${name} must not be negative (seconds, 0 or more), got ${JSON.stringify(value)}`);
  return n;
}

function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as Error).message}`, {
      action: 'Give a readable JSON file',
    });
  }
}

/** Progress bar on a terminal; elsewhere (CI logs, pipes) one plain line every few seconds. */
class ProgressView {
  private bar: SingleBar | undefined;
  private window = '';
  private lastLine = 0;
  constructor(
    private readonly enabled: boolean,
    private readonly tty: boolean,
    private readonly lineEveryMs = 5000,
  ) {}
  update(p: Progress): void {
    if (!this.enabled) return;
    if (!this.tty) {
      const now = Date.now();
      if (now - this.lastLine < this.lineEveryMs) return;
      this.lastLine = now;
      process.stderr.write(
        `progress: window ${p.window.start} → ${p.window.end}: ${p.offset}/${p.total} records, ${p.incidents} incidents and ${p.events} events delivered\n`,
      );
      return;
    }
    const key = `${p.window.start}→${p.window.end}`;
    if (key !== this.window) {
      this.bar?.stop();
      this.window = key;
      this.bar = new SingleBar({
        format: `window ${p.window.start.slice(0, 16)} → ${p.window.end.slice(0, 16)} [{bar}] {value}/{total} records | incidents {incidents} events {events}`,
        stream: process.stderr,
        hideCursor: true,
      });
      this.bar.start(Math.max(p.total, p.offset), 0, { incidents: 0, events: 0 });
    }
    this.bar?.setTotal(Math.max(p.total, p.offset));
    this.bar?.update(p.offset, { incidents: p.incidents, events: p.events });
  }
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.window = '';
  }
}

function exitCodeFor(summary: RunSummary): number {
  if (summary.status === 'complete') return EXIT.ok;
  if (summary.status === 'failed') return summary.error?.kind === 'config' ? EXIT.usage : EXIT.failure;
  return EXIT.partial;
}

/** `--ocsf [dir]` and its layout flags, checked (the source names must stay within 20 characters). */
export function ocsfLocation(flags: CommonFlags): LakeLocation & { dir: string } {
  const dir = typeof flags.ocsf === 'string' ? flags.ocsf : DEFAULT_OCSF_OUT;
  const location = {
    sourcePrefix: String(flags['ocsfSourcePrefix']),
    region: String(flags['ocsfRegion']),
    accountId: String(flags['ocsfAccountId']),
  };
  const problem = lakeLocationProblem(location);
  if (problem) throw new ConfigError(problem, { action: 'Fix the --ocsf-* flag it names' });
  return { dir, ...location };
}

function printSummary(
  result: { summary: RunSummary; outDir: string; alertsDir: string; ocsf?: OcsfStats & { dir: string } },
  json: boolean,
): void {
  const { summary: s } = result;
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...s, outDir: result.outDir })}\n`);
    return;
  }
  const out = relative(process.cwd(), result.outDir) || '.';
  const ocsf = result.ocsf
    ? [
        `ocsf:   ${result.ocsf.written} OCSF records (${
          Object.entries(result.ocsf.byClass)
            .map(([c, n]) => `class ${c}: ${n}`)
            .join(', ') || 'none'
        }; ${result.ocsf.quarantined} quarantined) as Parquet under ${relative(process.cwd(), result.ocsf.dir) || '.'}/ext/`,
      ]
    : [];
  const lines = [
    `run ${s.status}${s.reason ? `: ${s.reason}` : ''}`,
    `  windows     ${s.windows.map((w) => `${w.start} → ${w.end}`).join(', ') || '(caught up, nothing new)'}`,
    `  pages ${s.pages}  incidents ${s.incidents}  events ${s.events}  quarantined ${s.quarantined}  duplicates skipped ${s.duplicatesSkipped}`,
    `  alerts ${s.alerts}${s.alerts ? ` (in ${relative(process.cwd(), result.alertsDir)}/)` : ''}  api requests ${s.apiRequests} (retries ${s.apiRetries})  open-incident re-read ${s.openSweep}${s.refetched ? ` (${s.refetched} resolved/closed re-fetched by id)` : ''}`,
    `  lag ${s.lagSeconds ?? '-'} s  time ${(s.durationMs / 1000).toFixed(1)} s  checkpoint v${s.checkpoint.version} watermark ${s.checkpoint.watermark ?? '-'}`,
    ...s.historyGaps.map(
      (g) => `  HISTORY GAP ${g.from} → ${g.to} (${g.seconds} s older than the API keeps)`,
    ),
    `output: ${out}/  (gzip NDJSON: ${out}/<incident|event|quarantine|alert>/year=YYYY/month=MM/day=DD/*.json.gz)`,
    ...ocsf,
    `next:   npm run report   (renders the dashboards from ${out}/ into report.html)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

type Simulator = Awaited<ReturnType<typeof startSimulator>>;

/** The built-in simulator, when no API is given. `follow` keeps incidents arriving for a day. */
async function startBuiltInSimulator(flags: CommonFlags, follow: boolean): Promise<Simulator | undefined> {
  if (!wantsSimulator(flags)) return undefined;
  const sim = await startSimulator({
    seed: positiveInt('--simulator-seed', flags.simulatorSeed),
    incidents: positiveInt('--simulator-incidents', flags.simulatorIncidents),
    ...(follow ? { futureHours: 24 } : {}),
  });
  if (!flags.json)
    process.stderr.write(
      `using the built-in Symantec API simulator at ${sim.url} (no --region/--api-url given)\n`,
    );
  return sim;
}

async function collectOnce(
  flags: CommonFlags,
  mode: CollectMode | undefined,
  shared?: Simulator,
): Promise<number> {
  const settings = settingsFrom(flags);
  const logger = new ConsoleLogger({ level: settings.logLevel as LogLevel });
  const maxRuntime = flags.maxRuntime ? positiveInt('--max-runtime', flags.maxRuntime) : undefined;
  const monitorsConfig = flags.monitorsConfig
    ? readJsonFile(flags.monitorsConfig, 'monitors config')
    : undefined;
  const progress = new ProgressView(flags.progress !== false && !flags.json, Boolean(process.stderr.isTTY));
  // A simulator passed in (follow mode) lives across runs; one started here ends with this run.
  const owned = shared ? undefined : await startBuiltInSimulator(flags, false);
  const sim = shared ?? owned;
  let credentials: CredentialsSource | undefined;
  let effective = settings;
  try {
    if (sim) {
      effective = { ...settings, apiUrl: sim.url };
      credentials = {
        description: 'built-in simulator test credentials',
        get: async () => ({ clientId: sim.clientId, clientSecret: sim.clientSecret }),
      };
    }
    const result = await runLocalCollection({
      settings: effective,
      outDir: flags.out,
      checkpointFile: flags.checkpoint,
      ...(credentials ? { credentials } : {}),
      ...(flags.credentialsFile ? { credentialsFile: flags.credentialsFile } : {}),
      ...(monitorsConfig !== undefined ? { monitorsConfig } : {}),
      monitors: flags.monitors !== false,
      ...(mode ? { mode } : {}),
      ...(maxRuntime !== undefined ? { deadline: systemClock.now() + maxRuntime * 1000 } : {}),
      owner: `cli-${hostname()}-${process.pid}`,
      logger,
      onProgress: (p) => progress.update(p),
      ...(flags.ocsf ? { ocsf: ocsfLocation(flags) } : {}),
    });
    progress.stop();
    printSummary(result, Boolean(flags.json));
    return exitCodeFor(result.summary);
  } finally {
    progress.stop();
    await owned?.close();
  }
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description(
      'Collect once (or keep collecting with --follow). Without --region/--api-url it starts the built-in simulator.\n' +
        'Exit codes: 0 caught up, 1 failed, 3 partial progress (deadline) or skipped (lease held).',
    )
    .option('--follow [seconds]', 'keep running, one collection every N seconds (default 300)');
  addSettingOptions(cmd).action(async (flags: CommonFlags & { follow?: string | boolean }) => {
    if (!flags.follow) {
      process.exitCode = await collectOnce(flags, undefined);
      return;
    }
    const every = flags.follow === true ? 300 : positiveInt('--follow', String(flags.follow));
    let stop = false;
    const onSignal = () => {
      stop = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let code = 0;
    const sim = await startBuiltInSimulator(flags, true);
    try {
      while (!stop) {
        code = await collectOnce(flags, undefined, sim);
        for (let waited = 0; waited < every * 10 && !stop; waited++) await systemClock.sleep(100);
      }
    } finally {
      await sim?.close();
    }
    process.exitCode = code;
  });
}

export function registerBackfill(program: Command): void {
  const cmd = program
    .command('backfill')
    .description(
      "Collect an explicit past window (within the API's 30-day history) under its own checkpoint;\n" +
        'the regular watermark is not touched. Re-running resumes where it stopped.',
    )
    .requiredOption('--since <iso>', 'window start, ISO 8601 (e.g. 2026-11-01T00:00:00Z)')
    .requiredOption('--until <iso>', 'window end, ISO 8601')
    .option(
      '--events',
      'backfill endpoint telemetry over POST /v1/event-search instead of incidents (docs/telemetry.md)',
    );
  addSettingOptions(cmd).action(
    async (flags: CommonFlags & { since: string; until: string; events?: boolean }) => {
      const since = new Date(flags.since);
      const until = new Date(flags.until);
      if (Number.isNaN(since.getTime()))
        throw new ConfigError(`--since is not an ISO 8601 date: ${JSON.stringify(flags.since)}`);
      if (Number.isNaN(until.getTime()))
        throw new ConfigError(`--until is not an ISO 8601 date: ${JSON.stringify(flags.until)}`);
      if (until <= since) throw new ConfigError('--until must be after --since');
      if (flags.events) {
        process.exitCode = await runEventBackfill(flags, since, until);
        return;
      }
      process.exitCode = await collectOnce(flags, { kind: 'backfill', since, until });
    },
  );
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      'Show the checkpoint: watermark, lag, window in progress, lease and last run.\n' +
        "Local by default; --dynamodb-table reads the deployed stack's table (AWS credentials from the environment).",
    )
    .option('--checkpoint <file>', 'local checkpoint file', DEFAULT_CHECKPOINT)
    .option('--dynamodb-table <name>', 'read the checkpoint of a deployed stack from this DynamoDB table')
    .option('--tenant <name>', 'tenant name in the checkpoint store', 'default')
    .option('--json', 'print as JSON')
    .action(async (flags: { checkpoint: string; dynamodbTable?: string; tenant: string; json?: boolean }) => {
      const store: CheckpointStore = flags.dynamodbTable
        ? new DynamoDbCheckpointStore({ tableName: flags.dynamodbTable })
        : new FileCheckpointStore({ path: resolve(flags.checkpoint) });
      const where = flags.dynamodbTable ? `DynamoDB table ${flags.dynamodbTable}` : flags.checkpoint;
      const cp = await store.load(flags.tenant);
      const lease = await store.readLease(flags.tenant);
      const now = systemClock.now();
      const upTo = cp?.cursor?.start ?? cp?.watermark;
      const status = {
        tenant: flags.tenant,
        checkpoint: cp ?? null,
        lagSeconds: upTo ? Math.round((now - Date.parse(upTo)) / 1000) : null,
        lease: lease && lease.expiresAt > now ? lease : null,
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(status)}\n`);
        return;
      }
      if (!cp) {
        process.stdout.write(`no checkpoint for tenant ${flags.tenant} in ${where}: nothing collected yet\n`);
        return;
      }
      const lines = [
        `tenant      ${flags.tenant}  (checkpoint v${cp.version}, updated ${cp.updatedAt})`,
        `watermark   ${cp.watermark ?? '-'}  (lag ${status.lagSeconds ?? '-'} s)`,
        `in progress ${cp.cursor ? `${cp.cursor.start} → ${cp.cursor.end} at offset ${cp.cursor.offset}` : 'none'}`,
        `lease       ${status.lease ? `held by ${status.lease.owner} until ${new Date(status.lease.expiresAt).toISOString()}` : 'free'}`,
        `last run    ${cp.lastRun ? JSON.stringify(cp.lastRun) : '-'}`,
        `last success ${cp.lastSuccess ?? '-'}   open-incident re-read ${cp.lastOpenSweep ?? 'never'}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
