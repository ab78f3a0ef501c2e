/**
 * Configuration of the nine detection rules (docs/monitors.md). One JSON object, validated here; every
 * key is optional and defaults to the Sumo Logic app's monitor (all Critical, "Count > 0").
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';

export const ALERT_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Rule ids: the config keys under `rules` and the `rule` of every alert. */
export const RULE_IDS = [
  'embargoedDevice',
  'suspiciousPathExecution',
  'highPriorityOrSeverityIncident',
  'cynicHighRiskThreat',
  'highSeverityMaliciousFile',
  'embargoedLocation',
  'sandboxMaliciousFile',
  'impactedDevicesSpike',
  'unresolvedIncidentAging',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/**
 * Default suspicious path patterns (case-insensitive regular expressions over `file.path` and
 * `actor.file.path`): temp folders, downloads, the recycle bin, the public profile, AppData, PerfLogs,
 * and world-writable Unix folders.
 */
export const DEFAULT_SUSPICIOUS_PATHS: readonly string[] = [
  String.raw`[\\/](temp|tmp)[\\/]`,
  String.raw`[\\/]downloads[\\/]`,
  String.raw`[\\/]\$recycle\.bin[\\/]`,
  String.raw`[\\/]users[\\/]public[\\/]`,
  String.raw`[\\/]appdata[\\/]`,
  String.raw`[\\/]perflogs[\\/]`,
  '^/(var/tmp|dev/shm)/',
];

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.number().check(z.int(), z.minimum(min), z.maximum(max));
const positive = () => z.number().check(z.minimum(0), z.maximum(1e9));
const severity = z.enum(ALERT_SEVERITIES);
const nonEmpty = z.string().check(z.minLength(1));

function base<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject({
    enabled: z._default(z.boolean(), true),
    severity: z._default(severity, 'critical' as AlertSeverity),
    ...shape,
  });
}

const regexString = z.string().check(
  z.minLength(1),
  z.refine((s) => {
    try {
      new RegExp(s, 'i');
      return true;
    } catch {
      return false;
    }
  }, 'is not a valid regular expression'),
);

