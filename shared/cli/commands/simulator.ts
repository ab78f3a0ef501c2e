import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Fault, type FaultKind, parseFault, RECOVERABLE_FAULTS } from '../../simulator/faults.ts';
import {
  type CapBeyond,
  describePersonality,
  type OrderDirection,
  type OrderField,
  type Personality,
  parsePersonality,
  type VersionsMode,
} from '../../simulator/personality.ts';
import { SIMULATOR_CLIENT_ID, SIMULATOR_CLIENT_SECRET, startSimulator } from '../../simulator/server.ts';
import { integer, number } from '../arguments.ts';
import { addTelemetryOptions, simulatedTelemetry, type TelemetryFlags } from './simulator-telemetry.ts';

const FAULT_KINDS: FaultKind[] = [
  'rate_limit',
  'server_error',
  'slow',
  'truncated',
  'malformed',
  'reset',
  'invalid_items',
  'token_expired',
  'duplicate',
  'redirect',
];

function personalityArg(value: string): Personality {
  try {
    return parsePersonality(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function orderArg(value: string): { orderBy: OrderField; order: OrderDirection } {
  const m = value.match(/^(time|modified|created)(?:-(asc|desc))?$/);
  if (!m?.[1]) throw new InvalidArgumentError('expected time|modified|created, optionally -asc or -desc');
  return { orderBy: m[1] as OrderField, order: (m[2] ?? 'asc') as OrderDirection };
}

function collectFault(value: string, previous: Fault[] = []): Fault[] {
  try {
    return [...previous, parseFault(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function collectPinned(value: string, previous: [number, Fault][] = []): [number, Fault][] {
  const m = value.match(/^(\d+)=(.+)$/);
  if (!m?.[1] || !m[2]) throw new InvalidArgumentError('expected N=FAULT, e.g. 3=503');
  try {
    return [...previous, [Number(m[1]), parseFault(m[2])]];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

interface SimulatorFlags extends TelemetryFlags {
  port: number;
  host: string;
  seed: number;
  incidents: number;
  ratePerHour?: number;
  spanHours: number;
  futureHours: number;
  updateRate: number;
  clientId: string;
  clientSecret: string;
  tokenTtl: number;
  historyDays: number;
  maxLimit: number;
  filterOn?: 'time' | 'created';
  personality?: Personality;
  versions?: VersionsMode;
  order?: { orderBy: OrderField; order: OrderDirection };
  resultCap?: number;
  resultCapBeyond?: CapBeyond;
  lateIndexMinutes?: number;
  scanUpdateRate?: number;
  clockRate?: number;
  updateIncidents?: number;
  /** `--update-every` (commander names the option after the flag: updateEvery), in simulated minutes. */
  updateEvery: number;
  lastPageNext: 'omit' | 'total';
  fault?: Fault[];
  faultAt?: [number, Fault][];
  faultRate?: number;
  faultSeed?: number;
  faultKinds?: string;
  redirectTo?: string;
  verbose?: boolean;
}

/** `ses-connector simulator`: run the built-in API simulator until SIGINT/SIGTERM. */
export function registerSimulator(program: Command): void {
  const cmd = program
    .command('simulator')
    .description(
      'Run the built-in Symantec API simulator (POST /v1/oauth2/tokens, POST /v1/incidents) on 127.0.0.1.\n' +
        'The first line on stdout is JSON: {"url","client_id","client_secret"}. Stop with Ctrl-C.',
    )
    .option('--port <n>', 'TCP port (0 picks a free one)', integer('--port', 0, 65535), 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--seed <n>', 'seed of the generated data set (same seed, same data)', integer('--seed', 0), 1)
    .option(
      '--incidents <n>',
      'incidents to generate (each has 1-4 lifecycle records)',
      integer('--incidents', 0, 5_000_000),
      100,
    )
    .option(
      '--rate-per-hour <n>',
      'arrival rate instead of --incidents: incidents per hour over the span',
      number('--rate-per-hour', 0, 1e6),
    )
    .option(
      '--span-hours <n>',
      'creations are spread over the last N hours',
      number('--span-hours', 0.01, 24 * 30),
      24,
    )
    .option(
      '--future-hours <n>',
      'also generate arrivals up to N hours after now (visible as time passes)',
      number('--future-hours', 0, 24 * 30),
      0,
    )
    .option(
      '--update-rate <p>',
      'probability an incident gets update/closure records (8076/8077)',
      number('--update-rate', 0, 1),
      0.6,
    )
    .option('--client-id <id>', 'accepted client id', SIMULATOR_CLIENT_ID)
    .option('--client-secret <secret>', 'accepted client secret', SIMULATOR_CLIENT_SECRET)
    .option('--token-ttl <seconds>', 'access token lifetime (expires_in)', integer('--token-ttl', 1), 3600)
    .option(
      '--history-days <n>',
      'reject start_date older than N days with 400 (0 disables)',
      integer('--history-days', 0),
      30,
    )
    .option(
      '--max-limit <n>',
      'largest accepted limit (page size); over it, 400',
      integer('--max-limit', 1),
      2000,
    )
    .addOption(
      new Option(
        '--filter-on <field>',
        'window filter: record time, or created (latest version of each incident created in the window)',
      ).choices(['time', 'created']),
    )
    .option(
      '--personality <spec>',
      'API behaviours: a preset (default, created-latest, time-latest, desc-time, modified-desc-latest, capped, late-index, moving-records, real-clock) or key=value pairs such as filter=created,versions=latest,order=modified-desc; the flags below override it',
      personalityArg,
    )
    .addOption(
      new Option(
        '--versions <mode>',
        'every lifecycle record, or only the latest version of each incident',
      ).choices(['all', 'latest']),
    )
    .option(
      '--order <field-direction>',
      'sort order: time|modified|created, then -asc or -desc (e.g. modified-desc)',
      orderArg,
    )
    .option(
      '--result-cap <n>',
      'cap total and reachable offsets at N results (the API cap is likely 10000)',
      integer('--result-cap', 1),
    )
    .addOption(
      new Option(
        '--result-cap-beyond <mode>',
        'an offset at or past the cap answers an empty page, or 400',
      ).choices(['empty', 'error']),
    )
    .option(
      '--late-index-minutes <n>',
      'late indexing: a record becomes visible a random 0..N minutes after its time',
      number('--late-index-minutes', 0, 24 * 60),
    )
    .option(
      '--scan-update-rate <p>',
      'probability that after a page one incident of the result list gets a new version (records move during a scan)',
      number('--scan-update-rate', 0, 1),
    )
    .option(
      '--clock-rate <r>',
      'simulated time runs at R x real time from the start (1 = real time)',
      number('--clock-rate', 0.001, 1e7),
    )
    .option(
      '--update-incidents <n>',
      'every --update-every minutes of simulated time, give N random open incidents a new version (updates between runs)',
      integer('--update-incidents', 0),
    )
    .option(
      '--update-every <minutes>',
      'interval of --update-incidents, in simulated minutes',
      number('--update-every', 0.01, 24 * 60),
      5,
    )
    .addOption(
      new Option('--last-page-next <mode>', 'last page: omit next, or set next = total')
        .choices(['omit', 'total'])
        .default('omit'),
    )
    .option(
      '--fault <spec>',
      'queue a fault for the next data request (repeatable, in order): 429, 429:retry-after=<s|http-date>, 500, 502, 503, 504, ' +
        'slow:<ms>, truncated, malformed, reset, invalid[:N], token-expired, duplicate, redirect[:301|302|307|308[=URL]]',
      collectFault,
    )
    .option(
      '--fault-at <n=spec>',
      'inject a fault into data request number N (1-based), e.g. 3=503 (repeatable)',
      collectPinned,
    )
    .option(
      '--fault-rate <p>',
      'random faults on this fraction of data requests (seeded, for soak tests)',
      number('--fault-rate', 0, 1),
    )
    .option('--fault-seed <n>', 'seed of the random faults', integer('--fault-seed', 0))
    .option(
      '--fault-kinds <list>',
      `comma list of kinds for --fault-rate (default ${RECOVERABLE_FAULTS.join(',')}; all: ${FAULT_KINDS.join(',')})`,
    )
    .option(
      '--redirect-to <url>',
      'host a redirect fault points to',
      'https://api.sep.eu.securitycloud.symantec.com',
    )
    .option('--verbose', 'log each request to stderr')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  ses-connector simulator --port 8080 --seed 7 --incidents 500\n' +
        '  ses-connector simulator --port 0 --fault 429:retry-after=1 --fault 503 --fault-at 5=truncated\n' +
        '  ses-connector simulator --fault-rate 0.1 --fault-seed 3\n' +
        '  ses-connector simulator --personality created-latest --order modified-desc --result-cap 10000\n' +
        '  ses-connector simulator --versions latest --scan-update-rate 0.3 --update-incidents 3 --clock-rate 60\n' +
        '  ses-connector simulator --telemetry-events 20000 --export-dir ./bucket --export-every 60\n' +
        '  AWS_ENDPOINT_URL=http://127.0.0.1:5000 ses-connector simulator --telemetry-events 5000 --export-s3 s3://export/ses --export-once\n' +
        'Then: SES_API_URL=<url> SES_CLIENT_ID=<client_id> SES_CLIENT_SECRET=<client_secret> ses-connector run\n' +
        '      (telemetry: ses-connector stream --api-url <url> --stream-id 00000000-5e5e-4c0d-9e00-000000000001; ses-connector ingest ./bucket)',
    );
  addTelemetryOptions(cmd).action(async (flags: SimulatorFlags) => {
    let faultKinds: FaultKind[] | undefined;
    if (flags.faultKinds) {
      faultKinds = flags.faultKinds.split(',').map((k) => k.trim()) as FaultKind[];
      const unknown = faultKinds.filter((k) => !FAULT_KINDS.includes(k));
      if (unknown.length)
        throw new InvalidArgumentError(
          `--fault-kinds: unknown ${unknown.join(', ')}; use ${FAULT_KINDS.join(', ')}`,
        );
    }
    const telemetry = simulatedTelemetry(flags);
    const log = (line: string) => process.stderr.write(`simulator: ${line}\n`);
    if (flags.exportOnce) {
      if (!telemetry?.exporter)
        throw new InvalidArgumentError('--export-once needs --export-dir or --export-s3');
      await telemetry.startExport(log);
      const t = telemetry.exporter.groundTruth;
      process.stdout.write(
        `${JSON.stringify({ objects: t.objects.length, exported: t.exported().length, pending: t.pending() })}\n`,
      );
      return;
    }
    const sim = await startSimulator({
      ...(telemetry ? { telemetry: telemetry.api } : {}),
      port: flags.port,
      host: flags.host,
      seed: flags.seed,
      incidents: flags.incidents,
      ratePerHour: flags.ratePerHour,
      spanHours: flags.spanHours,
      futureHours: flags.futureHours,
      updateRate: flags.updateRate,
      clientId: flags.clientId,
      clientSecret: flags.clientSecret,
      tokenTtlSeconds: flags.tokenTtl,
      historyDays: flags.historyDays,
      maxLimit: flags.maxLimit,
      personality: {
        ...flags.personality,
        ...(flags.filterOn ? { filterOn: flags.filterOn } : {}),
        ...(flags.versions ? { versions: flags.versions } : {}),
        ...flags.order,
        ...(flags.resultCap !== undefined ? { resultCap: flags.resultCap } : {}),
        ...(flags.resultCapBeyond ? { resultCapBeyond: flags.resultCapBeyond } : {}),
        ...(flags.lateIndexMinutes !== undefined ? { lateIndexMinutes: flags.lateIndexMinutes } : {}),
        ...(flags.scanUpdateRate !== undefined ? { scanUpdateRate: flags.scanUpdateRate } : {}),
        ...(flags.clockRate !== undefined ? { clockRate: flags.clockRate } : {}),
      },
      lastPageNext: flags.lastPageNext,
      faults: flags.fault,
      faultRate: flags.faultRate,
      faultSeed: flags.faultSeed,
      faultKinds,
      redirectTo: flags.redirectTo,
      log: flags.verbose ? (line) => process.stderr.write(`simulator: ${line}\n`) : undefined,
    });
    for (const [n, fault] of flags.faultAt ?? []) sim.faults.at(n, fault);
    process.stdout.write(
      `${JSON.stringify({ url: sim.url, client_id: sim.clientId, client_secret: sim.clientSecret })}\n`,
    );
    // Updates between runs: the collector's runs see incidents move forward as time passes.
    const updates = flags.updateIncidents ?? sim.personality.betweenRunUpdates;
    const rate = sim.personality.clockRate > 0 ? sim.personality.clockRate : 1;
    const timer =
      updates > 0
        ? setInterval(() => sim.updateIncidents(updates), (flags.updateEvery * 60_000) / rate)
        : undefined;
    timer?.unref();
    process.stderr.write(`simulator: ${describePersonality(sim.personality)}\n`);
    if (telemetry) {
      log(
        `${telemetry.data.events.length} telemetry events on the Event Stream 00000000-5e5e-4c0d-9e00-000000000001 (${flags.streamChannels} channel(s)) and Event Search`,
      );
      await telemetry.startExport(log);
    }
    process.stderr.write(
      `simulator: ${sim.groundTruth.versions.length} incident records (${sim.groundTruth.incidentUids().size} incidents) on ${sim.url}; Ctrl-C to stop\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        if (timer) clearInterval(timer);
        void Promise.resolve(telemetry?.exporter?.stop())
          .then(() => sim.close())
          .then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  });
}