const ipv4Part = String.raw`(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const cidrString = z
  .string()
  .check(z.refine((s) => parseCidrLoose(s), 'is not a CIDR block such as 203.0.113.0/24 or 2001:db8::/32'));
/** Syntax check only; the matcher in geo.ts does the real parsing. */
function parseCidrLoose(s: string): boolean {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || addr === undefined || bits === undefined || !/^\d{1,3}$/.test(bits))
    return false;
  const n = Number(bits);
  if (new RegExp(`^${ipv4Part}(\\.${ipv4Part}){3}$`).test(addr)) return n <= 32;
  return addr.includes(':') && /^[0-9a-fA-F:.]+$/.test(addr) && n <= 128;
}

const rulesSchema = z.strictObject({
  /** Sumo "Embargoed Device" (Devices With Multiple Incidents). */
  embargoedDevice: z.prefault(
    base({
      /** Fires when a device is linked to MORE than this many distinct incidents within the window. */
      maxIncidents: z._default(int(1), 1),
      windowMinutes: z._default(int(1, 43_200), 1440),
    }),
    {},
  ),
  suspiciousPathExecution: z.prefault(
    base({
      /** Case-insensitive regular expressions; a match anywhere in the path fires. */
      pathPatterns: z._default(z.array(regexString), () => [...DEFAULT_SUSPICIOUS_PATHS]),
    }),
    {},
  ),
  highPriorityOrSeverityIncident: z.prefault(
    base({
      /** Incident severity_id values that count as high (3 Minor, 4 Major, 5 Critical). */
      severityIds: z._default(z.array(int(0, 99)), () => [4, 5]),
      /** Incident priority_id values that count as high (3 High, 4 Critical). */
      priorityIds: z._default(z.array(int(0, 99)), () => [3, 4]),
    }),
    {},
  ),
  cynicHighRiskThreat: z.prefault(
    base({
      /** threat.provider values (case-insensitive). */
      providers: z._default(z.array(nonEmpty), () => ['Cynic']),
      /** threat.risk_id from 100 (highest risk) to 500: fires when 0 < risk_id <= maxRiskId. */
      maxRiskId: z._default(int(1, 10_000), 200),
    }),
    {},
  ),
  highSeverityMaliciousFile: z.prefault(
    base({
      /** Event severity_id at or above this (4 Major, 5 Critical, 6 Fatal). */
      minSeverityId: z._default(int(0, 99), 4),
      /** edr_event_data_type values meaning "malicious" (case-insensitive). */
      dataTypes: z._default(z.array(nonEmpty), () => ['malicious']),
    }),
    {},
  ),
  embargoedLocation: z.prefault(
    base({
      /** ISO 3166-1 alpha-2 country codes; device IPs located there fire (private IPs never do). */
      countries: z._default(z.array(z.string().check(z.regex(/^[A-Za-z]{2}$/))), () => []),
      /** CIDR blocks; device IPs inside one fire (private ranges allowed here). */
      cidrs: z._default(z.array(cidrString), () => []),
    }),
    {},
  ),
  sandboxMaliciousFile: z.prefault(
    base({
      /** Event `type` values of sandbox verdicts (case-insensitive). */
      eventTypes: z._default(z.array(nonEmpty), () => ['sandbox_file_detection']),
    }),
    {},
  ),
  impactedDevicesSpike: z.prefault(
    base({
      /** Tumbling window size, aligned to the epoch. */
      windowMinutes: z._default(int(1, 10_080), 60),
      /** Number of previous windows averaged into the baseline. */
      baselineWindows: z._default(int(1, 168), 24),
      /** Fires when distinct devices in a window > factor × baseline mean ... */
      factor: z._default(positive(), 2),
      /** ... and at least this many distinct devices were seen in it. */
      minDevices: z._default(int(1), 5),
    }),
    {},
  ),
  unresolvedIncidentAging: z.prefault(
    base({
      /** Age (from `created`) after which a still open incident fires, once. */
      maxAgeDays: z._default(positive(), 7),
    }),
    {},
  ),
});

export const monitorsConfigSchema = z.strictObject({
  /** Base of the console link when an alert's evidence has no incident_url of its own. */
  consoleBaseUrl: z._default(
    z.string().check(z.regex(/^https:\/\/[^/\s]+$/)),
    'https://sep.securitycloud.symantec.com',
  ),
  /** How long fired alert ids (and closed incidents) are remembered after their cause was last seen. */
  dedupRetentionDays: z._default(int(1, 3650), 35),
  rules: z.prefault(rulesSchema, {}),
  /**
   * Endpoint telemetry (dataset `telemetry`) through the file rules (suspicious path, Cynic,
   * malicious file, sandbox). Off by default; events below `minSeverityId` are never evaluated, so
   * the severity-1 bulk of the stream raises nothing.
   */
  telemetry: z.prefault(
    z.strictObject({
      enabled: z._default(z.boolean(), false),
      minSeverityId: z._default(int(2, 6), 3),
    }),
    {},
  ),
});

export type MonitorsConfig = z.infer<typeof monitorsConfigSchema>;
export type RulesConfig = MonitorsConfig['rules'];

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  const i = issue as z.core.$ZodIssue & Record<string, unknown>;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${path}: unknown key(s) ${(i['keys'] as string[]).map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return `${path}: expected ${String(i['expected'])}`;
    case 'too_small':
      return `${path}: must be at least ${String(i['minimum'])}`;
    case 'too_big':
      return `${path}: must be at most ${String(i['maximum'])}`;
    case 'invalid_value':
      return `${path}: must be one of ${(i['values'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `${path}: has an invalid format`;
    default:
      return `${path}: ${issue.message === 'Invalid input' ? 'invalid value' : issue.message}`;
  }
}

/**
 * Validates a monitors configuration (parsed JSON; `undefined` = all defaults). Throws a ConfigError
 * naming every invalid field (`rules.embargoedDevice.maxIncidents: must be at least 1`).
 */
export function parseMonitorsConfig(input: unknown): MonitorsConfig {
  const result = monitorsConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new ConfigError(`Invalid monitors configuration: ${result.error.issues.map(describe).join('; ')}`, {
      action: 'Fix the field(s) named above (docs/monitors.md lists every key and its default)',
    });
  }
  return result.data;
}

/**
 * Reads the configuration from env `MONITORS_CONFIG` (JSON text, Lambda) or from a JSON file (CLI).
 * Neither given: the defaults.
 */
export function loadMonitorsConfig(source: { env?: NodeJS.ProcessEnv; file?: string } = {}): MonitorsConfig {
  if (source.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (cause) {
      throw new ConfigError(`Cannot read the monitors configuration file ${source.file}`, {
        action: 'Check the path given to --monitors-config',
        cause,
      });
    }
    return parseMonitorsConfig(parseJson(text, `file ${source.file}`));
  }
  const text = source.env?.['MONITORS_CONFIG'];
  if (text === undefined || text.trim() === '') return parseMonitorsConfig({});
  return parseMonitorsConfig(parseJson(text, 'env MONITORS_CONFIG'));
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`The monitors configuration in ${where} is not valid JSON`, {
      action: 'Provide a JSON object such as {"rules":{"embargoedDevice":{"maxIncidents":3}}}',
      cause,
    });
  }
}
